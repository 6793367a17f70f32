"""Long-running processes run separately in production: the outbox relay (`smartcustoms worker relay`), and,
as capabilities add them, MQTT ingest, the JT/T 808 server and the scheduler."""
