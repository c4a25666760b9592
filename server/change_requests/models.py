"""Change requests as stored: the record, its reviews, overrides, comments, suggestions and checks.

The rules live in ``review/`` and work on plain dataclasses; these rows are
what the server keeps so the record and its conversation outlive the branch.
People are stored by id *and* by name, so the history reads the same after an
account is renamed away or removed.
"""


from __future__ import annotations
from datetime import datetime
from typing import Any
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from server.database import Base, UTCDateTime, utcnow


CR_STATES = ("draft", "open", "merged", "closed")
ACTIVE = ("draft", "open")  # the states in which a change request takes commits, reviews and checks


class ChangeRequest(Base):
    """A branch ``cr/<number>`` with a title, a description, an author and a state."""

    __tablename__ = "change_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # cr/<number>: branch names are library-wide
    book: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None,
                                                  index=True)
    author_name: Mapped[str] = mapped_column(String(64))
    author_side: Mapped[str] = mapped_column(String(32))
    branch: Mapped[str] = mapped_column(String(100))
    base: Mapped[str] = mapped_column(String(64))
    head: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    merged_sha: Mapped[str | None] = mapped_column(String(64), default=None)
    merged_by: Mapped[str | None] = mapped_column(String(64), default=None)
    origin: Mapped[str | None] = mapped_column(String(200), default=None)  # e.g. "feedback:12"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Any writer of the book may join as a co-author unless the author closed the change request to others.
    closed_to_others: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # Loaded with the record in one query each: a page shows them all.
    reviews: Mapped[list["Review"]] = relationship(back_populates="change_request", order_by="Review.id",
                                                   cascade="all, delete-orphan", lazy="selectin")
    comments: Mapped[list["Comment"]] = relationship(back_populates="change_request", order_by="Comment.id",
                                                     cascade="all, delete-orphan", lazy="selectin")
    co_authors: Mapped[list["CoAuthor"]] = relationship(back_populates="change_request", order_by="CoAuthor.id",
                                                        cascade="all, delete-orphan", lazy="selectin")


class CoAuthor(Base):
    """Someone the author asked to write in the change request with them: they save into its branch."""

    __tablename__ = "cr_coauthors"
    __table_args__ = (UniqueConstraint("change_request_id", "user_id", name="uq_coauthor_cr_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_request_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(120))
    side: Mapped[str] = mapped_column(String(32))
    added_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    change_request: Mapped[ChangeRequest] = relationship(back_populates="co_authors")


class Review(Base):
    """Approve, request changes or comment, on one head commit."""

    __tablename__ = "cr_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_request_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    reviewer_name: Mapped[str] = mapped_column(String(64))
    reviewer_side: Mapped[str] = mapped_column(String(32))
    reviewer_is_maintainer: Mapped[bool] = mapped_column(Boolean, default=False)
    verdict: Mapped[str] = mapped_column(String(20))
    head: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    change_request: Mapped[ChangeRequest] = relationship(back_populates="reviews")


class Override(Base):
    """A maintainer overruling one reviewer's "changes requested" (audited)."""

    __tablename__ = "cr_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_request_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id", ondelete="CASCADE"), index=True)
    reviewer_name: Mapped[str] = mapped_column(String(64))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    by_name: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(Base):
    """A comment on the change request, or inline on a line of a file (``path`` set).

    ``line``/``commit`` follow the line as the branch moves; ``line_text`` is
    the text the commenter saw, kept for the outdated view.
    """

    __tablename__ = "cr_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_request_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("cr_comments.id", ondelete="CASCADE"), default=None)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    author_name: Mapped[str] = mapped_column(String(64))
    author_side: Mapped[str] = mapped_column(String(32), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    path: Mapped[str | None] = mapped_column(String(500), default=None)
    line: Mapped[int | None] = mapped_column(Integer, default=None)
    line_text: Mapped[str | None] = mapped_column(Text, default=None)
    commit: Mapped[str | None] = mapped_column(String(64), default=None)
    original_line: Mapped[int | None] = mapped_column(Integer, default=None)
    original_commit: Mapped[str | None] = mapped_column(String(64), default=None)
    outdated: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_by: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    change_request: Mapped[ChangeRequest] = relationship(back_populates="comments")
    suggestion: Mapped["Suggestion | None"] = relationship(back_populates="comment", uselist=False,
                                                           cascade="all, delete-orphan", lazy="selectin")

    @property
    def inline(self) -> bool:
        return self.path is not None


class Suggestion(Base):
    """Replacement text a reviewer proposes for lines ``start_line``..``end_line`` of ``path``."""

    __tablename__ = "cr_suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("cr_comments.id", ondelete="CASCADE"), unique=True)
    path: Mapped[str] = mapped_column(String(500))
    start_line: Mapped[int] = mapped_column(Integer)
    end_line: Mapped[int] = mapped_column(Integer)
    base_text: Mapped[str] = mapped_column(Text, default="")
    replacement: Mapped[str] = mapped_column(Text, default="")
    commit: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | applied
    applied_sha: Mapped[str | None] = mapped_column(String(64), default=None)
    applied_by: Mapped[str | None] = mapped_column(String(64), default=None)

    comment: Mapped[Comment] = relationship(back_populates="suggestion")


class CheckRun(Base):
    """One check (front-matter, alignment, build...) on one head; ``findings`` as review/ reports them."""

    __tablename__ = "cr_check_runs"
    __table_args__ = (UniqueConstraint("change_request_id", "name", "head", name="uq_check_run_head"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_request_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    head: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
