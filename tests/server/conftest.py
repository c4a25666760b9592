"""Fixtures for the server's tests: a fresh app per test over a real database and library.

``app`` runs once on SQLite and, when ``TEST_DATABASE_URL`` is set, once more
on PostgreSQL in a schema of its own (dropped afterwards), so parallel runs
never collide. People are created with a precomputed scrypt hash: hashing is
deliberately slow and the suite must stay fast.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash

from server.app import create_app
from server.database import engine, new_session
from server.jobs.workers import stop_consumer
from server.accounts.models import Membership, User

PASSWORD = "correct horse battery"
STARTER_BOOK = "locomotive-maintenance"


@dataclass(frozen=True)
class Person:
    username: str
    side: str
    is_admin: bool = False
    role: str | None = None  # role on the starter book
    active: bool = True


PEOPLE = {
    "admin": Person("admin", "school", is_admin=True),
    "maintainer": Person("maintainer", "school", role="maintainer"),
    "teacher": Person("teacher", "school", role="author"),
    "technician": Person("technician", "enterprise", role="author"),
    "reviewer": Person("reviewer", "enterprise", role="reviewer"),
    "reader": Person("reader", "school", role="reader"),
    "outsider": Person("outsider", "enterprise"),
    "disabled": Person("disabled", "school", role="author", active=False),
}


@pytest.fixture(scope="session")
def password_hash() -> str:
    return generate_password_hash(PASSWORD, method="scrypt:1024:8:1")  # cheap to check; same scheme


@pytest.fixture(scope="session")
def starter_library(tmp_path_factory) -> Path:
    from materials import Library

    path = tmp_path_factory.mktemp("starter") / "library.git"
    Library.init(path, starter=True)
    return path


def _postgres_schema_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def _database(kind: str, directory: Path) -> Iterator[str]:
    """A database for one app: a SQLite file in ``directory``, or a PostgreSQL schema of its own (then dropped)."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'jointbook.db'}"
        return
    base = os.environ["TEST_DATABASE_URL"]
    schema = f"jb_test_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_schema_url(base, schema)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else []))
def database_url(request, tmp_path):
    with _database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def database_of():
    """``database_of(kind, directory)``: ``_database`` for fixtures of any scope (modules cannot import conftest)."""
    return _database


@pytest.fixture
def make_app(tmp_path, database_url, starter_library, password_hash):
    """Build an app with extra configuration (several per test are allowed)."""
    apps = []

    def build(**config):
        library = tmp_path / "library.git"
        if not library.exists():
            shutil.copytree(starter_library, library)
        settings = {
            "JOINTBOOK_INSTANCE": str(tmp_path / "instance"),
            "DATABASE_URL": database_url,
            "LIBRARY_PATH": str(library),
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        settings.update(config)
        app = create_app(settings)
        apps.append(app)
        _add_people(app, password_hash)
        return app

    yield build
    for app in apps:
        stop_consumer(app)  # the queue's workers of START_JOB_RUNNER=True, if a test left them running
        engine(app).dispose()


def _add_people(app, password_hash: str) -> None:
    with new_session(app) as session:
        if session.query(User).count():
            return
        for person in PEOPLE.values():
            user = User(username=person.username, display_name=person.username.title(), side=person.side,
                        is_admin=person.is_admin, active=person.active, password_hash=password_hash)
            session.add(user)
            if person.role:
                session.add(Membership(user=user, book=STARTER_BOOK, role=person.role))
        session.commit()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, as a page hands it to the browser."""
    response = client.get(path)
    match = CSRF_FIELD.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD, **extra):
    token = csrf_from(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token, **extra})


def post_form(client, path: str, data: dict | None = None, page: str | None = None):
    """Submit a form the way a browser does: read the page's CSRF token, then POST."""
    token = csrf_from(client, page or path)
    return client.post(path, data={**(data or {}), "csrf_token": token})


@contextmanager
def serving(app, threads: int = 4) -> Iterator[str]:
    """``app`` served by waitress on a free port of 127.0.0.1, as a browser reaches it; yields its URL."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(5)
        engine(app).dispose()


@pytest.fixture(scope="session")
def serve():
    """``serving``, for fixtures of any scope (test modules cannot import this conftest)."""
    return serving


def start_change_request(client, book: str = STARTER_BOOK, title: str = "修改教材", chapter: str = "") -> str:
    """Start a change request the way an author does (the "new change request" form); its branch."""
    path = f"/books/{book}/change-requests/new"
    response = client.post(path, data={"csrf_token": csrf_from(client, path), "title": title, "chapter": chapter})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    listed = client.get(f"/api/books/{book}/change-requests").get_json()["change_requests"]
    return f"cr/{max(cr['number'] for cr in listed)}"


class Web:
    """Browser-like helpers for tests (a fixture, because test modules cannot import conftest)."""

    PASSWORD = PASSWORD
    STARTER_BOOK = STARTER_BOOK
    csrf_from = staticmethod(csrf_from)
    login = staticmethod(login)
    post_form = staticmethod(post_form)
    start_change_request = staticmethod(start_change_request)


@pytest.fixture
def web() -> type[Web]:
    return Web


@pytest.fixture
def signed_in(app):
    """``signed_in("teacher")`` -> a test client with that person's session."""

    def sign(username: str):
        client = app.test_client()
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return sign
