"""Routers, one per API function; api.openapi includes them all for the OpenAPI document."""
