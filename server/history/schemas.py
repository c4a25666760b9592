"""What the history API takes and answers: a book's log, comparisons, one commit, blame, revert."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from server.rest.schemas import Body, Commit, Query
from server.history.service import MAX_PAGE

ShortSha = Annotated[str, Field(pattern="^[0-9a-f]{4,40}$")]
Revision = Annotated[str, Field(min_length=1, max_length=200)]


class HistoryPage(Query):
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1


class Revisions(Query):
    from_: Revision | None = Field(None, alias="from")
    to: Revision | None = None


class BlameRevision(Query):
    rev: Revision | None = None


class DiffLine(BaseModel):
    kind: Literal["context", "removed", "added"]
    old_no: int | None
    new_no: int | None
    text: str


class Hunk(BaseModel):
    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    header: str
    lines: list[DiffLine]


class FileDiff(BaseModel):
    old_path: str | None
    new_path: str | None
    status: Literal["added", "deleted", "modified", "renamed"]
    binary: bool
    added: int
    removed: int
    hunks: list[Hunk]


class History(BaseModel):
    book: str
    path: str | None
    page: int
    per_page: int
    has_next: bool
    commits: list[Commit]


class Comparison(BaseModel):
    book: str
    from_: str = Field(alias="from")
    to: str
    files: list[FileDiff]


class CommitDetail(BaseModel):
    book: str
    commit: Commit
    files: list[FileDiff]


class BlameLine(BaseModel):
    """One line of a chapter and the commit that last changed it."""

    number: int
    text: str
    sha: str
    author_name: str
    side: str | None
    side_label: str
    authored_at: datetime


class Blame(BaseModel):
    book: str
    path: str
    rev: str
    lines: list[BlameLine]


class RevertRequest(Body):
    target: Literal["draft", "main"] | None = Field(
        None, description="draft: my working branch of the book; main: when the book allows")


class Reverted(BaseModel):
    sha: str
    branch: str
