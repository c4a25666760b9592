"""The review of a released textbook (教材审核) while it is under way: panel, readings, meeting, signatures.

Once every member has signed, the record is written into the library
(``materials.review_records``) and these rows only mirror it; the required
revisions stay tracked here, linked to the change requests that address them.
"""


from __future__ import annotations
from datetime import date, datetime
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from server.database import Base, UTCDateTime, utcnow


# submitted: waiting for its panel; reading: members read and record their verdicts;
# signing: the chair recorded the meeting and the conclusion, members sign; signed: in the library.
STATES = ("submitted", "reading", "signing", "signed")
CONCLUSIONS = ("passed", "resubmit", "rejected")   # 通过 / 重新送审 / 不予通过
VERDICTS = ("meets", "partly", "fails")            # 符合 / 基本符合 / 不符合


class TextbookReview(Base):
    """One submission of one release of a book for review; ``number`` counts a book's reviews."""

    __tablename__ = "textbook_reviews"
    __table_args__ = (UniqueConstraint("book", "number", name="uq_textbook_review_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book: Mapped[str] = mapped_column(String(64), index=True)
    number: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(64))
    tag: Mapped[str] = mapped_column(String(200))
    commit: Mapped[str] = mapped_column(String(64))       # what the tag names: the exact text judged
    tree: Mapped[str] = mapped_column(String(64))         # the book's tree at that commit
    state: Mapped[str] = mapped_column(String(16), default="submitted", index=True)
    note: Mapped[str] = mapped_column(Text, default="")   # what the maintainer says with the submission
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("textbook_reviews.id", ondelete="SET NULL"),
                                                    default=None)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    panel_by: Mapped[str | None] = mapped_column(String(64), default=None)
    meeting_date: Mapped[date | None] = mapped_column(Date, default=None)
    minutes: Mapped[str] = mapped_column(Text, default="")
    conclusion: Mapped[str | None] = mapped_column(String(16), default=None)
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    signed_text: Mapped[str] = mapped_column(Text, default="")   # the record every member signs
    record_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    record_path: Mapped[str | None] = mapped_column(String(255), default=None)
    record_commit: Mapped[str | None] = mapped_column(String(64), default=None)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    members: Mapped[list["PanelMember"]] = relationship(back_populates="review", order_by="PanelMember.id",
                                                         cascade="all, delete-orphan", lazy="selectin")
    comments: Mapped[list["ReadingComment"]] = relationship(back_populates="review",
                                                            order_by="ReadingComment.id",
                                                            cascade="all, delete-orphan", lazy="selectin")
    revisions: Mapped[list["RequiredRevision"]] = relationship(back_populates="review",
                                                               order_by="RequiredRevision.number",
                                                               cascade="all, delete-orphan", lazy="selectin")
    previous: Mapped["TextbookReview | None"] = relationship(remote_side=[id])

    @property
    def chair(self) -> "PanelMember | None":
        return next((m for m in self.members if m.chair), None)


class PanelMember(Base):
    """A reviewer on the panel: an account, the institution and side they review for, their reading."""

    __tablename__ = "textbook_review_members"
    __table_args__ = (UniqueConstraint("review_id", "user_id", name="uq_textbook_review_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("textbook_reviews.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None,
                                                index=True)
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(120))
    institution: Mapped[str] = mapped_column(String(200))
    side: Mapped[str] = mapped_column(String(32))
    chair: Mapped[bool] = mapped_column(Boolean, default=False)
    opinion: Mapped[str] = mapped_column(Text, default="")          # the overall opinion of the reading
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    vote: Mapped[str | None] = mapped_column(String(16), default=None)  # one of CONCLUSIONS
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    signed_sha256: Mapped[str | None] = mapped_column(String(64), default=None)

    review: Mapped[TextbookReview] = relationship(back_populates="members")
    verdicts: Mapped[list["CriterionVerdict"]] = relationship(back_populates="member",
                                                              order_by="CriterionVerdict.id",
                                                              cascade="all, delete-orphan", lazy="selectin")


class CriterionVerdict(Base):
    """A member's verdict on one criterion (思想性, 科学性, 适宜性 or one the college added)."""

    __tablename__ = "textbook_review_verdicts"
    __table_args__ = (UniqueConstraint("member_id", "criterion", name="uq_textbook_review_verdict"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("textbook_review_members.id", ondelete="CASCADE"),
                                           index=True)
    criterion: Mapped[str] = mapped_column(String(100))   # its label, as the record keeps it
    verdict: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")

    member: Mapped[PanelMember] = relationship(back_populates="verdicts")


class ReadingComment(Base):
    """A member's comment on a chapter (and optionally a passage) of exactly the release under review."""

    __tablename__ = "textbook_review_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("textbook_reviews.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("textbook_review_members.id", ondelete="CASCADE"))
    chapter: Mapped[str] = mapped_column(String(255))     # the chapter's file name at the reviewed commit
    passage: Mapped[str] = mapped_column(Text, default="")  # quoted from the chapter, found in it
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    review: Mapped[TextbookReview] = relationship(back_populates="comments")
    member: Mapped[PanelMember] = relationship()


class RequiredRevision(Base):
    """A revision a 重新送审 conclusion requires: tracked until a merged change request addresses it."""

    __tablename__ = "textbook_review_revisions"
    __table_args__ = (UniqueConstraint("review_id", "number", name="uq_textbook_review_revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("textbook_reviews.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    change_request: Mapped[int | None] = mapped_column(Integer, default=None)  # its number
    linked_by: Mapped[str | None] = mapped_column(String(64), default=None)

    review: Mapped[TextbookReview] = relationship(back_populates="revisions")
