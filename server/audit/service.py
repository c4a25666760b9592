"""Recording who changed what, for the audit log administrators read."""


from __future__ import annotations
from typing import Any
from flask import has_request_context, request
from flask_login import current_user
from server.database import db
from server.audit.models import AuditEvent


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
