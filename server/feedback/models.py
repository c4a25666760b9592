"""What readers of the published sites send back: errors, suggestions, questions, ratings.

A reader's words are stored exactly as sent (``text``, ``selection``, ``name``)
and are only ever shown escaped. The follow link is a random secret given to
the asker once; only its SHA-256 is kept, like access tokens.
"""


from __future__ import annotations
from datetime import datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from server.database import Base, UTCDateTime, utcnow


KINDS = ("error", "suggestion", "question", "rating")
# new: nobody has acted; answered: a reply was given; accepted / declined: decided on;
# duplicate: of another item; closed: the change request made from it was merged.
STATES = ("new", "answered", "accepted", "declined", "duplicate", "closed")
OPEN_STATES = ("new",)
KIND_LABELS = {"error": _l("Error"), "suggestion": _l("Suggestion"), "question": _l("Question"),
               "rating": _l("Rating")}
STATE_LABELS = {"new": _l("New"), "answered": _l("Answered"), "accepted": _l("Accepted"),
                "declined": _l("Declined"), "duplicate": _l("Duplicate"), "closed": _l("Closed")}


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(64))      # the site's version: "1.0", "draft", "preview-12"
    page: Mapped[str] = mapped_column(String(255))        # the site page's source: "chapters/01-x.md"
    chapter: Mapped[str | None] = mapped_column(String(255), default=None, index=True)  # "01-x.md"
    selection: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[int | None] = mapped_column(Integer, default=None)   # 1-5 for kind "rating"
    helpful: Mapped[bool | None] = mapped_column(Boolean, default=None)  # "was this page helpful?" yes/no
    name: Mapped[str] = mapped_column(String(100), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    state: Mapped[str] = mapped_column(String(16), default="new", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")  # why declined
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="SET NULL"), default=None)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    change_request: Mapped[int | None] = mapped_column(Integer, default=None, index=True)  # its number
    follow_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)  # first reply
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user = relationship("User", foreign_keys=[user_id])
    assignee = relationship("User", foreign_keys=[assignee_id])
    duplicate_of = relationship("Feedback", remote_side=[id])
    replies = relationship("FeedbackReply", back_populates="feedback", cascade="all, delete-orphan",
                           order_by="FeedbackReply.id")


class FeedbackReply(Base):
    """An author's or reviewer's answer; the latest one is what the public page shows."""

    __tablename__ = "feedback_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    author_name: Mapped[str] = mapped_column(String(120))
    author_side: Mapped[str] = mapped_column(String(32), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    feedback = relationship("Feedback", back_populates="replies")
