"""What a reader sends from a page of a published site, and which page it is about.

A student on a page of a release, a preview or the draft reports an error,
suggests, asks a question or rates the page. The platform checks that the
book, the version and the page exist, stores the reader's words exactly as
sent (shown escaped everywhere), tells the book's authors and reviewers, and
hands the asker a private follow link (only its SHA-256 is kept).
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping
from urllib.parse import quote

from sqlalchemy import select

from materials import Library, MaterialsError
from materials.paths import BOOK_SLUG
from server.accounts.models import Membership, Role, User
from server.database import db
from server.errors import UserError
from server.feedback.models import KINDS, Feedback
from server.library import library
from server.notifications.service import notify

# Sizes a reader may send; anything longer is refused with 413 rather than cut.
MAX_TEXT = 5000
MAX_SELECTION = 2000
MAX_NAME = 100
MAX_CONTACT = 200
MAX_BODY_BYTES = 32 * 1024  # the whole request; the form sends a few KB at most
# Site versions that are not releases, and the branch their pages come from.
UNRELEASED = {"main": "main", "draft": "main", "preview": "main", "latest": None}
PREVIEW = re.compile(r"^preview-([0-9]{1,9})$")
GENERATED_PAGES = ("jointbook/alignment.md", "jointbook/contributors.md", "jointbook/changes.md")


@dataclass(frozen=True)
class Submission:
    """The fields of the site's feedback form (``templates/site/partials/jointbook-feedback.html``)."""

    book: str
    version: str
    page: str
    kind: str
    text: str = ""
    selection: str = ""
    name: str = ""
    contact: str = ""
    rating: int | None = None
    helpful: bool | None = None
    website: str = ""  # the honeypot: people never see it, form-filling robots fill it in

    @property
    def is_robot(self) -> bool:
        return bool(self.website.strip())

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "Submission":
        """Read a JSON object or a posted form; refuse what is missing, malformed or too long."""
        def text(name: str, limit: int) -> str:
            value = data.get(name, "")
            if value is None:
                return ""
            if not isinstance(value, str):
                raise UserError("feedback.invalid", status=422, field=name)
            if len(value) > limit:
                raise UserError("feedback.too_large", status=413, field=name, limit=limit)
            return value

        book, version, page = text("book", 64).strip(), text("version", 64).strip(), text("page", 255).strip()
        kind = text("kind", 16).strip()
        if not book or not version or not page:
            raise UserError("feedback.invalid", status=422, field="book/version/page")
        if kind not in KINDS:
            raise UserError("feedback.invalid", status=422, field="kind")
        rating = _rating(data.get("rating"))
        helpful = _helpful(data.get("helpful"))
        submission = cls(book=book, version=version, page=page.lstrip("/"), kind=kind,
                         text=text("text", MAX_TEXT), selection=text("selection", MAX_SELECTION).strip(),
                         name=text("name", MAX_NAME).strip(), contact=text("contact", MAX_CONTACT).strip(),
                         rating=rating, helpful=helpful, website=text("website", 500))
        if kind != "rating" and not submission.text.strip():
            raise UserError("feedback.invalid", status=422, field="text")
        if kind == "rating" and rating is None and helpful is None and not submission.text.strip():
            raise UserError("feedback.invalid", status=422, field="rating")
        return submission


def _rating(raw: Any) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise UserError("feedback.invalid", status=422, field="rating") from None
    if isinstance(raw, bool) or not 1 <= value <= 5:
        raise UserError("feedback.invalid", status=422, field="rating")
    return value


def _helpful(raw: Any) -> bool | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("yes", "true", "1", "no", "false", "0"):
        return raw.lower() in ("yes", "true", "1")
    raise UserError("feedback.invalid", status=422, field="helpful")


# ----------------------------------------------------------------------------- which page it is about

@dataclass(frozen=True)
class Target:
    book: str
    version: str
    page: str
    chapter: str | None  # the chapter's file name when the page is a chapter
    rev: str             # the library revision the page was built from


def revision_of(lib: Any, book: str, version: str) -> str:
    """The library revision a site version shows: a release tag, a change request's branch, or main."""
    if version in UNRELEASED:
        if UNRELEASED[version] is None:
            raise UserError("feedback.unknown_version", status=404, book=book, version=version)
        return UNRELEASED[version]
    preview = PREVIEW.match(version)
    if preview:
        branch = f"cr/{preview.group(1)}"
        return branch if branch in lib.branches() else "main"
    tag = f"{book}/v{version}"
    if tag not in lib.tags():
        raise UserError("feedback.unknown_version", status=404, book=book, version=version)
    return tag


@lru_cache(maxsize=512)
def _pages_at(library_path: str, commit: str, book: str) -> frozenset[str]:
    lib = Library(library_path)
    chapters = lib.files(commit, f"books/{book}/chapters/")
    prefix = f"books/{book}/"
    return frozenset(p[len(prefix):] for p in chapters if p.endswith(".md"))


def resolve_target(book: str, version: str, page: str) -> Target:
    """Check that the page exists in that version of the book (404 with a typed code otherwise)."""
    lib = library()
    if not BOOK_SLUG.match(book) or book not in lib.books("main"):
        raise UserError("book.not_found", status=404, book=book)
    rev = revision_of(lib, book, version)
    try:
        commit = lib.resolve(rev)
        pages = _pages_at(str(lib.path), commit, book)
    except MaterialsError:
        raise UserError("feedback.unknown_version", status=404, book=book, version=version) from None
    if not pages:  # the book did not exist at that version
        raise UserError("feedback.unknown_version", status=404, book=book, version=version)
    if page in pages:
        return Target(book, version, page, page.split("/", 1)[1], rev)
    if page == "index.md" or page in GENERATED_PAGES:
        return Target(book, version, page, None, rev)
    raise UserError("feedback.unknown_page", status=404, book=book, version=version, page=page)


def site_page_url(book: str, version: str, page: str, selection: str = "") -> str:
    """Where the reader was: the page in that exact version of the served site (MkDocs builds
    ``chapters/x.md`` as ``chapters/x.html``; previews live under ``/previews/<book>/<cr>/``),
    scrolled to the passage they selected (a text fragment)."""
    html = (page[:-3] if page.endswith(".md") else page) + ".html"
    preview = PREVIEW.match(version)
    url = f"/previews/{book}/{preview.group(1)}/{html}" if preview else f"/read/{book}/{version}/{html}"
    passage = " ".join(selection.split())[:80]
    if passage:
        url += "#:~:text=" + quote(passage, safe="")
    return url


# ----------------------------------------------------------------------------- receiving

def follow_hash(token: str) -> str:
    """What is kept of a follow link's secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def receive(submission: Submission, reader: Any = None) -> tuple[Feedback, str]:
    """Store a reader's feedback and tell the book's team; returns the item and its follow token."""
    target = resolve_target(submission.book, submission.version, submission.page)
    token = secrets.token_urlsafe(24)
    credited = reader if getattr(reader, "is_authenticated", False) else None
    item = Feedback(
        book=target.book, version=target.version, page=target.page, chapter=target.chapter,
        selection=submission.selection, kind=submission.kind, text=submission.text,
        rating=submission.rating, helpful=submission.helpful,
        name=submission.name or (credited.display_name if credited else ""), contact=submission.contact,
        user_id=credited.id if credited else None, state="new", reason="", public=False,
        follow_hash=follow_hash(token),
    )
    db().add(item)
    db().flush()
    _tell_the_team(item)
    db().commit()
    return item, token


def team_of(book: str) -> list[int]:
    """Authors, reviewers and maintainers of the book: who hears about new feedback."""
    roles = (Role.author.value, Role.reviewer.value, Role.maintainer.value)
    return list(db().scalars(select(Membership.user_id).join(User, User.id == Membership.user_id)
                             .where(Membership.book == book, Membership.role.in_(roles), User.active.is_(True))))


def _tell_the_team(item: Feedback) -> None:
    people = [i for i in team_of(item.book) if i != item.user_id]
    excerpt = " ".join((item.text or item.selection or "").split())[:80]
    notify(people, "feedback", f"/books/{item.book}/feedback/{item.id}", f"feedback.new_{item.kind}",
           {"book": item.book, "page": item.chapter or item.page, "excerpt": excerpt, "number": item.id})
