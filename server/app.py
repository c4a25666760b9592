"""The application factory: one call builds a complete, configured platform.

``create_app()`` reads configuration (defaults < instance/config.toml <
environment < ``config``), migrates the database, and wires the parts in the
order requests meet them: token authentication, CSRF, views, error pages.
Tests build a fresh app per test with ``create_app({...})``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from server import api, views
from server.auth import authenticate_token, init_auth
from server.config import load_config
from server.database import MAX_INTEGER, engine, init_database
from server.errors import init_errors
from server.i18n import init_i18n
from server.jobs import start_runner
from server.login_lockout import init_login_lockout
from server.migrations import upgrade
from server.permissions import check_every_view_declares
from server.security import check_csrf, init_security, refuse_unstorable_text
from server.templating import init_templating

# Beside the packages, in a checkout and in the wheel alike (pyproject.toml force-includes it there).
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` limited to what a database integer holds: larger numbers are 404, not a crash.

    Refused with ``NotFound``, not werkzeug's ``ValidationError``: that one makes the router
    answer 405 when another method serves the same path.
    """

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_INTEGER:
            raise NotFound()
        return number


def create_app(config: dict[str, Any] | None = None) -> Flask:
    settings = load_config(config)
    Path(settings["JOINTBOOK_INSTANCE"]).mkdir(parents=True, exist_ok=True)
    app = Flask(
        __name__,
        template_folder=str(TEMPLATES),
        static_folder="static",
        instance_path=settings["JOINTBOOK_INSTANCE"],
    )
    app.config.update(settings)
    app.url_map.converters["int"] = DatabaseIdConverter

    init_database(app)
    if app.config["RUN_MIGRATIONS"]:
        upgrade(engine(app))
    init_i18n(app)
    init_security(app)
    init_login_lockout(app)
    init_auth(app)
    init_errors(app)
    init_templating(app)
    app.before_request(authenticate_token)
    app.before_request(check_csrf)
    app.before_request(refuse_unstorable_text)

    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(api.blueprint, url_prefix="/api")
    _register_optional_parts(app)

    check_every_view_declares(app)

    if app.config["START_JOB_RUNNER"]:
        start_runner(app)
    return app


def _register_optional_parts(app: Flask) -> None:
    """Parts other packages contribute once they exist (e.g. serving published sites)."""
    try:
        from server.commands import sites
    except ImportError:
        return
    register = getattr(sites, "register_app", None)
    if register is not None:
        register(app)
