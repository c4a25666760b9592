"""writing together: who has a chapter open, and change requests closed to other co-authors

Revision ID: 0011_co_writing
Revises: 0010_one_head
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.database import UTCDateTime

revision = "0011_co_writing"
down_revision = "0010_one_head"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chapter_presence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("book", sa.String(64), nullable=False),
        sa.Column("branch", sa.String(100), nullable=False),
        sa.Column("file", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("seen", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("branch", "file", "user_id", name="uq_presence_branch_file_user"),
    )
    op.create_index("ix_chapter_presence_branch", "chapter_presence", ["branch"])
    op.create_index("ix_chapter_presence_user_id", "chapter_presence", ["user_id"])
    op.create_index("ix_chapter_presence_seen", "chapter_presence", ["seen"])
    with op.batch_alter_table("change_requests") as batch:
        batch.add_column(sa.Column("closed_to_others", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("change_requests") as batch:
        batch.drop_column("closed_to_others")
    op.drop_index("ix_chapter_presence_seen", table_name="chapter_presence")
    op.drop_index("ix_chapter_presence_user_id", table_name="chapter_presence")
    op.drop_index("ix_chapter_presence_branch", table_name="chapter_presence")
    op.drop_table("chapter_presence")
