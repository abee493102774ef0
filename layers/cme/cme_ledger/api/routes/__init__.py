"""Routers, one per API function (functions/<name>/app.py includes its own; api.openapi all of them)."""
