"""Books for programs: the list I may read, a book's overview, its chapters and one chapter to read."""


from __future__ import annotations
from typing import Any
from flask_login import current_user
from server.api.registry import endpoint, schema
from server.api.schemas import BOOK_PARAM
from server.library import library
from server.permissions import Ability, book_access, may, signed_in
from server.books.views import book_overview, chapter_html, chapter_items, find_chapter, problem_json, readable_books
from server.history.views import commit_json, side_label, side_names


CHAPTER_PARAM = {"type": "string", "pattern": r"^[^/\\\-.][^/\\]{0,200}\.md$", "maxLength": 210}
NULLABLE_TEXT = {"type": ["string", "null"]}

PROBLEM = schema("BookProblem", {
    "type": "object", "required": ["code", "message", "path", "line"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "path": NULLABLE_TEXT,
                   "line": {"type": ["integer", "null"]}},
})

COMMIT = schema("Commit", {
    "type": "object",
    "required": ["sha", "parents", "summary", "message", "author_name", "author_email", "side", "side_label",
                 "authored_at"],
    "properties": {
        "sha": {"type": "string"}, "parents": {"type": "array", "items": {"type": "string"}},
        "summary": {"type": "string"}, "message": {"type": "string"}, "author_name": {"type": "string"},
        "author_email": {"type": "string"}, "side": NULLABLE_TEXT, "side_label": {"type": "string"},
        "authored_at": {"type": "string", "format": "date-time"},
    },
})

BOOK_SUMMARY = schema("BookSummary", {
    "type": "object", "required": ["name", "title", "subtitle", "role"],
    "properties": {"name": {"type": "string"}, "title": {"type": "string"}, "subtitle": NULLABLE_TEXT,
                   "role": NULLABLE_TEXT},
})

BOOK_LIST = schema("BookList", {
    "type": "object", "required": ["books"], "properties": {"books": {"type": "array", "items": BOOK_SUMMARY}},
})

CHAPTER_SUMMARY = schema("ChapterSummary", {
    "type": "object", "required": ["filename", "title", "part", "standards", "objectives", "hours"],
    "properties": {"filename": {"type": "string"}, "title": {"type": "string"}, "part": NULLABLE_TEXT,
                   "standards": {"type": "array", "items": {"type": "string"}},
                   "objectives": {"type": "array", "items": {"type": "string"}},
                   "hours": {"type": ["number", "null"]}},
})

CHAPTER_LIST = schema("ChapterList", {
    "type": "object", "required": ["book", "parts", "chapters"],
    "properties": {
        "book": {"type": "string"},
        "parts": {"type": "array", "items": {"type": "object", "required": ["title", "chapters"], "properties": {
            "title": {"type": "string"}, "chapters": {"type": "array", "items": {"type": "string"}}}}},
        "chapters": {"type": "array", "items": CHAPTER_SUMMARY},
    },
})

BOOK_OVERVIEW = schema("BookOverview", {
    "type": "object",
    "required": ["name", "title", "subtitle", "edition", "license", "description", "language", "standards",
                 "parts", "chapters", "share", "coverage", "recent", "problems"],
    "properties": {
        "name": {"type": "string"}, "title": {"type": "string"}, "subtitle": NULLABLE_TEXT,
        "edition": NULLABLE_TEXT, "license": NULLABLE_TEXT, "description": NULLABLE_TEXT,
        "language": NULLABLE_TEXT, "standards": {"type": "array", "items": {"type": "string"}},
        "parts": {"type": "array"},
        "chapters": {"type": "array", "items": CHAPTER_SUMMARY},
        "share": {"type": "array", "items": {"type": "object", "required": ["side", "label", "lines", "chars", "percent"],
                                             "properties": {"side": {"type": "string"}, "label": {"type": "string"},
                                                            "lines": {"type": "integer"}, "chars": {"type": "integer"},
                                                            "percent": {"type": "number"}}}},
        "coverage": {"type": "array", "items": {"type": "object", "required": ["standard", "title", "levels"],
                                                "properties": {"standard": {"type": "string"},
                                                               "title": {"type": "string"},
                                                               "levels": {"type": "array"}}}},
        "recent": {"type": "array", "items": COMMIT},
        "problems": {"type": "array", "items": PROBLEM},
    },
})

CHAPTER = schema("Chapter", {
    "type": "object",
    "required": ["book", "filename", "title", "part", "summary", "objectives", "hours", "standards", "items",
                 "body", "html", "problems"],
    "properties": {
        "book": {"type": "string"}, "filename": {"type": "string"}, "title": {"type": "string"},
        "part": NULLABLE_TEXT, "summary": NULLABLE_TEXT,
        "objectives": {"type": "array", "items": {"type": "string"}}, "hours": {"type": ["number", "null"]},
        "standards": {"type": "array", "items": {"type": "string"}},
        "items": {"type": "array", "items": {"type": "object"}},
        "body": {"type": "string", "description": "the Markdown text after the front matter"},
        "html": {"type": "string", "description": "rendered by the site's pipeline and sanitized"},
        "problems": {"type": "array", "items": PROBLEM},
    },
})


def chapter_summary(chapter: Any) -> dict[str, Any]:
    hours = chapter.meta.hours
    return {"filename": chapter.filename, "title": chapter.title, "part": chapter.part,
            "standards": list(chapter.meta.standards), "objectives": list(chapter.meta.objectives),
            "hours": hours if isinstance(hours, (int, float)) else None}


@endpoint("GET", "/books", summary="The books I may read (every book for administrators)", response=BOOK_LIST,
          tags=["books"], errors=(503,))
@signed_in
def list_books() -> dict[str, Any]:
    return {"books": [vars(b) for b in readable_books(current_user)]}


@endpoint("GET", "/books/{book}", summary="A book: settings, chapters, who wrote what, coverage, recent history",
          params={"book": BOOK_PARAM}, response=BOOK_OVERVIEW, tags=["books"], errors=(503,))
@book_access(Ability.read)
def book_overview_json(book: str) -> dict[str, Any]:
    lib = library()
    overview = book_overview(lib, book)
    labels = side_names(lib)
    b = overview.book
    config = b.config if b else None
    return {
        "name": book,
        "title": config.title if config else book,
        "subtitle": config.subtitle if config else None,
        "edition": config.edition if config else None,
        "license": config.license if config else None,
        "description": config.description if config else None,
        "language": config.language if config else None,
        "standards": list(config.standards) if config else [],
        "parts": [{"title": p.title, "chapters": list(p.chapters)} for p in config.navigation] if config else [],
        "chapters": [chapter_summary(c) for c in b.chapters] if b else [],
        "share": [{"side": side, "label": side_label(labels, side), "lines": s.lines, "chars": s.chars,
                   "percent": round(s.percent, 2)} for side, s in overview.share.items()],
        "coverage": [{"standard": sid, "title": sc.title, "levels": [
            {"level": row.level, "label": row.label, "percent": None if row.percent is None else round(row.percent, 2),
             "covered": row.covered, "total": row.total} for row in sc.levels]}
            for sid, sc in (overview.coverage.standards.items() if overview.coverage else [])],
        "recent": [commit_json(c, labels) for c in overview.recent],
        "problems": [problem_json(p) for p in overview.problems] if may(current_user, Ability.write, book) else [],
    }


@endpoint("GET", "/books/{book}/chapters", summary="The chapters of a book in navigation order",
          params={"book": BOOK_PARAM}, response=CHAPTER_LIST, tags=["books"], errors=(503,))
@book_access(Ability.read)
def book_chapters(book: str) -> dict[str, Any]:
    lib = library()
    overview = book_overview(lib, book)
    b = overview.book
    return {"book": book,
            "parts": [{"title": p.title, "chapters": list(p.chapters)} for p in b.config.navigation] if b else [],
            "chapters": [chapter_summary(c) for c in b.chapters] if b else []}


@endpoint("GET", "/books/{book}/chapters/{file}/reading", summary="Read a chapter as students will: information and rendered text",
          params={"book": BOOK_PARAM, "file": CHAPTER_PARAM}, response=CHAPTER, tags=["books"], errors=(503,))
@book_access(Ability.read)
def chapter_reading(book: str, file: str) -> dict[str, Any]:
    lib = library()
    found, chapter = find_chapter(lib, book, file)
    items, bad = chapter_items(lib, found, chapter)
    problems = ([chapter.problem] if chapter.problem else []) + bad
    return {**chapter_summary(chapter), "book": book, "summary": chapter.meta.summary,
            "items": [vars(i) for i in items], "body": chapter.body, "html": chapter_html(book, chapter.body),
            "problems": [problem_json(p) for p in problems] if may(current_user, Ability.write, book) else []}
