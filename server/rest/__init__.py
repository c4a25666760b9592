"""The platform's JSON API machinery under ``/api``: the registry that declares endpoints, the shared
schema types and the OpenAPI document. (Not named ``api``: each domain's ``api.py`` is its API; this is
what they, and the schemas services share, are built on.)

Each domain declares its endpoints in its own ``api.py`` with
``server.rest.registry.endpoint``; the application imports them all.
"""
