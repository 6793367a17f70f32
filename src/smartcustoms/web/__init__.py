"""The web edge: the ASGI app factory, the one error → HTTP mapping, login pages and base templates."""
