"""What the feedback API takes and answers: the answers shown under a page and the book team's inbox.

What a reader sends from a published site is ``server.feedback.submissions.FeedbackSubmission``.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from server.rest.schemas import Body, Number, Query
from server.feedback.inbox import CHOSEN_STATES
from server.feedback.models import KINDS, STATES
from server.feedback.submissions import MAX_TEXT


class FeedbackReceived(BaseModel):
    received: bool
    id: int | None
    follow_url: str | None


class PublicAnswersQuery(Query):
    book: Annotated[str, Field(min_length=1, max_length=64)]
    page: Annotated[str, Field(min_length=1, max_length=255)]


class PublicAnswer(BaseModel):
    id: int
    kind: str
    version: str
    selection: str
    text: str
    answer: str
    answered_at: str


class PublicAnswers(BaseModel):
    items: list[PublicAnswer]


class FeedbackReply(BaseModel):
    id: int | None = None
    text: str
    author: str
    side: str
    created_at: str


FollowToken = Annotated[str, Field(max_length=100)]


class FollowedFeedback(BaseModel):
    id: int
    book: str
    version: str | None = None
    page: str | None = None
    kind: str | None = None
    text: str
    selection: str | None = None
    state: Literal[STATES]
    reason: str | None = None
    public: bool | None = None
    change_request: int | None = None
    created_at: str | None = None
    page_url: str
    replies: list[FeedbackReply]


class InboxQuery(Query):
    chapter: Annotated[str, Field(max_length=255)] | None = None
    version: Annotated[str, Field(max_length=64)] | None = None
    kind: Literal[KINDS] | None = None
    state: Literal[(*STATES, "open")] | None = None
    assignee: Annotated[str, Field(max_length=64)] | None = None
    page: Annotated[int, Field(ge=1, le=100000)] = 1


class FeedbackItem(BaseModel):
    id: int
    book: str
    version: str
    page: str
    chapter: str | None = None
    kind: Literal[KINDS]
    text: str
    selection: str | None = None
    rating: int | None = None
    helpful: bool | None = None
    name: str | None = None
    contact: str | None = None
    reader: str | None = None
    state: Literal[STATES]
    reason: str | None = None
    duplicate_of: int | None = None
    assignee: str | None = None
    public: bool
    change_request: int | None = None
    created_at: str
    answered_at: str | None = None
    resolved_at: str | None = None
    page_url: str | None = None
    replies: list[FeedbackReply]


class FeedbackList(BaseModel):
    book: str
    total: int
    page: int
    items: list[FeedbackItem]


class FeedbackReplyNew(Body):
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
    public: bool | None = None


class FeedbackStateChange(Body):
    state: Literal[CHOSEN_STATES]
    reason: Annotated[str, Field(max_length=MAX_TEXT)] = ""
    duplicate_of: Number | None = None


class FeedbackAssignee(Body):
    username: Annotated[str, Field(max_length=64)] | None = Field(description="null: nobody")


class FeedbackPublicity(Body):
    public: bool


class FeedbackChangeRequest(BaseModel):
    number: int
    url: str
