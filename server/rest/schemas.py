"""What the API endpoints of several domains share: the bases of request models, the types of
path parameters and fields, and the shapes more than one domain answers with (pydantic).

A domain's own request and response models sit beside its ``api.py``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError

from materials.paths import BOOK_SLUG
from server.accounts.models import SIDES, Role
from server.accounts.service import USERNAME_PATTERN
from server.database import MAX_INTEGER
from server.errors import UserError
from server.jobs.models import JOB_STATUSES


def refusal(error: ValidationError, where: str) -> UserError:
    """The 422 for input a model refuses: the translated ``request.invalid`` naming the first bad field."""
    first = error.errors(include_url=False)[0]
    place = "/".join(str(part) for part in first["loc"]) or where
    return UserError("request.invalid", status=422, detail=f"{place}: {first['msg']}"[:300])


class Body(BaseModel):
    """A JSON request body: only the declared fields, each of its own JSON type (``"5"`` is no number)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @classmethod
    def refused(cls, error: ValidationError) -> UserError:
        return refusal(error, "body")


class Query(BaseModel):
    """A query string: each argument's text converted to its field's type; other arguments are ignored."""

    model_config = ConfigDict(extra="ignore")

    @classmethod
    def refused(cls, error: ValidationError) -> UserError:
        return refusal(error, "query")


BookName = Annotated[str, Field(pattern=BOOK_SLUG.pattern)]
Username = Annotated[str, Field(max_length=64)]
NewUsername = Annotated[str, Field(pattern=USERNAME_PATTERN)]
# A chapter's name in chapters/, folders and all (materials.paths.CHAPTER_NAME says which are chapters).
ChapterFile = Annotated[str, Field(pattern=r"^[^/\\\-.][^\\]{0,600}\.md$", max_length=610)]
RoleName = Literal[tuple(role.value for role in Role)]
SideName = Literal[SIDES]
Sha = Annotated[str, Field(pattern="^[0-9a-f]{40}$")]
StandardId = Annotated[str, Field(max_length=160)]
# Numbers a database column holds (what <int:...> routes, server.app.DatabaseIdConverter): no number
# past the door that the database cannot store (422, not a crash later).
RowId = Annotated[int, Field(ge=0, le=MAX_INTEGER)]
Number = Annotated[int, Field(ge=1, le=MAX_INTEGER)]


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class Error(BaseModel):
    """Every refusal: a code for programs and its message in the asker's language."""

    error: ErrorDetail


class OpenApiDocument(RootModel[dict[str, Any]]):
    """This document."""


class Job(BaseModel):
    """A background job (a build, a check...) with its log."""

    id: int
    kind: str
    status: Literal[JOB_STATUSES]
    payload: dict[str, Any]
    result: dict[str, Any] | None
    log: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration: float | None
    attempts: int | None = Field(None, description="runs begun; a run whose worker stopped is tried again")


class JobList(BaseModel):
    jobs: list[Job]


class Commit(BaseModel):
    """One commit of the library, with the side (school or enterprise) of its author."""

    sha: str
    parents: list[str]
    summary: str
    message: str
    author_name: str
    author_email: str
    side: str | None
    side_label: str
    authored_at: datetime


class NavigationPart(BaseModel):
    """A part of a book's navigation: its title, its own page (a folder's index.md) and its chapters' file names in order."""

    title: str
    page: str | None = None
    chapters: list[str]


class StandardImportResult(BaseModel):
    """Where a change to a standard or to a book's standards was saved: an import, an applied migration."""

    standard: str
    branch: str
    commit: str
    direct: bool
    url: str | None = None

