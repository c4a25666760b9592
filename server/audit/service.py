"""Recording who changed what, and reading it back for the audit log administrators read."""


from __future__ import annotations
import csv
import io
import json
from typing import Any
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, func, select
from server.database import db
from server.audit.models import AuditEvent

PAGE_SIZE = 50


def record(action: str, target: str = "", actor: Any = None, **details: Any) -> AuditEvent:
    """Add an event to the request's session; it is saved with the change it describes."""
    actor = actor if actor is not None else (current_user if has_request_context() else None)
    signed = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        actor_id=actor.id if signed else None,
        actor_name=actor.username if signed else "system",
        action=action,
        target=target,
        details=details,
        ip=request.remote_addr if has_request_context() else None,
    )
    db().add(event)
    return event


def _of_action(action: str) -> Select:
    query = select(AuditEvent)
    return query.where(AuditEvent.action == action) if action else query


def events_page(action: str = "", page: int = 1, per_page: int = PAGE_SIZE) -> tuple[list[AuditEvent], int]:
    """One page of the log (of one action, or all), newest first, and how many events match in all."""
    query = _of_action(action)
    total = db().scalar(select(func.count()).select_from(query.subquery())) or 0
    events = db().scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                          .offset((page - 1) * per_page).limit(per_page)).all()
    return list(events), total


def export_csv(action: str = "") -> str:
    """The whole log (or one action) as CSV, oldest first, with a byte-order mark so spreadsheets read Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at", "actor", "action", "target", "details", "ip"])
    for e in db().scalars(_of_action(action).order_by(AuditEvent.at, AuditEvent.id)):
        writer.writerow([e.at.isoformat(), e.actor_name, e.action, e.target,
                         json.dumps(e.details or {}, ensure_ascii=False, sort_keys=True), e.ip or ""])
    return "\ufeff" + out.getvalue()
