"""change requests, reviews, overrides, comments, suggestions, check runs, notifications

Revision ID: 0002_change_requests
Revises: 0001
Create Date: 2025-11-24
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.database import UTCDateTime

revision = "0002_change_requests"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "change_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("book", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("author_name", sa.String(64), nullable=False),
        sa.Column("author_side", sa.String(32), nullable=False),
        sa.Column("branch", sa.String(100), nullable=False),
        sa.Column("base", sa.String(64), nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("merged_sha", sa.String(64), nullable=True),
        sa.Column("merged_by", sa.String(64), nullable=True),
        sa.Column("origin", sa.String(200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("number"),
    )
    op.create_index("ix_change_requests_book", "change_requests", ["book"])
    op.create_index("ix_change_requests_author_id", "change_requests", ["author_id"])
    op.create_index("ix_change_requests_state", "change_requests", ["state"])

    op.create_table(
        "cr_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("change_request_id", sa.Integer(), sa.ForeignKey("change_requests.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("reviewer_name", sa.String(64), nullable=False),
        sa.Column("reviewer_side", sa.String(32), nullable=False),
        sa.Column("reviewer_is_maintainer", sa.Boolean(), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_cr_reviews_change_request_id", "cr_reviews", ["change_request_id"])

    op.create_table(
        "cr_overrides",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("change_request_id", sa.Integer(), sa.ForeignKey("change_requests.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("reviewer_name", sa.String(64), nullable=False),
        sa.Column("by_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("by_name", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_cr_overrides_change_request_id", "cr_overrides", ["change_request_id"])

    op.create_table(
        "cr_comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("change_request_id", sa.Integer(), sa.ForeignKey("change_requests.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("cr_comments.id", ondelete="CASCADE"), nullable=True),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("author_name", sa.String(64), nullable=False),
        sa.Column("author_side", sa.String(32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("path", sa.String(500), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("line_text", sa.Text(), nullable=True),
        sa.Column("commit", sa.String(64), nullable=True),
        sa.Column("original_line", sa.Integer(), nullable=True),
        sa.Column("original_commit", sa.String(64), nullable=True),
        sa.Column("outdated", sa.Boolean(), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_cr_comments_change_request_id", "cr_comments", ["change_request_id"])

    op.create_table(
        "cr_suggestions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("comment_id", sa.Integer(), sa.ForeignKey("cr_comments.id", ondelete="CASCADE"), nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("start_line", sa.Integer(), nullable=False),
        sa.Column("end_line", sa.Integer(), nullable=False),
        sa.Column("base_text", sa.Text(), nullable=False),
        sa.Column("replacement", sa.Text(), nullable=False),
        sa.Column("commit", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("applied_sha", sa.String(64), nullable=True),
        sa.Column("applied_by", sa.String(64), nullable=True),
        sa.UniqueConstraint("comment_id"),
    )

    op.create_table(
        "cr_check_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("change_request_id", sa.Integer(), sa.ForeignKey("change_requests.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("change_request_id", "name", "head", name="uq_check_run_head"),
    )
    op.create_index("ix_cr_check_runs_change_request_id", "cr_check_runs", ["change_request_id"])

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("target_url", sa.String(500), nullable=False),
        sa.Column("text_code", sa.String(64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.Column("emailed", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_notifications_user_id", "notifications", ["user_id"])
    op.create_index("ix_notifications_created_at", "notifications", ["created_at"])


def downgrade() -> None:
    for table in ("notifications", "cr_check_runs", "cr_suggestions", "cr_comments", "cr_overrides", "cr_reviews",
                  "change_requests"):
        op.drop_table(table)
