"""What the bell shows: one row per person per event, read or not."""


from __future__ import annotations
from datetime import datetime
from typing import Any
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from server.database import Base, UTCDateTime, utcnow


class Notification(Base):
    """``text_code`` + ``params`` are translated when shown, so each reader sees their own language."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    target_url: Mapped[str] = mapped_column(String(500))
    text_code: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    emailed: Mapped[bool] = mapped_column(Boolean, default=False)
