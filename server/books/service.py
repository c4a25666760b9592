"""Finding one's way around the books: the books a person may read, a book's overview (parts and
chapters, who wrote what, standards coverage, recent history, problems to fix) and one chapter
as students will read it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for

from materials import Book, BookInvalid, Chapter, CommitInfo, MaterialsError, NotFound
from materials.authorship import SideShare, text_share_by_side
from materials.coverage import Coverage, coverage
from materials.export import book_zip
from materials.standards.item_refs import partition_refs
from server.editing.preview import book_html
from server.errors import UserError, message_for
from server.library import book_title, library
from server.permissions import is_admin, roles_of

RECENT = 10


@dataclass
class BookSummary:
    name: str
    title: str
    subtitle: str | None
    role: str | None


def readable_books(user: Any) -> list[BookSummary]:
    """The books this person may open (every book for administrators), in name order."""
    lib = library()
    roles = roles_of(user)
    out = []
    for name in lib.books("main"):
        if not (is_admin(user) or name in roles):
            continue
        try:
            config = lib.book(name, "main", chapters=False).config
            title, subtitle = config.title, config.subtitle
        except MaterialsError:
            title, subtitle = name, None
        role = roles.get(name)
        out.append(BookSummary(name, title, subtitle, role.value if role else None))
    return out


@dataclass
class StandardItemView:
    standard: str
    key: str
    code: str
    kind: str
    level: str
    text: str


@dataclass
class Overview:
    """Everything the book page shows, read at one commit of ``main``."""

    name: str
    book: Book | None
    share: dict[str, SideShare] = field(default_factory=dict)
    coverage: Coverage | None = None
    recent: list[CommitInfo] = field(default_factory=list)
    problems: list[MaterialsError] = field(default_factory=list)


def book_overview(lib: Any, name: str) -> Overview:
    """Read the book; a broken ``book.yml`` becomes a problem on the page, not an error page."""
    book_title(name)
    head = lib.resolve("main")
    try:
        book = lib.book(name, head)
    except BookInvalid as problem:
        return Overview(name, None, recent=lib.log(head, f"books/{name}", limit=RECENT, follow=False),
                        problems=[problem])
    overview = Overview(name, book, problems=list(book.problems))
    overview.share = text_share_by_side(lib, name, head)
    overview.recent = lib.log(head, f"books/{name}", limit=RECENT, follow=False)
    try:
        standards = lib.standards(head)
    except MaterialsError as problem:
        overview.problems.append(problem)
    else:
        overview.coverage = coverage(standards, book.config.standards,
                                     {c.filename: c.meta.standards for c in book.chapters if c.problem is None})
        for chapter, bad in overview.coverage.unresolved.items():
            for error in bad:
                error.path = error.path or f"books/{name}/chapters/{chapter}"
                overview.problems.append(error)
    return overview


def chapter_items(lib: Any, book: Book, chapter: Chapter) -> tuple[list[StandardItemView], list[MaterialsError]]:
    """The standard items a chapter names, with their text; refs that do not resolve as problems."""
    try:
        standards = lib.standards(book.rev)
    except MaterialsError as problem:
        return [], [problem]
    declared = {sid: standards[sid] for sid in book.config.standards if sid in standards}
    good, bad = partition_refs(chapter.meta.standards, declared)
    items = []
    for sid, key in good:
        std = declared[sid]
        item = std.by_key[key]
        levels = {lv.key: lv.label for lv in std.levels}
        items.append(StandardItemView(sid, key, item.code, std.kinds.get(item.kind, item.kind),
                                      levels.get(item.level, item.level), item.text))
    return items, bad


def chapter_html(book: str, body: str) -> str:
    """The chapter rendered by the site's pipeline (sanitized), its images served from the book's assets."""
    return book_html(book, body)


def find_chapter(lib: Any, name: str, filename: str) -> tuple[Book, Chapter]:
    book_title(name)
    try:
        book = lib.book(name, "main")
        return book, book.chapter(filename)
    except NotFound:
        raise UserError("chapter.not_found", status=404, chapter=filename[:80], book=name) from None


def problem_message(problem: MaterialsError) -> str:
    """The translated message of a problem, without its location (the page shows file and line)."""
    params = {**(problem.params or {}), "detail": problem.message, "path": problem.path, "line": problem.line}
    return message_for(problem.code, params)


def problem_json(problem: MaterialsError) -> dict[str, Any]:
    return {"code": problem.code, "message": problem_message(problem), "path": problem.path, "line": problem.line}


def edit_url(book: str, filename: str) -> str:
    """The chapter editor's page."""
    return url_for("editor.edit", book=book, file=filename)


def export_zip(book: str, rev: str = "main") -> bytes:
    """The book's folder and the standards it declares, as one zip (``materials.export``)."""
    book_title(book, rev)
    return book_zip(library(), book, rev)
