"""What the sites API takes and answers: a book's published versions, their builds, previews."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from build.publish import MAX_VERSION_LENGTH, VERSION_PATTERN
from server.rest.schemas import Body, Job, Sha

VersionName = Annotated[str, Field(max_length=40)]


class Download(BaseModel):
    """One download of a release: the printed book (pdf), the EPUB (epub) or the task sheets (sheets)."""

    format: Literal["pdf", "epub", "sheets"]
    label: str
    url: str
    state: Literal["ready", "queued", "running", "failed"]
    size: int | None = Field(None, description="bytes, once ready")
    done: int | None = Field(None, description="steps done, while running")
    total: int | None = None
    error: str | None = Field(None, description="why it failed, in the asker's language")
    job_id: int | None = None


class DownloadsQueued(BaseModel):
    jobs: list[Job]


class Release(BaseModel):
    version: str
    tag: str
    commit: str | None
    released_at: datetime | None
    message: str
    latest: bool
    hidden: bool
    withdrawn: bool
    url: str
    downloads: list[Download] = []


class ReleaseList(BaseModel):
    book: str
    latest: str | None
    releases: list[Release]


class NewRelease(Body):
    version: Annotated[str, Field(
        min_length=1, max_length=MAX_VERSION_LENGTH,
        description=f"numbers joined by dots, e.g. 2026.1 or 1.2.0-rc.1: {VERSION_PATTERN}"
                    " (anything else: 400 release.version_invalid)")]
    message: Annotated[str, Field(max_length=2000)] = ""
    commit: Sha | None = Field(None, description="the commit of main to release (default: main now)")


class ReleaseQueued(BaseModel):
    job: Job
    status_url: str


class VersionState(Body):
    """Hide or withdraw a version, or undo it: at least one of the two."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    hidden: bool | None = None
    withdrawn: bool | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> VersionState:
        if self.hidden is None and self.withdrawn is None:
            raise ValueError("hidden or withdrawn")
        return self


class PreviewStatus(BaseModel):
    number: int
    state: Literal["none", "queued", "running", "succeeded", "failed"]
    url: str | None
    commit: str | None
    current: bool
    job_id: int | None
    duration: float | None
