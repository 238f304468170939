"""Pages of the community app, one module per concern (see services/__init__.py)."""
