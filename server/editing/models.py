"""The editor's rows: who has a chapter open, kept in the database so every web process agrees."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.database import Base, UTCDateTime, utcnow


class ChapterPresence(Base):
    """One person with one chapter open on one branch, since ``since``; the page's heartbeat moves
    ``seen`` on, and a row not seen for a while no longer counts (the tab was closed or the laptop slept)."""

    __tablename__ = "chapter_presence"
    __table_args__ = (UniqueConstraint("branch", "file", "user_id", name="uq_presence_branch_file_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book: Mapped[str] = mapped_column(String(64))
    branch: Mapped[str] = mapped_column(String(100), index=True)
    file: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
