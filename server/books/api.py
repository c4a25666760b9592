"""Books for programs: the list I may read, a book's overview, its chapters and one chapter to read."""


from __future__ import annotations
from typing import Any
from flask import url_for
from flask_login import current_user
from materials.new_book import NewBook
from server.books.creation import new_book
from server.rest.registry import endpoint
from server.rest.schemas import BookName, ChapterFile
from server.books import schemas
from server.library import library
from server.permissions import Ability, admin_required, book_access, may, signed_in
from server.books.service import (book_overview, chapter_html, chapter_items, find_chapter, problem_json,
                                  readable_books)
from server.history.service import commit_json
from server.templating import side_name, side_names


def chapter_summary(chapter: Any) -> dict[str, Any]:
    hours = chapter.meta.hours
    return {"filename": chapter.filename, "title": chapter.title, "part": chapter.part,
            "standards": list(chapter.meta.standards), "objectives": list(chapter.meta.objectives),
            "hours": hours if isinstance(hours, (int, float)) else None}


@endpoint("GET", "/books", summary="The books I may read (every book for administrators)",
          response=schemas.BookList, tags=["books"], errors=(503,))
@signed_in
def list_books() -> dict[str, Any]:
    return {"books": [vars(b) for b in readable_books(current_user)]}


@endpoint("POST", "/books", summary="Create a book from a template (classic or workbook); you become its maintainer",
          body=schemas.NewBook, response=schemas.CreatedBook, status=201, tags=["books"], errors=(404, 409, 422, 503))
@admin_required
def create_book(body: schemas.NewBook) -> dict[str, Any]:
    created = new_book(current_user, NewBook(
        slug=body.slug, title=body.title, template=body.template, language=body.language, license=body.license,
        edition=body.edition, subtitle=body.subtitle, school=body.school, enterprises=tuple(body.enterprises),
        standards=tuple(body.standards), required=tuple(body.required.items()) if body.required is not None else None),
        tuple((m.username, m.role) for m in body.members))
    return {"name": created.slug, "title": created.title, "commit": created.commit,
            "url": url_for("books.show", book=created.slug)}


@endpoint("GET", "/books/{book}", summary="A book: settings, chapters, who wrote what, coverage, recent history",
          params={"book": BookName}, response=schemas.BookOverview, tags=["books"], errors=(503,))
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
        "parts": [{"title": p.title, "page": p.page, "chapters": list(p.chapters)} for p in config.navigation] if config else [],
        "chapters": [chapter_summary(c) for c in b.chapters] if b else [],
        "share": [{"side": side, "label": side_name(labels, side), "lines": s.lines, "chars": s.chars,
                   "percent": round(s.percent, 2)} for side, s in overview.share.items()],
        "coverage": [{"standard": sid, "title": sc.title, "levels": [
            {"level": row.level, "label": row.label, "percent": None if row.percent is None else round(row.percent, 2),
             "covered": row.covered, "total": row.total} for row in sc.levels]}
            for sid, sc in (overview.coverage.standards.items() if overview.coverage else [])],
        "recent": [commit_json(c, labels) for c in overview.recent],
        "problems": [problem_json(p) for p in overview.problems] if may(current_user, Ability.write, book) else [],
    }


@endpoint("GET", "/books/{book}/chapters", summary="The chapters of a book in navigation order",
          params={"book": BookName}, response=schemas.ChapterList, tags=["books"], errors=(503,))
@book_access(Ability.read)
def book_chapters(book: str) -> dict[str, Any]:
    lib = library()
    overview = book_overview(lib, book)
    b = overview.book
    return {"book": book,
            "parts": [{"title": p.title, "page": p.page, "chapters": list(p.chapters)} for p in b.config.navigation] if b else [],
            "chapters": [chapter_summary(c) for c in b.chapters] if b else []}


@endpoint("GET", "/books/{book}/chapters/{file}/reading", summary="Read a chapter as students will: information and rendered text",
          params={"book": BookName, "file": ChapterFile}, response=schemas.Chapter, tags=["books"], errors=(503,))
@book_access(Ability.read)
def chapter_reading(book: str, file: str) -> dict[str, Any]:
    lib = library()
    found, chapter = find_chapter(lib, book, file)
    items, bad = chapter_items(lib, found, chapter)
    problems = ([chapter.problem] if chapter.problem else []) + bad
    return {**chapter_summary(chapter), "book": book, "summary": chapter.meta.summary,
            "items": [vars(i) for i in items], "body": chapter.body, "html": chapter_html(book, chapter.body),
            "problems": [problem_json(p) for p in problems] if may(current_user, Ability.write, book) else []}
