"""textbook reviews (教材审核): submissions, panels, readings, meetings, signatures, required revisions

Revision ID: 0008_textbook_review
Revises: 0005_job_leases
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.database import UTCDateTime

revision = "0008_textbook_review"
down_revision = "0005_job_leases"  # revision 0005 of the migrations
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "textbook_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("book", sa.String(64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("tag", sa.String(200), nullable=False),
        sa.Column("commit", sa.String(64), nullable=False),
        sa.Column("tree", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("previous_id", sa.Integer(), sa.ForeignKey("textbook_reviews.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("panel_by", sa.String(64), nullable=True),
        sa.Column("meeting_date", sa.Date(), nullable=True),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("conclusion", sa.String(16), nullable=True),
        sa.Column("concluded_at", UTCDateTime(), nullable=True),
        sa.Column("signed_text", sa.Text(), nullable=False),
        sa.Column("record_sha256", sa.String(64), nullable=True),
        sa.Column("record_path", sa.String(255), nullable=True),
        sa.Column("record_commit", sa.String(64), nullable=True),
        sa.Column("signed_at", UTCDateTime(), nullable=True),
        sa.UniqueConstraint("book", "number", name="uq_textbook_review_number"),
    )
    op.create_index("ix_textbook_reviews_book", "textbook_reviews", ["book"])
    op.create_index("ix_textbook_reviews_state", "textbook_reviews", ["state"])

    op.create_table(
        "textbook_review_members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("textbook_reviews.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("institution", sa.String(200), nullable=False),
        sa.Column("side", sa.String(32), nullable=False),
        sa.Column("chair", sa.Boolean(), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.Column("vote", sa.String(16), nullable=True),
        sa.Column("signed_at", UTCDateTime(), nullable=True),
        sa.Column("signed_sha256", sa.String(64), nullable=True),
        sa.UniqueConstraint("review_id", "user_id", name="uq_textbook_review_member"),
    )
    op.create_index("ix_textbook_review_members_review_id", "textbook_review_members", ["review_id"])
    op.create_index("ix_textbook_review_members_user_id", "textbook_review_members", ["user_id"])

    op.create_table(
        "textbook_review_verdicts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("textbook_review_members.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("criterion", sa.String(100), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.UniqueConstraint("member_id", "criterion", name="uq_textbook_review_verdict"),
    )
    op.create_index("ix_textbook_review_verdicts_member_id", "textbook_review_verdicts", ["member_id"])

    op.create_table(
        "textbook_review_comments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("textbook_reviews.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("textbook_review_members.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("chapter", sa.String(255), nullable=False),
        sa.Column("passage", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_textbook_review_comments_review_id", "textbook_review_comments", ["review_id"])

    op.create_table(
        "textbook_review_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("textbook_reviews.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("change_request", sa.Integer(), nullable=True),
        sa.Column("linked_by", sa.String(64), nullable=True),
        sa.UniqueConstraint("review_id", "number", name="uq_textbook_review_revision"),
    )
    op.create_index("ix_textbook_review_revisions_review_id", "textbook_review_revisions", ["review_id"])


def downgrade() -> None:
    op.drop_table("textbook_review_revisions")
    op.drop_table("textbook_review_comments")
    op.drop_table("textbook_review_verdicts")
    op.drop_table("textbook_review_members")
    op.drop_table("textbook_reviews")
