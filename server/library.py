"""The textbook library (``materials.Library``) as the server sees it.

One ``Library`` object per application, opened lazily; a clear, translated
error (``library.unavailable``) when it has not been created yet.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import current_app

from server.errors import UserError

log = logging.getLogger(__name__)


def library() -> Any:
    """The application's ``materials.Library`` (raises ``UserError('library.unavailable')``)."""
    cached = current_app.extensions.get("jointbook.library")
    if cached is not None:
        return cached
    path = Path(current_app.config["LIBRARY_PATH"])
    try:
        from materials import Library
    except ImportError as error:  # materials not ready on this checkout
        raise UserError("library.unavailable", status=503) from error
    if not path.exists():
        raise UserError("library.unavailable", status=503)
    opened = Library(path, git_timeout=current_app.config["GIT_TIMEOUT"])
    current_app.extensions["jointbook.library"] = opened
    return opened


def create_library(path: Path, starter: bool = True) -> bool:
    """Create the bare library at ``path`` unless it exists; True when created."""
    if path.exists():
        return False
    try:
        from materials import Library
    except ImportError as error:
        raise RuntimeError(
            "the materials package does not provide Library yet; cannot create the library"
        ) from error
    if not hasattr(Library, "init"):
        raise RuntimeError("materials.Library.init is not available yet; cannot create the library")
    path.parent.mkdir(parents=True, exist_ok=True)
    Library.init(path, starter=starter)
    return True


def book_titles(rev: str = "main") -> dict[str, str]:
    """Slug -> title of every book on ``rev``; empty when the library is not there yet."""
    try:
        lib = library()
        titles: dict[str, str] = {}
        for name in lib.books(rev):
            try:
                titles[name] = lib.book(name, rev, chapters=False).config.title  # book.yml only
            except Exception:  # a broken book.yml still lists the book under its slug
                log.warning("book %s has unreadable settings", name, exc_info=True)
                titles[name] = name
        return titles
    except UserError:
        return {}


def book_title(book: str) -> str:
    """The book's title on main (404 ``book.not_found`` otherwise); reads book.yml only, not the chapters."""
    from materials import MaterialsError
    from materials.paths import BOOK_SLUG

    lib = library()
    if not BOOK_SLUG.match(book or "") or book not in lib.books("main"):
        raise UserError("book.not_found", status=404, book=book)
    try:
        return lib.book(book, "main", chapters=False).config.title
    except MaterialsError:  # a broken book.yml still has its slug
        return book


def book_exists(name: str) -> bool:
    return name in book_titles()
