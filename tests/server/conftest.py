"""Fixtures for the server's tests: an app per test over a real database and library.

``app`` runs once on SQLite and, when ``TEST_DATABASE_URL`` is set, once more
on PostgreSQL in a schema of its own (dropped afterwards), so parallel runs
never collide. Starting an app is most of a server test's time, so what every
start would redo is done once per session: the database is migrated once into
a template that each test's database copies, and the translations are compiled
once into a directory every app reads. Tests that only read the starter book
share one app per module (``reading_app``). People sign in by their session
(``helpers.sign_in``), except in the tests of the sign-in form.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Iterator

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import NullPool
from werkzeug.security import generate_password_hash

from helpers import PASSWORD, add_people, csrf_from, sign_in, start_change_request
from materials import Library
from server.app import create_app
from server.database import engine, make_engine
from server.i18n import compile_catalogs
from server.migrations import upgrade

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session")
def password_hash() -> str:
    return generate_password_hash(PASSWORD, method="scrypt:1024:8:1")  # cheap to check; same scheme


@pytest.fixture(scope="session")
def starter_library(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("starter") / "library.git"
    Library.init(path, starter=True)
    return path


@pytest.fixture(scope="session")
def translations(tmp_path_factory) -> Path:
    """The catalogues compiled once for every app of the session (each app checks they are current)."""
    return compile_catalogs(tmp_path_factory.mktemp("translations"))


def _postgres_schema_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


# What a replay of the migrations leaves out: reads (alembic's and SQLAlchemy's look-ups, the advisory lock).
_READS = re.compile(r"\s*(SELECT|SHOW)\b", re.IGNORECASE)


class Templates:
    """Databases migrated once per session, copied for each test: migrating takes longer than most tests.

    SQLite: a migrated file, copied. PostgreSQL: the statements the migrations ran in a schema of
    their own, recorded once and replayed into each test's new schema (one transaction, no
    Alembic), so parallel runs share nothing but the server.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self._sqlite: Path | None = None
        self._statements: list[tuple[str, Any, bool]] | None = None

    def sqlite(self) -> Path:
        if self._sqlite is None:
            path = self.directory / "template.db"
            migrating = make_engine(f"sqlite:///{path}")
            upgrade(migrating)
            migrating.dispose()  # the last connection's close checkpoints the write-ahead log into the file
            self._sqlite = path
        return self._sqlite

    def postgresql(self, base: str) -> list[tuple[str, Any, bool]]:
        if self._statements is None:
            statements: list[tuple[str, Any, bool]] = []
            with _schema(base) as url:
                migrating = make_engine(url)

                @event.listens_for(migrating, "before_cursor_execute")
                def _record(_connection, _cursor, statement, parameters, _context, executemany) -> None:
                    if not _READS.match(statement):
                        statements.append((statement, parameters, executemany))

                upgrade(migrating)
                migrating.dispose()
            self._statements = statements
        return self._statements


@contextmanager
def _schema(base: str) -> Iterator[str]:
    """A PostgreSQL schema of its own (dropped afterwards); the URL whose connections use it."""
    schema = f"jb_test_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_schema_url(base, schema)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def _database(templates: Templates, kind: str, directory: Path) -> Iterator[str]:
    """A migrated database for one test: a SQLite file in ``directory``, or a PostgreSQL schema of its own."""
    if kind == "sqlite":
        path = directory / "jointbook.db"
        shutil.copyfile(templates.sqlite(), path)
        yield f"sqlite:///{path}"
        return
    base = os.environ["TEST_DATABASE_URL"]
    statements = templates.postgresql(base)
    with _schema(base) as url:
        replaying = create_engine(url, poolclass=NullPool)
        connection = replaying.raw_connection()  # the driver's own calls: the statements exactly as recorded
        try:
            cursor = connection.cursor()
            for statement, parameters, executemany in statements:
                (cursor.executemany if executemany else cursor.execute)(statement, parameters)
            connection.commit()
        finally:
            connection.close()
            replaying.dispose()
        yield url


@pytest.fixture(scope="session")
def database_of(tmp_path_factory):
    """``database_of(kind, directory)``: a migrated database for fixtures of any scope (see ``_database``)."""
    return partial(_database, Templates(tmp_path_factory.mktemp("templates")))


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path, database_of):
    with database_of(request.param, tmp_path) as url:
        yield url


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept for every app of the session.

    Each app has an environment of its own, and compiling a template again is most of the
    first render of a page. Kept by source checksum: an edited template is compiled anew.
    """

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(scope="session")
def start_app(starter_library, translations, password_hash):
    """``start_app(directory, database_url, **config)``: an app of a test instance in
    ``directory`` over a copy of the starter library, its database migrated, with the people of ``helpers.PEOPLE``."""
    compiled = CompiledTemplates()

    def start(directory: Path, database_url: str, **config):
        library = directory / "library.git"
        if not library.exists():
            shutil.copytree(starter_library, library)
        app = create_app({
            "JOINTBOOK_INSTANCE": str(directory / "instance"),
            "DATABASE_URL": database_url,
            "RUN_MIGRATIONS": False,  # the template was migrated
            "LIBRARY_PATH": str(library),
            "TRANSLATIONS_DIR": str(translations),
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            **config,
        })
        app.jinja_env.bytecode_cache = compiled
        add_people(app, password_hash)
        return app

    return start


@pytest.fixture
def make_app(tmp_path, database_url, start_app):
    """Build an app with extra configuration (several per test are allowed, over one database and library)."""
    apps = []

    def build(**config):
        app = start_app(tmp_path, database_url, **config)
        apps.append(app)
        return app

    yield build
    for app in apps:
        engine(app).dispose()


@pytest.fixture(scope="module", params=DATABASES)
def reading_app(request, tmp_path_factory, database_of, start_app):
    """One app for a whole test module, for the tests that only read the starter book (GET pages, no writes).

    Such a test asks for ``reading_app``, ``reading_as`` or ``reading_client``; a test that writes
    anything (a commit, a change request, a signed-in form) asks for ``app`` and gets its own.
    """
    directory = tmp_path_factory.mktemp("reading")
    with database_of(request.param, directory) as url:
        app = start_app(directory, url)
        yield app
        engine(app).dispose()


@pytest.fixture
def reading_as(reading_app):
    """``reading_as("teacher")`` -> a client of the module's shared app with that person's session."""
    return lambda username: sign_in(reading_app.test_client(), username)


@pytest.fixture
def reading_client(reading_app):
    """A client of the module's shared app with no session: an anonymous visitor who only reads."""
    return reading_app.test_client()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def signed_in(app):
    """``signed_in("teacher")`` -> a test client of ``app`` with that person's session."""
    return lambda username: sign_in(app.test_client(), username)


@pytest.fixture
def lib(app) -> Library:
    """The app's library, as the tests read it back."""
    return Library(app.config["LIBRARY_PATH"])


@pytest.fixture
def teacher(signed_in):
    """The teacher (an author of the starter book), signed in, sending the CSRF header the editor's scripts send."""
    client = signed_in("teacher")
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_from(client, "/")
    return client


@pytest.fixture
def teacher_in_change_request(teacher):
    """``teacher`` after starting their first change request (``cr/1``) from its form, as every edit in the
    browser happens inside one."""
    assert start_change_request(teacher) == "cr/1"
    return teacher
