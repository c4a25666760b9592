"""join textbook review and co-authors, written side by side, into one head again

Revision ID: 0010_one_head
Revises: 0008_textbook_review, 0009_coauthors
Create Date: 2026-12-02
"""
from __future__ import annotations

revision = "0010_one_head"
down_revision = ("0008_textbook_review", "0009_coauthors")  # no schema change: the next migration has one parent
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
