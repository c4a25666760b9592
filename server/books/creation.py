"""Creating a book: its files from a template, committed on main by the person creating it, who
becomes its maintainer.

Administrators create books (``may_create_books``). The page, the API and
``jointbook book create`` all come here, so each refuses the same things the
same way: a short name that is no book name, one taken, an unknown template.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from materials import InvalidPath, MaterialsError
from materials.export import restore_book
from materials.new_book import RESERVED_SLUGS, TEMPLATES, NewBook, create_book
from materials.paths import BOOK_SLUG
from server.accounts.models import SIDES, Role
from server.accounts.service import find_user, git_author, set_membership
from server.audit.service import record
from server.database import db
from server.errors import UserError
from server.library import library
from server.permissions import is_admin


@dataclass(frozen=True)
class Created:
    slug: str
    title: str
    commit: str


def may_create_books(user: Any) -> bool:
    return is_admin(user)


def check_slug(slug: str) -> str:
    """``slug`` if a new book may take it; ``UserError`` (book.slug_invalid 422, book.exists 409) otherwise."""
    if not isinstance(slug, str) or not BOOK_SLUG.match(slug):
        raise UserError("book.slug_invalid", status=422, book=str(slug)[:80])
    if slug in RESERVED_SLUGS or slug in library().books("main"):
        raise UserError("book.exists", status=409, book=slug)
    return slug


def new_book(user: Any, book: NewBook, members: tuple[tuple[str, str], ...] = ()) -> Created:
    """Create ``book`` as one commit by ``user``, who becomes its maintainer, with its first ``members``
    (user name, role); 403 unless they may. Everything is checked before anything is written."""
    if not may_create_books(user):
        raise UserError("http.403", status=403)
    check_slug(book.slug)
    session = db()
    people = []
    for username, role in members:
        if role not in {r.value for r in Role}:
            raise UserError("request.invalid", status=422, detail=f"role: {str(role)[:20]}")
        person = find_user(session, username)
        if person.id != user.id:
            people.append((person, Role(role)))
    for side, count in book.required or ():
        if side not in SIDES or not isinstance(count, int) or not 0 <= count <= 20:
            raise UserError("request.invalid", status=422, detail=f"review.required.{str(side)[:20]}")
    if book.template not in TEMPLATES:
        raise UserError("request.invalid", status=422, detail=f"template: {book.template[:20]}")
    if not book.title.strip():
        raise UserError("request.invalid", status=422, detail="title")
    known = library().standards("main")
    for standard in book.standards:
        if standard not in known:
            raise UserError("standard.not_found", status=404, standard=standard[:160])
    try:
        sha = create_book(library(), book, git_author(user), f"Create the book {book.title.strip()}")
    except InvalidPath:
        raise UserError("book.slug_invalid", status=422, book=book.slug[:80]) from None
    except MaterialsError as error:
        if error.code == "book.exists":
            raise UserError("book.exists", status=409, book=book.slug) from None
        raise
    set_membership(session, user, book.slug, Role.maintainer)
    for person, role in people:
        set_membership(session, person, book.slug, role)
    record("book.create", book.slug, title=book.title.strip(), template=book.template, commit=sha)
    session.commit()
    return Created(book.slug, book.title.strip(), sha)


def bring_back(user: Any, data: bytes) -> tuple[Created, list[str]]:
    """Create a book from a zip ``export`` wrote (byte for byte, one commit by ``user``, who becomes its
    maintainer); with the standards kept as the library already has them."""
    if not may_create_books(user):
        raise UserError("http.403", status=403)
    try:
        book, sha, kept = restore_book(library(), data, git_author(user))
    except MaterialsError as error:
        if error.code == "book.exists":
            raise UserError("book.exists", status=409, book=(error.params or {}).get("book", "")) from None
        raise
    set_membership(db(), user, book, Role.maintainer)
    record("book.restore", book, commit=sha, standards_kept=kept)
    db().commit()
    return Created(book, library().book(book, sha, chapters=False).config.title, sha), kept
