"""The `smartcustoms` command."""
