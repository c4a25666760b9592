"""What the alignment API takes and answers: the matrix, capabilities, edition migrations."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from server.rest.schemas import Body, Query, StandardId


class AlignmentFilter(Query):
    standard: StandardId | None = None
    level: Annotated[str, Field(max_length=40)] | None = None
    kind: Annotated[str, Field(max_length=20)] | None = None
    gaps_first: bool = True


class LevelCoverage(BaseModel):
    standard: str
    level: str
    covered: int
    total: int
    percent: float | None = None


class Alignment(BaseModel):
    book: str
    title: str | None = None
    revision: str
    standards: list[dict[str, Any]]
    unknown_standards: list[str] | None = None
    levels: list[LevelCoverage]
    chapters: list[dict[str, Any]]
    items: list[dict[str, Any]]
    unresolved: dict[str, Any] | None = None


class Certificates(BaseModel):
    book: str
    revision: str
    certificates: list[str]
    items: list[dict[str, Any]]


class Capabilities(BaseModel):
    book: str
    revision: str | None = None
    posts: list[dict[str, Any]]


class Migration(BaseModel):
    old: str
    new: str
    items: list[dict[str, Any]]
    undecided: list[str]


class MigrationList(BaseModel):
    book: str
    migrations: list[Migration]


class MigrationRequest(Body):
    direct: bool = Field(False, description="commit onto main (admins, where the book allows)")
