"""Readers' feedback on published sites, and what the book's authors do with it.

A student on a page of a published site (a release, a preview or the draft)
reports an error, suggests, asks a question or rates the page. The platform
checks that the book, the version and the page exist, stores the reader's
words exactly as sent (shown escaped everywhere), tells the book's authors
and reviewers, and hands the asker a private follow link.

In the book's inbox, authors and reviewers reply, decide (answered, accepted,
declined with a reason, duplicate of another item), assign, publish an answer
under its page, or turn the item into a change request, which closes the item
when it is merged (``on_change_request_merged``).
"""


from __future__ import annotations
import csv
import hashlib
import io
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterable, Mapping
from flask_babel import lazy_gettext as _l
from flask import Flask, url_for
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload
from materials.paths import BOOK_SLUG
from server.audit.service import record
from server.change_requests import service as change_requests
from server.change_requests.signals import change_request_merged
from server.database import db, utcnow
from server.errors import UserError
from server.library import library
from server.spreadsheets import spreadsheet_safe
from server.audit.models import AuditEvent
from server.feedback.models import Feedback, FeedbackReply
from server.accounts.models import Membership, Role, User
from server.notifications.service import notify, register_text
from server.feedback.models import KINDS, STATES


# Sizes a reader may send; anything longer is refused with 413 rather than cut.
MAX_TEXT = 5000
MAX_SELECTION = 2000
MAX_NAME = 100
MAX_CONTACT = 200
MAX_BODY_BYTES = 32 * 1024  # the whole request; the form sends a few KB at most
# States people choose in the inbox; "closed" is set when the change request made from the item merges.
CHOSEN_STATES = ("new", "answered", "accepted", "declined", "duplicate")
RESOLVED = ("answered", "accepted", "declined", "duplicate", "closed")
# Site versions that are not releases, and the branch their pages come from.
UNRELEASED = {"main": "main", "draft": "main", "preview": "main", "latest": None}
PREVIEW = re.compile(r"^preview-([0-9]{1,9})$")
GENERATED_PAGES = ("jointbook/alignment.md", "jointbook/contributors.md", "jointbook/changes.md")
INBOX_PAGE_SIZE = 50

KIND_LABELS = {"error": _l("Error"), "suggestion": _l("Suggestion"), "question": _l("Question"),
               "rating": _l("Rating")}
STATE_LABELS = {"new": _l("New"), "answered": _l("Answered"), "accepted": _l("Accepted"),
                "declined": _l("Declined"), "duplicate": _l("Duplicate"), "closed": _l("Closed")}
NOTIFICATION_TEXTS = {
    "feedback.new_error": _l("A reader reported an error on “%(page)s” of %(book)s: %(excerpt)s"),
    "feedback.new_suggestion": _l("A reader made a suggestion on “%(page)s” of %(book)s: %(excerpt)s"),
    "feedback.new_question": _l("A reader asked a question on “%(page)s” of %(book)s: %(excerpt)s"),
    "feedback.new_rating": _l("A reader rated “%(page)s” of %(book)s: %(excerpt)s"),
    "feedback.assigned": _l("%(actor)s assigned you feedback #%(number)s on %(book)s."),
}


# ----------------------------------------------------------------------------- what a reader sends

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
    from materials import Library

    lib = Library(library_path)
    chapters = lib.files(commit, f"books/{book}/chapters/")
    prefix = f"books/{book}/"
    return frozenset(p[len(prefix):] for p in chapters if p.endswith(".md"))


def resolve_target(book: str, version: str, page: str) -> Target:
    """Check that the page exists in that version of the book (404 with a typed code otherwise)."""
    from materials import MaterialsError

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
        from urllib.parse import quote
        url += "#:~:text=" + quote(passage, safe="")
    return url


# ----------------------------------------------------------------------------- receiving

def _hash(token: str) -> str:
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
        follow_hash=_hash(token),
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


# ----------------------------------------------------------------------------- the inbox

@dataclass(frozen=True)
class InboxFilter:
    chapter: str | None = None
    version: str | None = None
    kind: str | None = None
    state: str | None = None
    assignee: str | None = None  # a user name, or "-" for nobody

    def apply(self, query: Select, book: str) -> Select:
        query = query.where(Feedback.book == book)
        if self.chapter:
            query = query.where(Feedback.chapter == self.chapter)
        if self.version:
            query = query.where(Feedback.version == self.version)
        if self.kind:
            query = query.where(Feedback.kind == self.kind)
        if self.state == "open":
            query = query.where(Feedback.state == "new")
        elif self.state:
            query = query.where(Feedback.state == self.state)
        if self.assignee == "-":
            query = query.where(Feedback.assignee_id.is_(None))
        elif self.assignee:
            query = query.where(Feedback.assignee_id.in_(select(User.id).where(User.username == self.assignee)))
        return query

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


def inbox(book: str, filters: InboxFilter, page: int = 1, per_page: int = INBOX_PAGE_SIZE) -> tuple[list[Feedback], int]:
    """One page of the book's feedback, newest first, and how many match in all."""
    total = db().scalar(filters.apply(select(func.count()).select_from(Feedback), book)) or 0
    query = filters.apply(select(Feedback), book).options(selectinload(Feedback.assignee))
    query = query.order_by(Feedback.created_at.desc(), Feedback.id.desc())
    items = list(db().scalars(query.offset(max(0, page - 1) * per_page).limit(per_page)))
    return items, total


def inbox_facets(book: str) -> dict[str, list[tuple[str, int]]]:
    """What the filters can choose from, with counts (chapters, versions, kinds, states)."""
    facets = {}
    for name, column in (("chapter", Feedback.chapter), ("version", Feedback.version),
                         ("kind", Feedback.kind), ("state", Feedback.state)):
        rows = db().execute(select(column, func.count()).where(Feedback.book == book, column.is_not(None))
                            .group_by(column).order_by(column))
        facets[name] = [(value, count) for value, count in rows]
    return facets


def find(book: str, number: int) -> Feedback:
    item = db().get(Feedback, number)
    if item is None or item.book != book:
        raise UserError("feedback.not_found", status=404, number=number)
    return item


def find_by_token(token: str) -> Feedback:
    if not token or len(token) > 100:
        raise UserError("feedback.not_found", status=404)
    item = db().scalar(select(Feedback).where(Feedback.follow_hash == _hash(token)))
    if item is None:
        raise UserError("feedback.not_found", status=404)
    return item


def _touch(item: Feedback, state: str | None = None) -> None:
    now = utcnow()
    item.updated_at = now
    if state is not None:
        item.state = state
        item.resolved_at = now if state in RESOLVED else None


def reply(item: Feedback, person: User, text: str, public: bool | None = None) -> FeedbackReply:
    """Answer the reader. The first answer marks a new item answered; ``public`` shows it under the page."""
    text = (text or "").strip()
    if not text:
        raise UserError("feedback.reply_empty", status=422)
    if len(text) > MAX_TEXT:
        raise UserError("feedback.too_large", status=413, field="text", limit=MAX_TEXT)
    answer = FeedbackReply(author_id=person.id, author_name=person.display_name, author_side=person.side, text=text)
    item.replies.append(answer)
    if item.answered_at is None:
        item.answered_at = utcnow()
    _touch(item, "answered" if item.state == "new" else None)
    if public is not None:
        item.public = public
    record("feedback.replied", target=f"{item.book}#{item.id}", public=item.public)
    db().commit()
    return answer


def set_state(item: Feedback, state: str, person: User, reason: str = "", duplicate_of: int | None = None) -> None:
    """Decide on an item: declining needs a reason, a duplicate names the item it repeats."""
    if state not in CHOSEN_STATES:
        raise UserError("feedback.bad_state", status=422, state=state)
    reason = (reason or "").strip()
    if len(reason) > MAX_TEXT:
        raise UserError("feedback.too_large", status=413, field="reason", limit=MAX_TEXT)
    if state == "declined" and not reason:
        raise UserError("feedback.reason_required", status=422)
    original = None
    if state == "duplicate":
        if duplicate_of is None or duplicate_of == item.id:
            raise UserError("feedback.duplicate_invalid", status=422, number=duplicate_of)
        original = db().get(Feedback, duplicate_of)
        if original is None or original.book != item.book or original.duplicate_of_id == item.id:
            raise UserError("feedback.duplicate_invalid", status=422, number=duplicate_of)
    item.reason = reason if state == "declined" else ""
    item.duplicate_of_id = original.id if original is not None else None
    _touch(item, state)
    record("feedback.state", target=f"{item.book}#{item.id}", state=state, reason=item.reason,
           duplicate_of=item.duplicate_of_id)
    db().commit()


def set_public(item: Feedback, public: bool) -> None:
    """Show (or hide) the question and its latest answer under the page, in the published site."""
    if public and not item.replies:
        raise UserError("feedback.public_needs_answer", status=422)
    item.public = bool(public)
    _touch(item)
    record("feedback.public", target=f"{item.book}#{item.id}", public=item.public)
    db().commit()


def assign(item: Feedback, username: str | None, actor: User) -> None:
    """Give the item to a member of the book who writes or reviews (None: nobody)."""
    if not username:
        item.assignee_id = None
    else:
        person = db().scalar(select(User).where(User.username == username))
        role = person and db().scalar(select(Membership.role).where(Membership.user_id == person.id,
                                                                     Membership.book == item.book))
        if person is None or not person.active or role in (None, Role.reader.value):
            raise UserError("feedback.assignee_invalid", status=422, username=username, book=item.book)
        item.assignee_id = person.id
        if person.id != actor.id:
            notify([person.id], "feedback", f"/books/{item.book}/feedback/{item.id}", "feedback.assigned",
                   {"actor": actor.display_name, "number": item.id, "book": item.book})
    _touch(item)
    record("feedback.assigned", target=f"{item.book}#{item.id}", assignee=username or "")
    db().commit()


def assignable(book: str) -> list[User]:
    roles = (Role.author.value, Role.reviewer.value, Role.maintainer.value)
    return list(db().scalars(select(User).join(Membership, Membership.user_id == User.id)
                             .where(Membership.book == book, Membership.role.in_(roles), User.active.is_(True))
                             .order_by(User.display_name)))


# ----------------------------------------------------------------------------- change requests

def change_request_text(item: Feedback) -> tuple[str, str]:
    """Title and description of a change request made from an item, in the reader's words."""
    what = {"error": "Fix", "suggestion": "Suggestion", "question": "Question", "rating": "Rating"}[item.kind]
    words = " ".join(item.text.split())
    title = f"{what} (feedback #{item.id}): {words[:80]}".strip()
    quoted = "\n".join("> " + line for line in item.text.splitlines() or [""])
    description = f"From reader feedback #{item.id} on `{item.page}` ({item.version}).\n\n"
    if item.selection:
        description += "Passage:\n\n" + "\n".join("> " + line for line in item.selection.splitlines()) + "\n\n"
    description += "Reader's words:\n\n" + quoted + "\n"
    return title[:200], description


def open_change_request(item: Feedback, person: User) -> Any:
    """A change request on the item's chapter, prefilled with the reader's words; links both ways."""
    if item.change_request is not None:
        raise UserError("feedback.change_request_exists", status=409, number=item.change_request)
    title, description = change_request_text(item)
    cr = change_requests.open_cr(person, item.book, title, description, origin=f"feedback:{item.id}")
    item.change_request = cr.number
    if item.state == "new":
        _touch(item, "accepted")
    record("feedback.change_request", target=f"{item.book}#{item.id}", change_request=cr.number)
    db().commit()
    return cr


def change_request_url(book: str, number: int) -> str:
    """The page of the change request made from an item."""
    return url_for("change_requests.show", book=book, number=number)


def on_change_request_merged(cr: Any) -> list[Feedback]:
    """Close the items a merged change request came from; idempotent.

    Works on anything with ``book`` and ``number`` (and optionally ``origin``,
    "feedback:<id>", and ``merged_by``). Adds to the session without
    committing, so the closing is saved with the merge itself: the
    ``change_request_merged`` signal calls it before the merge commits.
    """
    session = db()
    with session.no_autoflush:
        items = list(session.scalars(select(Feedback).where(Feedback.book == cr.book,
                                                            Feedback.change_request == cr.number)))
        origin = getattr(cr, "origin", None) or ""
        if origin.startswith("feedback:") and origin[9:].isdigit():
            linked = session.get(Feedback, int(origin[9:]))
            if linked is not None and linked.book == cr.book and linked not in items:
                items.append(linked)
    closed = []
    for item in items:
        item.change_request = cr.number
        if item.state in ("declined", "duplicate", "closed"):
            continue
        _touch(item, "closed")
        session.add(AuditEvent(actor_id=None, actor_name=(getattr(cr, "merged_by", None) or "system")[:64],
                               action="feedback.closed", target=f"{item.book}#{item.id}",
                               details={"change_request": cr.number}, ip=None))
        closed.append(item)
    return closed


def _closed_by_merge(_app: Flask, change_request: Any, **_: Any) -> list[Feedback]:
    return on_change_request_merged(change_request)


def init_feedback(app: Flask) -> None:
    """Feedback's part in the application: its notification sentences, and closing the items a
    change request came from when it merges (the ``change_request_merged`` signal)."""
    for code, text in NOTIFICATION_TEXTS.items():
        register_text(code, text)
    change_request_merged.connect(_closed_by_merge, sender=app)


# ----------------------------------------------------------------------------- what readers see

def latest_answer(item: Feedback) -> FeedbackReply | None:
    return item.replies[-1] if item.replies else None


def public_answers(book: str, page: str, limit: int = 50) -> list[dict[str, Any]]:
    """Answered items marked public under one page (every version), newest first, without who asked."""
    query = (select(Feedback).where(Feedback.book == book, Feedback.page == page.lstrip("/"),
                                    Feedback.public.is_(True))
             .options(selectinload(Feedback.replies))
             .order_by(Feedback.answered_at.desc(), Feedback.id.desc()).limit(limit))
    out = []
    for item in db().scalars(query):
        answer = latest_answer(item)
        if answer is None:
            continue
        out.append({"id": item.id, "kind": item.kind, "version": item.version, "selection": item.selection,
                    "text": item.text, "answer": answer.text, "answered_at": answer.created_at.isoformat()})
    return out


def follow_view(item: Feedback) -> dict[str, Any]:
    """What the asker sees through their private link: state, decision and answers (no team details)."""
    return {
        "id": item.id, "book": item.book, "version": item.version, "page": item.page, "kind": item.kind,
        "text": item.text, "selection": item.selection, "state": item.state,
        "reason": item.reason if item.state == "declined" else "",
        "public": item.public, "change_request": item.change_request,
        "created_at": item.created_at.isoformat(),
        "page_url": site_page_url(item.book, item.version, item.page),
        "replies": [{"text": r.text, "author": r.author_name, "side": r.author_side,
                     "created_at": r.created_at.isoformat()} for r in item.replies],
    }


def item_json(item: Feedback) -> dict[str, Any]:
    """The whole item, for the book's team."""
    return {
        "id": item.id, "book": item.book, "version": item.version, "page": item.page, "chapter": item.chapter,
        "kind": item.kind, "text": item.text, "selection": item.selection, "rating": item.rating,
        "helpful": item.helpful, "name": item.name, "contact": item.contact,
        "reader": item.user.username if item.user else None,
        "state": item.state, "reason": item.reason, "duplicate_of": item.duplicate_of_id,
        "assignee": item.assignee.username if item.assignee else None, "public": item.public,
        "change_request": item.change_request,
        "created_at": item.created_at.isoformat(),
        "answered_at": item.answered_at.isoformat() if item.answered_at else None,
        "resolved_at": item.resolved_at.isoformat() if item.resolved_at else None,
        "page_url": site_page_url(item.book, item.version, item.page, item.selection),
        "replies": [{"id": r.id, "text": r.text, "author": r.author_name, "side": r.author_side,
                     "created_at": r.created_at.isoformat()} for r in item.replies],
    }


# ----------------------------------------------------------------------------- export

CSV_COLUMNS = ("id", "created_at", "version", "page", "chapter", "kind", "state", "rating", "helpful",
               "selection", "text", "name", "contact", "assignee", "public", "answered_at", "resolved_at",
               "reason", "duplicate_of", "change_request", "replies", "latest_answer")


def csv_rows(items: Iterable[Feedback]) -> Iterable[list[str]]:
    yield list(CSV_COLUMNS)
    for item in items:
        answer = latest_answer(item)
        values = [item.id, item.created_at.isoformat(), item.version, item.page, item.chapter, item.kind,
                  item.state, item.rating, item.helpful, item.selection, item.text, item.name, item.contact,
                  item.assignee.username if item.assignee else "", item.public,
                  item.answered_at.isoformat() if item.answered_at else "",
                  item.resolved_at.isoformat() if item.resolved_at else "", item.reason, item.duplicate_of_id,
                  item.change_request, len(item.replies), answer.text if answer else ""]
        yield [spreadsheet_safe(v) for v in values]


def export_csv(book: str, filters: InboxFilter | None = None) -> str:
    """The book's feedback as CSV (UTF-8 with a byte-order mark so spreadsheets read Chinese)."""
    query = (filters or InboxFilter()).apply(select(Feedback), book).options(
        selectinload(Feedback.replies), selectinload(Feedback.assignee)).order_by(Feedback.id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(csv_rows(db().scalars(query)))
    return "\ufeff" + buffer.getvalue()


def when(value: datetime | None) -> str:
    return value.isoformat() if value else ""
