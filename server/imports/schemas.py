"""What the import API answers: a converted import waiting for confirmation, and the change request it opened."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ImportedChapter(BaseModel):
    filename: str
    title: str
    part: str
    images: list[str]


class PendingImport(BaseModel):
    """An upload converted into chapters of the book; nothing is saved until it is confirmed."""

    token: str = Field(description="names the import in the confirm and cancel calls")
    kind: str = Field(description="word | mkdocs")
    book: str
    source: str = Field(description="the uploaded file's name")
    chapters: list[ImportedChapter]
    images: list[str] = Field(description="repository paths of the pictures it brings")
    parts: list[dict[str, Any]]
    redirects: dict[str, str] = Field(description="an MkDocs page -> its chapter file")
    report: dict[str, Any] = Field(description="source, counts by outcome and code, and every entry with its "
                                               "message in the asker's language")
    history: list[dict[str, Any]] | None = Field(default=None, description="an MkDocs import with history: each "
                                                 "author (name, email, commits) and the side proposed for them")
    url: str = Field(description="the report's page")


class OpenedChangeRequest(BaseModel):
    number: int
    url: str
