"""co-authors of a change request

Revision ID: 0009_coauthors
Revises: 0005_job_leases
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.database import UTCDateTime

revision = "0009_coauthors"
down_revision = "0005_job_leases"  # revision 0005 of the migrations
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cr_coauthors",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("change_request_id", sa.Integer(), sa.ForeignKey("change_requests.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("side", sa.String(32), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("change_request_id", "user_id", name="uq_coauthor_cr_user"),
    )
    op.create_index("ix_cr_coauthors_change_request_id", "cr_coauthors", ["change_request_id"])
    op.create_index("ix_cr_coauthors_user_id", "cr_coauthors", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_cr_coauthors_user_id", table_name="cr_coauthors")
    op.drop_index("ix_cr_coauthors_change_request_id", table_name="cr_coauthors")
    op.drop_table("cr_coauthors")
