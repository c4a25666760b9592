"""Who may do what on which book: one role per person per book."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.database import Base, UTCDateTime, utcnow


class Role(str, enum.Enum):
    """A member's role on a book (what each may do is decided in ``server.permissions``)."""

    reader = "reader"
    author = "author"
    reviewer = "reviewer"
    maintainer = "maintainer"


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "book", name="uq_membership_user_book"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    book: Mapped[str] = mapped_column(String(64), index=True)  # the book's slug in the library
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", back_populates="memberships")
