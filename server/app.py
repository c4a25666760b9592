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
from werkzeug.routing import IntegerConverter, PathConverter

from server import health, language
from server.compression import init_compression
from server.accounts import api as accounts_api, views as accounts
from server.accounts.lockout import init_login_lockout
from server.alignment import api as alignment_api, views as alignment
from server.rest import openapi
from server.rest.registry import blueprint as api_blueprint
from server.audit import views as audit
from server.books import api as books_api, views as books
from server.change_requests import api as change_requests_api, views as change_requests
from server.crosswalks import api as crosswalks_api, views as crosswalks
from server.dashboard import api as dashboard_api, views as dashboard
from server.editing import api as editing_api, views as editing
from server.feedback import api as feedback_api, views as feedback
from server.git_http import api as git_http_api, views as git_http
from server.change_requests.service import init_change_requests
from server.feedback.change_requests import init_feedback
from server.history import api as history_api, views as history
from server.imports import api as imports_api, views as imports
from server.jobs import api as jobs_api, views as jobs
from server.notifications import api as notifications_api, views as notifications
from server.sites import api as sites_api, views as sites
from server.sites.build_check import register_build_check
from server.standards import api as standards_api, case_service, views as standards
from server.textbook_reviews import api as textbook_reviews_api, views as textbook_reviews
from server.textbook_reviews.revision_cycle import init_revision_cycle
from server.auth import authenticate_token, init_auth
from server.config import load_config
from server.database import MAX_INTEGER, engine, init_database
from server.errors import init_errors
from server.i18n import init_i18n
from server.jobs.queue import init_queue
from server.jobs.workers import start_consumer
from server.migrations import upgrade
from server.permissions import check_every_view_declares
from server.security import check_csrf, init_security, refuse_unstorable_text
from server.templating import init_templating

# Beside the packages, in a checkout and in the wheel alike (pyproject.toml force-includes it there).
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# Every page of the platform, by domain: a blueprint per kind of page.
BLUEPRINTS = (
    accounts.signin, accounts.account, accounts.people, accounts.members,
    books.home, books.books,
    editing.editor, editing.assets,
    history.blueprint,
    imports.blueprint,
    change_requests.blueprint,
    feedback.blueprint,
    standards.standards, case_service.blueprint, crosswalks.blueprint,
    alignment.blueprint,
    sites.sites, sites.releases,
    textbook_reviews.textbook_reviews,
    dashboard.blueprint,
    notifications.blueprint,
    audit.blueprint, audit.export,
    jobs.blueprint,
    git_http.blueprint,
    language.blueprint, health.blueprint,
)
# Importing a domain's ``api`` module declares its endpoints on the API blueprint.
API_MODULES = (accounts_api, books_api, editing_api, history_api, change_requests_api, feedback_api,
               standards_api, crosswalks_api, alignment_api, sites_api, dashboard_api, notifications_api, jobs_api,
               textbook_reviews_api, imports_api, git_http_api, openapi)


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


class ChapterFileConverter(PathConverter):
    """``<chapter:file>``: a chapter's name inside ``chapters/``, sub-folders and all (``chapter_tree/tree.md``).

    Any path reaches the view, whose ``materials.paths.validate_chapter_name`` refuses what no chapter
    may be called with a 400 naming the rule. The router prefers a rule's fixed end (``…/history``),
    and no chapter's folder ends in ``.md``, so ``a.md/history`` reads one way only.
    """


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
    app.url_map.converters["chapter"] = ChapterFileConverter

    init_database(app)
    if app.config["RUN_MIGRATIONS"]:
        upgrade(engine(app))
    init_queue(app)
    init_i18n(app)
    init_security(app)
    init_login_lockout(app)
    init_auth(app)
    init_errors(app)
    init_templating(app)
    init_compression(app)
    app.before_request(authenticate_token)
    app.before_request(check_csrf)
    app.before_request(refuse_unstorable_text)

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(api_blueprint, url_prefix="/api")
    init_feedback(app)
    init_change_requests(app)
    init_revision_cycle(app)
    register_build_check()

    check_every_view_declares(app)

    if app.config["START_JOB_RUNNER"]:
        start_consumer(app)
    return app

