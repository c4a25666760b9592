"""The JSON API under ``/api``: every action of the pages, for programs.

Endpoints are declared with ``server.api.registry.endpoint`` in one module per
concept; importing them here registers them on ``blueprint`` and in the
OpenAPI document served at ``/api/openapi.json``.
"""
from server.api.registry import blueprint
from server.api import accounts, jobs, memberships, openapi, tokens  # noqa: F401,E402 - registers endpoints
from server.api import feedback  # noqa: F401,E402 - readers' feedback
from server.api import dashboard  # noqa: F401,E402 - cooperation figures
from server.api import change_requests, notifications  # noqa: F401,E402 - registers endpoints
from server.api import assets, chapters  # noqa: F401,E402 - registers endpoints
from server.api import standards  # noqa: F401,E402
from server.api import books, history  # noqa: F401,E402 - registers endpoints
from server.api import sites  # noqa: F401,E402 - releases, builds, previews

__all__ = ["blueprint"]
