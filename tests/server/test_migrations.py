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


def test_the_migrations_have_one_head_so_the_next_one_knows_its_parent():
    from alembic.script import ScriptDirectory

    from server.migrations import alembic_config

    heads = ScriptDirectory.from_config(alembic_config(None)).get_heads()
    assert len(heads) == 1, f"several heads {heads}: add a migration that joins them (see 0004, 0010)"
