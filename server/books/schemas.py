"""What the books API answers: the books I may read, a book's overview, its chapters, one chapter."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from materials.books import LANGUAGES
from server.rest.schemas import Body, Commit, NavigationPart, RoleName, SideName, Username


class BookProblem(BaseModel):
    """Something wrong in the book's files, shown to those who may write it."""

    code: str
    message: str
    path: str | None
    line: int | None


class BookSummary(BaseModel):
    name: str
    title: str
    subtitle: str | None
    role: str | None


class BookList(BaseModel):
    books: list[BookSummary]


class ChapterSummary(BaseModel):
    filename: str
    title: str
    part: str | None
    standards: list[str]
    objectives: list[str]
    hours: float | None


class ChapterList(BaseModel):
    book: str
    parts: list[NavigationPart]
    chapters: list[ChapterSummary]


class AuthorShare(BaseModel):
    """How much of the book's text one side (school, enterprise) wrote."""

    side: str
    label: str
    lines: int
    chars: int
    percent: float


class StandardCoverage(BaseModel):
    standard: str
    title: str
    levels: list[dict[str, Any]]


class BookOverview(BaseModel):
    name: str
    title: str
    subtitle: str | None
    edition: str | None
    license: str | None
    description: str | None
    language: str | None
    standards: list[str]
    parts: list[NavigationPart]
    chapters: list[ChapterSummary]
    share: list[AuthorShare]
    coverage: list[StandardCoverage]
    recent: list[Commit]
    problems: list[BookProblem]


class Chapter(BaseModel):
    book: str
    filename: str
    title: str
    part: str | None
    summary: str | None
    objectives: list[str]
    hours: float | None
    standards: list[str]
    items: list[dict[str, Any]]
    body: str = Field(description="the Markdown text after the front matter")
    html: str = Field(description="rendered by the site's pipeline and sanitized")
    problems: list[BookProblem]


class FirstMember(Body):
    username: Username
    role: RoleName


class NewBook(Body):
    """A new book: its short name (``slug``, used in addresses and file names), title and template."""

    slug: str = Field(max_length=63, description="lowercase letters, digits and '-'")
    title: str = Field(min_length=1, max_length=200)
    template: Literal["classic", "workbook"] = "classic"
    language: Literal[LANGUAGES] = "zh-CN"  # type: ignore[valid-type]
    license: str = Field(default="CC-BY-SA-4.0", max_length=100)
    edition: str = Field(default="1", max_length=40)
    subtitle: str | None = Field(default=None, max_length=200)
    school: str | None = Field(default=None, max_length=200)
    enterprises: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=20)
    standards: list[Annotated[str, Field(max_length=160)]] = Field(default_factory=list, max_length=50)
    required: dict[SideName, Annotated[int, Field(ge=0, le=20)]] | None = Field(
        default=None, description="approvals per side (default: one from each side)")
    members: list[FirstMember] = Field(default_factory=list, max_length=100,
                                       description="the first members besides the creator, who is its maintainer")


class CreatedBook(BaseModel):
    name: str
    title: str
    commit: str
    url: str = Field(description="the book's page")
