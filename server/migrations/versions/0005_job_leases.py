"""leases on running jobs, and how often a job is tried

Revision ID: 0005_job_leases
Revises: 0004
Create Date: 2025-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.database import UTCDateTime

revision = "0005_job_leases"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as table:
        table.add_column(sa.Column("lease_until", UTCDateTime(), nullable=True))
        table.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("max_attempts", sa.Integer(), nullable=False, server_default="3"))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as table:
        table.drop_column("max_attempts")
        table.drop_column("attempts")
        table.drop_column("lease_until")
