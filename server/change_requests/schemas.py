"""What the change requests API takes and answers: the requests, their reviews, comments,
suggestions, commits and merges."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from server.rest.schemas import Body, Number, Query, Sha

Title = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=20000)]
FilePath = Annotated[str, Field(max_length=500)]


class StateFilter(Query):
    state: Literal["active", "draft", "open", "merged", "closed", "all"] = "active"


class MineOrReview(Query):
    filter: Literal["mine", "review"] = "mine"


class ChangeRequestSummary(BaseModel):
    number: int
    book: str
    title: str
    description: str | None = None
    state: Literal["draft", "open", "merged", "closed"]
    author: str
    author_side: str
    branch: str
    base: str | None = None
    head: str
    merged_sha: str | None = None
    merged_by: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    url: str


class ChangeRequestList(BaseModel):
    change_requests: list[ChangeRequestSummary]


class MissingForMerge(BaseModel):
    """One thing the merge policy still waits for, in the reader's language."""

    code: str
    text: str


class IgnoredApproval(BaseModel):
    reviewer: str
    reason: str
    text: str


class ChangeRequest(BaseModel):
    change_request: ChangeRequestSummary
    mergeable: bool
    missing: list[MissingForMerge]
    approvals: dict[str, Any] | None = None
    blocking: list[str] | None = None
    ignored: list[IgnoredApproval] | None = Field(
        None, description="approvals that do not count, and why (self | wrote | stale)")
    behind_main: int
    main: str
    reviews: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    comments: list[dict[str, Any]]


class NewChangeRequest(Body):
    title: Title
    description: LongText = ""
    draft: bool = False


class ChangeRequestEdit(Body):
    """A ``description`` left out stays as it is."""

    title: Title
    description: LongText | None = None


class NewComment(Body):
    body: Annotated[str, Field(min_length=1, max_length=20000)]
    path: FilePath | None = None
    line: Number | None = None
    parent_id: Number | None = None


class Comment(BaseModel):
    id: int
    parent_id: int | None = None
    author: str
    author_side: str | None = None
    body: str
    path: str | None = None
    line: int | None = None
    line_text: str | None = None
    commit: str | None = None
    outdated: bool | None = None
    resolved: bool | None = None
    suggestion: dict[str, Any] | None = None
    created_at: str | None = None


class Resolve(Body):
    resolved: bool


class NewReview(Body):
    verdict: Literal["approve", "request_changes", "comment"]
    body: LongText = ""
    head: Sha | None = None


class Review(BaseModel):
    id: int
    reviewer: str
    reviewer_side: str | None = None
    verdict: str
    head: str
    body: str | None = None
    created_at: str | None = None


class NewSuggestion(Body):
    """Replace lines ``start_line`` to ``end_line`` (the start line alone without one)."""

    path: FilePath
    start_line: Number
    end_line: Number | None = None
    replacement: LongText
    body: LongText = ""


class NewOverride(Body):
    reviewer: Annotated[str, Field(max_length=64)]
    reason: Annotated[str, Field(min_length=1, max_length=20000)]


class MergeRequest(Body):
    expected_main: Sha | None = None
    head: Sha | None = None


class Merged(BaseModel):
    merged_sha: str
    change_request: ChangeRequestSummary


class StateChange(Body):
    action: Literal["close", "reopen", "ready", "draft"]


class Updated(BaseModel):
    head: str


class UpdateResolution(Body):
    head: Sha
    main: Sha
    files: dict[str, str]


class ChangeRequestCommit(Body):
    files: Annotated[dict[str, str], Field(min_length=1)]
    message: Annotated[str, Field(min_length=1, max_length=500)]
    base: Sha


class Saved(BaseModel):
    sha: str


class ChangeRequestDiff(BaseModel):
    base: str
    head: str
    files: list[dict[str, Any]]
    standard_items: dict[str, Any] | None = None


class NewCoAuthor(Body):
    """Who is asked to write the change request with its author (their user name)."""

    username: Annotated[str, Field(min_length=1, max_length=64)]


class CoAuthorShare(BaseModel):
    name: str
    side: str
    role: Literal["author", "co_author", "other"]
    commits: int
    lines: int
    percent: int


class CoAuthors(BaseModel):
    co_authors: list[str]
    writers: list[CoAuthorShare]
    closed_to_others: bool = Field(description="people who write the book may not join on their own")


class Openness(Body):
    """Whether people who write the book may join the change request on their own."""

    closed_to_others: bool
