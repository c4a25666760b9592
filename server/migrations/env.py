"""Alembic environment: the connection is handed in by ``server.migrations.upgrade``."""
from __future__ import annotations

from alembic import context

from server.migrations import every_table

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through server.migrations
    raise RuntimeError("run migrations through server.migrations.upgrade(engine)")

context.configure(
    connection=connection,
    target_metadata=every_table(),
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTER TABLE needs batch mode
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
