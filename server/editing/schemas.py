"""What the chapters and assets API takes and answers: a chapter's text, saves, previews,
the book's structure (parts and chapters) and its images."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from server.rest.schemas import Body, NavigationPart, Query, RowId

MAX_PREVIEW = 1_000_000

Branch = Annotated[str, Field(max_length=200)]
AssetName = Annotated[str, Field(max_length=200)]
Title = Annotated[str, Field(min_length=1, max_length=200)]
ChapterName = Annotated[str, Field(max_length=610)]  # folders and all: chapter_tree/binary_tree.md
Text = Annotated[str, Field(max_length=2_000_000)]


class BranchQuery(Query):
    branch: Branch | None = None


class StandardItemSearch(Query):
    q: Annotated[str, Field(max_length=200)] | None = None
    branch: Branch | None = None
    under: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="browse the tree: the children of this item key (empty: the top)")


class ChapterFrontMatter(Body):
    title: Annotated[str, Field(max_length=200)]
    objectives: Annotated[list[Annotated[str, Field(max_length=1000)]], Field(max_length=100)] = []
    standards: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=500)] = []
    summary: Annotated[str, Field(max_length=5000)] | None = None
    hours: Annotated[float, Field(ge=0, le=1000)] | None = None
    sections: dict[str, list[str]] = {}


class ChapterText(BaseModel):
    book: str
    file: str
    branch: str
    base: str = Field(description="the commit to send back when saving")
    text: str
    front_matter: ChapterFrontMatter
    body: str
    problem: str | None = None


class ChapterSave(Body):
    """Either the whole file as ``text``, or ``front_matter`` and ``body``."""

    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["text"]}, {"required": ["front_matter"]}]})

    base: Annotated[str, Field(min_length=1, max_length=100)]
    branch: Branch | None = None
    text: Text | None = None
    front_matter: ChapterFrontMatter | None = None
    body: Text | None = None
    message: Annotated[str, Field(max_length=500)] | None = None

    @model_validator(mode="after")
    def _text_or_front_matter(self) -> ChapterSave:
        if self.text is None and self.front_matter is None:
            raise ValueError("text or front_matter")
        return self


class ChapterSaved(BaseModel):
    sha: str
    branch: str
    merged: bool
    unchanged: bool
    file: str | None = None


class PreviewRequest(Body):
    text: Annotated[str, Field(max_length=MAX_PREVIEW)]
    branch: Branch | None = None


class Preview(BaseModel):
    html: str


class NewChapter(Body):
    title: Title
    filename: ChapterName | None = None
    part: RowId = 0
    branch: Branch | None = None


class ChapterRename(Body):
    filename: Annotated[str, Field(min_length=1, max_length=610)]
    branch: Branch | None = None


class ChapterMove(Body):
    """One place ``up`` or ``down``, or into ``part`` at ``position`` (the end without one)."""

    direction: Literal["up", "down"] | None = None
    part: RowId | None = None
    position: RowId | None = None
    branch: Branch | None = None


class PartTitle(Body):
    title: Title
    branch: Branch | None = None


class BookStructure(BaseModel):
    book: str
    branch: str
    sha: str
    parts: list[NavigationPart]


class StandardItem(BaseModel):
    key: str
    standard: str | None = None
    code: str
    text: str
    html: str | None = Field(None, description="the statement's Markdown and math as sanitized HTML")
    level: str
    level_label: str | None = None
    kind: str
    kind_label: str | None = None
    chapters: list[str]
    chapter_titles: list[str] = Field([], description="the titles of the chapters in ``chapters``, in the same order")
    children: int | None = None


class StandardItemList(BaseModel):
    items: list[StandardItem]


class Asset(BaseModel):
    name: str
    markdown: str
    url: str
    size: int | None = None
    sha: str | None = None
    branch: str | None = None


class AssetList(BaseModel):
    book: str
    branch: str
    assets: list[Asset]


class PresenceBranch(Body):
    branch: Branch | None = None


class Editing(BaseModel):
    name: str = Field(description="display name")
    side: str
    since: str = Field(description="when they opened the chapter (ISO 8601, UTC)")
    text: str = Field(description="the sentence the editor shows, in the asker's language")


class Presence(BaseModel):
    """Who else has the chapter open on the same branch, and when to say "still here" again."""

    editing: list[Editing]
    heartbeat: int = Field(description="seconds until the next heartbeat")
