"""The database: one engine per application, one session per request.

Plain SQLAlchemy 2 (no Flask-SQLAlchemy): views call ``db()`` for the
request's session; background threads open their own with ``new_session()``.
SQLite is the embedded default, PostgreSQL (psycopg 3) the production one.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, TypeDecorator, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


# Ids and numbers are INTEGER columns: 32 bits on PostgreSQL. Larger numbers in a URL or a body name nothing.
MAX_INTEGER = 2**31 - 1


class Base(DeclarativeBase):
    """Declarative base of every table; Alembic migrations describe the same schema."""


def make_engine(url: str) -> Engine:
    """An engine tuned for the backend: SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def init_database(app: Flask) -> None:
    """Attach an engine and a session factory to ``app``; close sessions after each request."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["jointbook.engine"] = engine
    # A session knows its app: a job queued through it goes on that app's task queue.
    app.extensions["jointbook.sessions"] = sessionmaker(engine, expire_on_commit=False, info={"app": app})

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions["jointbook.engine"]


def new_session(app: Flask | None = None) -> Session:
    """A session of its own (jobs, CLI); the caller closes it."""
    return (app or current_app).extensions["jointbook.sessions"]()


def db() -> Session:
    """The session of the current request (or app context), closed at its end."""
    if "db_session" not in g:
        g.db_session = new_session()
    return g.db_session


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite would otherwise hand back naive ones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use utcnow()")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:  # noqa: ANN001
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
