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
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import select

from materials import Library, MaterialsError
from server.accounts.models import Membership, Role, User
from server.rest.schemas import Body
from server.database import db
from server.errors import UserError
from server.feedback.models import KINDS, Feedback
from server.library import book_title, library
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
GENERATED_PAGES = ("jointbook/alignment.md", "jointbook/contributors.md", "jointbook/changes.md",
                   "jointbook/downloads.md")


# ----------------------------------------------------------------------------- what a reader sends

def _absent_is_empty(value: Any) -> Any:
    return "" if value is None else value


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _rating(value: Any) -> Any:
    """A form sends "" for no rating; ``true`` is no rating of 1."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError("a rating is a number from 1 to 5")
    return value


def _helpful(value: Any) -> Any:
    return None if value in (None, "") else value


def _sent(limit: int, description: str | None = None) -> Any:
    """Text the reader sent: absent or null is empty, never cut (too long is a 413)."""
    return Annotated[str, BeforeValidator(_absent_is_empty), Field(max_length=limit, description=description)]


class _Missing(ValueError):
    """What the reader left out: the site's form marks that field."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is missing")
        self.field = field


class FeedbackSubmission(Body):
    """The site's feedback form (``templates/site/partials/jointbook-feedback.html``), as JSON or as the
    posted form itself: its fields are text, so numbers and yes/no are read from text, other fields ignored."""

    model_config = ConfigDict(extra="ignore", strict=False)

    book: _sent(64)
    version: _sent(64)
    page: _sent(255, "the page's source, e.g. chapters/01-x.md")
    kind: Annotated[Literal[KINDS], BeforeValidator(_stripped)]
    text: _sent(MAX_TEXT) = ""
    selection: _sent(MAX_SELECTION) = ""
    rating: Annotated[Annotated[int, Field(ge=1, le=5)] | None, BeforeValidator(_rating)] = None
    helpful: Annotated[bool | None, BeforeValidator(_helpful)] = None
    name: _sent(MAX_NAME) = ""
    contact: _sent(MAX_CONTACT) = ""
    website: _sent(500, "leave empty (a trap for robots)") = ""

    @model_validator(mode="after")
    def _what_a_reader_must_say(self) -> FeedbackSubmission:
        self.book, self.version, self.page = self.book.strip(), self.version.strip(), self.page.strip().lstrip("/")
        self.selection, self.name, self.contact = self.selection.strip(), self.name.strip(), self.contact.strip()
        if not self.book or not self.version or not self.page:
            raise _Missing("book/version/page")
        if self.kind != "rating" and not self.text.strip():
            raise _Missing("text")
        if self.kind == "rating" and self.rating is None and self.helpful is None and not self.text.strip():
            raise _Missing("rating")
        return self

    @property
    def is_robot(self) -> bool:
        """The honeypot: people never see ``website``, form-filling robots fill it in."""
        return bool(self.website.strip())

    @classmethod
    def refused(cls, error: ValidationError) -> UserError:
        """What the site's form shows: the field that is wrong, and 413 for text too long (never cut)."""
        first = error.errors(include_url=False)[0]
        cause = (first.get("ctx") or {}).get("error")
        field = str(first["loc"][0]) if first["loc"] else cause.field if isinstance(cause, _Missing) else "body"
        if first["type"] in ("string_too_long", "too_long"):
            return UserError("feedback.too_large", status=413, field=field, limit=first["ctx"]["max_length"])
        return UserError("feedback.invalid", status=422, field=field)


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
    book_title(book)  # 404 for an unknown book
    lib = library()
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


def receive(submission: FeedbackSubmission, reader: Any = None) -> tuple[Feedback, str]:
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
