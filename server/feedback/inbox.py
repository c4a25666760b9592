"""The book's feedback inbox: what the team reads, answers, decides, assigns and exports.

Authors and reviewers reply, decide (answered, accepted, declined with a
reason, duplicate of another item), assign, and publish an answer under its
page (``answers``); turning an item into a change request is
``feedback.change_requests``.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from server.accounts.models import Membership, Role, User
from server.audit.service import record
from server.database import db, utcnow
from server.errors import UserError
from server.feedback.answers import latest_answer
from server.feedback.models import Feedback, FeedbackReply
from server.feedback.submissions import MAX_TEXT, follow_hash, site_page_url
from server.notifications.service import notify
from server.spreadsheets import spreadsheet_safe

# States people choose in the inbox; "closed" is set when the change request made from the item merges.
CHOSEN_STATES = ("new", "answered", "accepted", "declined", "duplicate")
RESOLVED = ("answered", "accepted", "declined", "duplicate", "closed")
INBOX_PAGE_SIZE = 50


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
    item = db().scalar(select(Feedback).where(Feedback.follow_hash == follow_hash(token)))
    if item is None:
        raise UserError("feedback.not_found", status=404)
    return item


def touch(item: Feedback, state: str | None = None) -> None:
    """Note that the item changed now, and its new state (an item resolved when it got one)."""
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
    touch(item, "answered" if item.state == "new" else None)
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
    touch(item, state)
    record("feedback.state", target=f"{item.book}#{item.id}", state=state, reason=item.reason,
           duplicate_of=item.duplicate_of_id)
    db().commit()


def set_public(item: Feedback, public: bool) -> None:
    """Show (or hide) the question and its latest answer under the page, in the published site."""
    if public and not item.replies:
        raise UserError("feedback.public_needs_answer", status=422)
    item.public = bool(public)
    touch(item)
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
    touch(item)
    record("feedback.assigned", target=f"{item.book}#{item.id}", assignee=username or "")
    db().commit()


def assignable(book: str) -> list[User]:
    roles = (Role.author.value, Role.reviewer.value, Role.maintainer.value)
    return list(db().scalars(select(User).join(Membership, Membership.user_id == User.id)
                             .where(Membership.book == book, Membership.role.in_(roles), User.active.is_(True))
                             .order_by(User.display_name)))


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
