"""The textbook library (``materials.Library``) as the server sees it.

One ``Library`` object per application, opened lazily; a clear, translated
error (``library.unavailable``) when it has not been created yet.
"""
from __future__ import annotations

import logging
from pathlib import Path

from flask import current_app

from materials import Library, MaterialsError, NotFound
from materials.paths import BOOK_SLUG
from materials.review_records import install_push_guard
from server.errors import UserError

log = logging.getLogger(__name__)


def library() -> Library:
    """The application's ``materials.Library`` (raises ``UserError('library.unavailable')``)."""
    cached = current_app.extensions.get("jointbook.library")
    if cached is not None:
        return cached
    path = Path(current_app.config["LIBRARY_PATH"])
    if not path.exists():
        raise UserError("library.unavailable", status=503)
    opened = Library(path, git_timeout=current_app.config["GIT_TIMEOUT"])
    install_push_guard(path)  # a library made before the hook existed gets it too
    current_app.extensions["jointbook.library"] = opened
    return opened


def create_library(path: Path, starter: bool = True) -> bool:
    """Create the bare library at ``path`` unless it exists; True when created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    Library.init(path, starter=starter)
    return True


def book_titles(rev: str = "main") -> dict[str, str]:
    """Slug -> title of every book on ``rev``; empty while the instance has no library (before ``jointbook init``)."""
    try:
        lib = library()
        titles: dict[str, str] = {}
        for name in lib.books(rev):
            try:
                titles[name] = lib.book(name, rev, chapters=False).config.title  # book.yml only
            except MaterialsError:  # a broken book.yml still lists the book under its slug
                log.warning("book %s has unreadable settings", name, exc_info=True)
                titles[name] = name
        return titles
    except UserError:
        return {}


def book_title(book: str, rev: str = "main") -> str:
    """The book's title at ``rev``: 404 ``book.not_found`` unless the book is there (every page and
    endpoint of a book asks this first); reads book.yml only, not the chapters."""
    lib = library()
    try:
        present = bool(BOOK_SLUG.match(book or "")) and book in lib.books(rev)
    except NotFound:  # the revision itself is gone
        present = False
    if not present:
        raise UserError("book.not_found", status=404, book=book)
    try:
        return lib.book(book, rev, chapters=False).config.title
    except MaterialsError:  # a broken book.yml still has its slug
        return book
