"""The life of a change request: opening it (branch ``cr/<n>`` from main), closing, reopening,
marking it ready or a draft, and its title and description."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from review import workflow
from server.audit.service import record
from server.change_requests.checks import schedule_checks
from server.change_requests.commits import follow_new_head
from server.change_requests.models import ChangeRequest
from server.change_requests.service import (MAX_BODY, ask_for_reviews, audit_target, require_manage, review_errors,
                                            store, tell, to_domain)
from server.database import db, utcnow
from server.errors import UserError
from server.library import library
from server.permissions import Ability, may


def _next_number() -> int:
    return (db().scalar(select(func.max(ChangeRequest.number))) or 0) + 1


def open_cr(user: Any, book: str, title: str, description: str = "", *, draft: bool = False,
            origin: str | None = None) -> ChangeRequest:
    """Start a change request on ``book``: branch ``cr/<n>`` from main, record, audit, ask for reviews."""
    if not may(user, Ability.write, book):
        raise UserError("http.403", status=403)
    lib = library()
    description = (description or "")[:MAX_BODY]
    number = _next_number()
    for _attempt in range(20):
        try:
            with review_errors():
                cr = workflow.open_change_request(lib, number=number, book=book, title=title, author=user.username,
                                                  author_side=user.side, description=description, draft=draft)
            break
        except UserError as error:
            if error.code != "change_request.exists":
                raise
            number += 1  # a branch of that number exists (another process, or an old record)
    else:
        raise UserError("change_request.exists", status=409, number=number)
    row = ChangeRequest(number=cr.number, book=book, title=cr.title, description=cr.description,
                        author_id=user.id, author_name=user.username, author_side=user.side, branch=cr.branch,
                        base=cr.base, head=cr.head, state=cr.state, origin=origin)
    db().add(row)
    try:
        db().flush()
    except IntegrityError:
        db().rollback()
        lib.delete_branch(cr.branch)
        raise UserError("change_request.exists", status=409, number=cr.number) from None
    record("change_request.open", target=audit_target(row), title=row.title, state=row.state)
    db().commit()
    schedule_checks(row)
    if row.state == "open":
        ask_for_reviews(user, row)
    db().commit()
    return row


def change_state(user: Any, row: ChangeRequest, action: str) -> ChangeRequest:
    """close | reopen | ready (draft -> open) | draft (open -> draft)."""
    require_manage(user, row)
    lib = library()
    with review_errors():
        cr = to_domain(row)
        if action == "close":
            new = workflow.close(cr)
        elif action == "reopen":
            new = workflow.reopen(lib, cr)
        elif action == "ready":
            new = workflow.mark_ready(cr)
        elif action == "draft":
            new = workflow.convert_to_draft(cr)
        else:
            raise UserError("request.invalid", status=422, detail=f"action: {action[:20]}")
    old_head = row.head
    store(row, new)
    row.closed_at = utcnow() if new.state == "closed" else None
    if new.head != old_head:
        row.head = old_head
        follow_new_head(row, new.head)
    record(f"change_request.{action}", target=audit_target(row), state=row.state)
    db().flush()
    if action == "ready" or (action == "reopen" and row.state == "open"):
        ask_for_reviews(user, row)
    elif action == "close":
        tell(user, row, "closed", "cr.closed")
    db().commit()
    schedule_checks(row)
    return row


def edit_details(user: Any, row: ChangeRequest, title: str, description: str) -> None:
    require_manage(user, row)
    title = (title or "").strip()
    if not title:
        raise UserError("change_request.title_required", status=422)
    if len(title) > 200:
        raise UserError("change_request.title_too_long", status=422, limit=200)
    row.title, row.description = title, (description or "")[:MAX_BODY]
    record("change_request.edit", target=audit_target(row))
    db().commit()
