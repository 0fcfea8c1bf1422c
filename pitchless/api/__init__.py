"""The HTTP API: django-ninja routers over the same services as the pages.

Clients authenticate with a bearer token (``POST /api/auth/token``); the OpenAPI document is at
``/api/openapi.json`` and the interactive docs at ``/api/docs``.
"""
