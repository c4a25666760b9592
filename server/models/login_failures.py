"""Failed sign-ins, kept where every worker process sees them (the lockout counts them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.database import Base, UTCDateTime


class LoginFailure(Base):
    """One attempt against an account name or from an address, counted until its window ends.

    ``key`` is a keyed hash of "account:<name as typed>" or "address:<ip>": a password
    typed into the user name field never lands in the database in clear.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
