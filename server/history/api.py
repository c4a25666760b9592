"""A book's history for programs: log, compare (a structured diff), one commit, blame, revert."""


from __future__ import annotations
from typing import Any
from flask import jsonify
from flask_login import current_user
from materials import EditConflict, NotFound
from server.rest.registry import endpoint
from server.rest.schemas import BookName, ChapterFile
from server.history import schemas
from server.database import db
from server.errors import UserError, describe
from server.library import book_title, library
from server.permissions import Ability, book_access
from server.history.service import (PER_PAGE, blame_json, blame_runs, book_diff, chapter_file_path,
                                    checked_revision, commit_in_book, commit_json, diff_json, history_page,
                                    revert_commit)
from server.templating import side_names


@endpoint("GET", "/books/{book}/history", summary="The book's history, newest first", params={"book": BookName},
          query=schemas.HistoryPage, response=schemas.History, tags=["history"], errors=(503,))
@book_access(Ability.read)
def book_history_list(book: str, page: int) -> dict[str, Any]:
    lib = library()
    book_title(book)
    found = history_page(lib, book, page)
    labels = side_names(lib)
    return {"book": book, "path": None, "page": found.page, "per_page": PER_PAGE, "has_next": found.has_next,
            "commits": [commit_json(c, labels) for c in found.entries]}


@endpoint("GET", "/books/{book}/chapters/{file}/history", summary="A chapter's history, following renames",
          params={"book": BookName, "file": ChapterFile}, query=schemas.HistoryPage, response=schemas.History,
          tags=["history"], errors=(503,))
@book_access(Ability.read)
def chapter_history_list(book: str, file: str, page: int) -> dict[str, Any]:
    lib = library()
    book_title(book)
    path = chapter_file_path(book, file)
    found = history_page(lib, book, page, path=path)
    if not found.entries and found.page == 1:
        raise UserError("chapter.not_found", status=404, chapter=file, book=book)
    labels = side_names(lib)
    return {"book": book, "path": path, "page": found.page, "per_page": PER_PAGE, "has_next": found.has_next,
            "commits": [commit_json(c, labels) for c in found.entries]}


@endpoint("GET", "/books/{book}/compare", summary="The book's changes between two revisions (structured diff)",
          params={"book": BookName}, query=schemas.Revisions, response=schemas.Comparison,
          tags=["history"], errors=(400, 503))
@book_access(Ability.read)
def revision_compare(book: str, **revisions: Any) -> dict[str, Any]:
    lib = library()
    book_title(book)
    old, new = checked_revision(lib, revisions.get("from")), checked_revision(lib, revisions.get("to"))
    return {"book": book, "from": old, "to": new, **diff_json(book_diff(lib, book, old, new))}


@endpoint("GET", "/books/{book}/commits/{sha}", summary="One change to the book and its diff against its parent",
          params={"book": BookName, "sha": schemas.ShortSha}, response=schemas.CommitDetail, tags=["history"], errors=(503,))
@book_access(Ability.read)
def commit_detail(book: str, sha: str) -> dict[str, Any]:
    lib = library()
    book_title(book)
    info, diff = commit_in_book(lib, book, sha)
    return {"book": book, "commit": commit_json(info, side_names(lib)), **diff_json(diff)}


@endpoint("GET", "/books/{book}/chapters/{file}/blame", summary="Who last changed each line of a chapter, by side",
          params={"book": BookName, "file": ChapterFile}, query=schemas.BlameRevision, response=schemas.Blame,
          tags=["history"], errors=(400, 503))
@book_access(Ability.read)
def chapter_blame(book: str, file: str, rev: str | None) -> dict[str, Any]:
    lib = library()
    book_title(book)
    path = chapter_file_path(book, file)
    commit = checked_revision(lib, rev) if rev else lib.resolve("main")
    try:
        runs = blame_runs(lib, commit, path)
    except NotFound:
        raise UserError("chapter.not_found", status=404, chapter=file, book=book) from None
    return {"book": book, "path": path, "rev": commit, "lines": blame_json(runs, side_names(lib))}


@endpoint("POST", "/books/{book}/commits/{sha}/revert", summary="Undo one change (on my draft, or on main when allowed)",
          params={"book": BookName, "sha": schemas.ShortSha}, body=schemas.RevertRequest, response=schemas.Reverted, status=201,
          tags=["history"], errors=(409, 503),
          description="A conflicting revert writes nothing and answers 409 with the conflicted files.")
@book_access(Ability.write)
def commit_revert(book: str, sha: str, body: schemas.RevertRequest) -> Any:
    lib = library()
    book_title(book)
    try:
        done = revert_commit(lib, book, sha, current_user, body.target)
    except EditConflict as conflict:
        db().rollback()
        response = jsonify(error={"code": conflict.code, "message": describe(conflict), "details": {
            "conflicts": [{"path": c.path, "merged": c.merged} for c in conflict.conflicts]}})
        response.status_code = 409
        return response
    return {"sha": done.sha, "branch": done.branch}
