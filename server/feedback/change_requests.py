"""Feedback that becomes a change request, and is closed when that change request merges.

The change-request service knows nothing of feedback: it sends
``change_request_merged``, and ``init_feedback`` connects the receiver here
when the application is set up.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, url_for
from sqlalchemy import select

from server.accounts.models import User
from server.audit.models import AuditEvent
from server.audit.service import record
from server.change_requests.lifecycle import open_cr
from server.change_requests.signals import change_request_merged
from server.database import db
from server.errors import UserError
from server.feedback.inbox import touch
from server.feedback.models import Feedback


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
    cr = open_cr(person, item.book, title, description, origin=f"feedback:{item.id}")
    item.change_request = cr.number
    if item.state == "new":
        touch(item, "accepted")
    record("feedback.change_request", target=f"{item.book}#{item.id}", change_request=cr.number)
    db().commit()
    return cr


def change_request_url(book: str, number: int) -> str:
    """The page of the change request made from an item."""
    return url_for("change_requests.show", book=book, number=number)


def on_change_request_merged(cr: Any) -> list[Feedback]:
    """Close the items a merged change request came from; idempotent.

    Works on anything with ``book``, ``number``, ``origin`` ("feedback:<id>" for a
    change request made from an item) and ``merged_by``. Adds to the session without
    committing, so the closing is saved with the merge itself: the
    ``change_request_merged`` signal calls it before the merge commits.
    """
    session = db()
    with session.no_autoflush:
        items = list(session.scalars(select(Feedback).where(Feedback.book == cr.book,
                                                            Feedback.change_request == cr.number)))
        origin = cr.origin or ""
        if origin.startswith("feedback:") and origin[9:].isdigit():
            linked = session.get(Feedback, int(origin[9:]))
            if linked is not None and linked.book == cr.book and linked not in items:
                items.append(linked)
    closed = []
    for item in items:
        item.change_request = cr.number
        if item.state in ("declined", "duplicate", "closed"):
            continue
        touch(item, "closed")
        session.add(AuditEvent(actor_id=None, actor_name=(cr.merged_by or "system")[:64],
                               action="feedback.closed", target=f"{item.book}#{item.id}",
                               details={"change_request": cr.number}, ip=None))
        closed.append(item)
    return closed


def _closed_by_merge(_app: Flask, change_request: Any, **_: Any) -> list[Feedback]:
    return on_change_request_merged(change_request)


def init_feedback(app: Flask) -> None:
    """Feedback's part in the application: closing the items a change request came from when it
    merges (the ``change_request_merged`` signal)."""
    change_request_merged.connect(_closed_by_merge, sender=app)
