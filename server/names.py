"""Names people understand: a person's display name for their user name, a chapter's title for its
file, a book's title for its slug.

Rows and commits keep user names and file names (they stay true after a rename); pages and
notifications show what people call them. Looked up once per request: every user's display name
in one query, a chapter's title as main has it, cached for each commit of main.
"""
from __future__ import annotations

import threading
from typing import Any

from cachetools import LRUCache, cached
from flask import g, has_request_context
from sqlalchemy import select

from materials import MaterialsError, NotFound
from materials.frontmatter import parse_chapter

MAIN = "main"


def _people() -> dict[str, str]:
    if has_request_context() and "jointbook_display_names" in g:
        return g.jointbook_display_names
    from server.accounts.models import User  # the accounts domain's table
    from server.database import db
    names = {username: display or username
             for username, display in db().execute(select(User.username, User.display_name))}
    if has_request_context():
        g.jointbook_display_names = names
    return names


def person(username: str | None) -> str:
    """The display name of the account ``username`` (the name itself for someone not, or no longer, known)."""
    if not username:
        return ""
    return _people().get(username, username)


def chapter(book: str, name: str | None) -> str:
    """The title of the chapter ``name`` ("03-x.md", "tree/03-x.md", "chapters/03-x.md" or
    "books/<book>/chapters/03-x.md") on main; anything else, or a chapter main does not have, keeps its name."""
    if not name or not name.endswith(".md"):
        return name or ""
    if name.startswith("books/") and not name.startswith(f"books/{book}/"):
        return name
    relative = name.removeprefix(f"books/{book}/")
    filename = relative.removeprefix("chapters/")  # sub-folders and all: chapter_tree/binary_tree.md
    if relative.startswith("books/") or (relative != name and filename == relative):
        return name
    from server.library import library
    lib = library()
    path = f"books/{book}/chapters/{filename}"
    try:
        main = g.get("jointbook_main") if has_request_context() else None
        if main is None:
            main = lib.resolve(MAIN)
            if has_request_context():
                g.jointbook_main = main
        return _title(lib, path, main) or filename
    except (MaterialsError, NotFound, ValueError):
        return filename


@cached(LRUCache(maxsize=4096), key=lambda lib, path, version: (str(lib.path), path, version), lock=threading.Lock())
def _title(lib: Any, path: str, main: str) -> str:
    meta, _body = parse_chapter(lib.read_text(main, path), path)
    return meta.title


def book(slug: str | None) -> str:
    from server.library import book_titles
    if not slug:
        return ""
    if has_request_context():
        titles = g.get("jointbook_book_titles")
        if titles is None:
            titles = g.jointbook_book_titles = book_titles()
        return titles.get(slug, slug)
    return book_titles().get(slug, slug)
