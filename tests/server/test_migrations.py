"""The Alembic migrations build exactly the schema the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.database import engine
from server.migrations import every_table, upgrade


def test_migrations_match_the_models(app):
    upgrade(engine(app))  # running again at head changes nothing
    with engine(app).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, every_table()) == []
