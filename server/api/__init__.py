"""The JSON API under ``/api``: the registry that declares endpoints, and the OpenAPI document.

Each domain declares its endpoints in its own ``api.py`` with
``server.api.registry.endpoint``; the application imports them all.
"""
