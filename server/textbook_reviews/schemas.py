"""What the textbook-review API takes and answers: a review with its panel, readings, meeting and record."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from server.rest.schemas import Body, Number, RowId, Username
from server.textbook_reviews.models import CONCLUSIONS, STATES, VERDICTS

Text = Annotated[str, Field(max_length=8000)]
Conclusion = Literal[CONCLUSIONS]
Verdict = Literal[VERDICTS]


class VerdictOut(BaseModel):
    criterion: str
    verdict: Verdict
    note: str


class MemberOut(BaseModel):
    id: int
    username: str
    display_name: str
    institution: str
    side: str
    chair: bool
    read: bool
    verdicts: list[VerdictOut]
    opinion: str
    attended: bool
    vote: Conclusion | None
    signed_at: datetime | None
    signed_sha256: str | None


class CommentOut(BaseModel):
    id: int
    member: str
    chapter: str
    passage: str
    body: str


class RevisionOut(BaseModel):
    number: int
    text: str
    change_request: int | None
    done: bool


class TextbookReview(BaseModel):
    book: str
    number: int
    version: str
    tag: str
    commit: str
    state: Literal[STATES]
    note: str
    resubmits: int | None
    submitted_by: str
    submitted_at: datetime
    criteria: list[str]
    members: list[MemberOut]
    comments: list[CommentOut]
    meeting_date: date | None
    minutes: str
    conclusion: Conclusion | None
    record_sha256: str | None
    record_path: str | None
    required_revisions: list[RevisionOut]
    previous_revisions: list[RevisionOut] = Field(description="the revisions the review this one resubmits "
                                                              "required, done once merged into this release")


class TextbookReviewList(BaseModel):
    book: str
    reviews: list[TextbookReview]


class NewReview(Body):
    version: Annotated[str, Field(min_length=1, max_length=40)]
    note: Text = ""


class Nominee(Body):
    username: Username
    institution: Annotated[str, Field(min_length=1, max_length=200)]
    side: Annotated[str, Field(max_length=32)]


class Panel(Body):
    members: Annotated[list[Nominee], Field(min_length=1, max_length=15)]
    chair: Username


class CriterionVerdict(Body):
    criterion: Annotated[str, Field(max_length=100)]
    verdict: Verdict
    note: Annotated[str, Field(max_length=2000)] = ""


class Reading(Body):
    verdicts: Annotated[list[CriterionVerdict], Field(max_length=50)]
    opinion: Annotated[str, Field(min_length=1, max_length=8000)]


class NewComment(Body):
    chapter: Annotated[str, Field(max_length=255)]
    passage: Annotated[str, Field(max_length=2000)] = ""
    body: Annotated[str, Field(min_length=1, max_length=8000)]


class Meeting(Body):
    meeting_date: Annotated[date, Field(strict=False, description="YYYY-MM-DD")]
    attendees: Annotated[list[Username], Field(min_length=1, max_length=15)]
    votes: dict[Username, Conclusion] = Field(default_factory=dict, description="account -> its vote")
    minutes: Annotated[str, Field(min_length=1, max_length=20000)]
    conclusion: Conclusion
    required_revisions: Annotated[list[Annotated[str, Field(max_length=2000)]], Field(max_length=100)] = []


class Signature(Body):
    sha256: Annotated[str, Field(pattern="^[0-9a-f]{64}$", description="the record_sha256 the signer read")]


class RevisionLink(Body):
    change_request: Number | None = None


ReviewNumber = RowId
