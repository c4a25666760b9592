"""Telling people that something needs them: the bell in the header, and e-mail when SMTP is set.

Any part of the platform calls::

    notify(user_ids, kind, target_url, text_code, params)

``text_code`` names a sentence in ``TEXTS`` (register your own with
``register_text``); it is translated when shown, so each person reads it in
their language. E-mail goes out from a job (``notifications.email``), never
inside the request, and only when ``SMTP_HOST`` and ``SMTP_FROM`` are set.
"""


from __future__ import annotations
import logging
import smtplib
from email.message import EmailMessage
from typing import Any, Iterable
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from server import names
from server.database import db, new_session, utcnow
from server.errors import UserError, _Params
from server.jobs.queue import JobContext, enqueue, job_kind
from server.notifications.models import Notification
from server.accounts.models import User


log = logging.getLogger(__name__)

KINDS = ("review_requested", "comment", "approval", "changes_requested", "merged", "closed", "feedback", "other")

TEXTS: dict[str, Any] = {
    "cr.review_requested": _l("%(actor)s asks for your review of change request #%(number)s “%(title)s”."),
    "cr.comment": _l("%(actor)s commented on change request #%(number)s “%(title)s”."),
    "cr.approved": _l("%(actor)s approved change request #%(number)s “%(title)s”."),
    "cr.changes_requested": _l("%(actor)s requested changes to change request #%(number)s “%(title)s”."),
    "cr.commented_review": _l("%(actor)s reviewed change request #%(number)s “%(title)s”."),
    "cr.merged": _l("%(actor)s merged change request #%(number)s “%(title)s”."),
    "cr.closed": _l("%(actor)s closed change request #%(number)s “%(title)s”."),
    "cr.suggestion_applied": _l("%(actor)s applied your suggestion in change request #%(number)s “%(title)s”."),
    "cr.overridden": _l("%(actor)s overrode the request for changes on change request #%(number)s “%(title)s”."),
    "feedback.new_error": _l("A reader reported an error on “%(page)s” of %(book)s: %(excerpt)s"),
    "feedback.new_suggestion": _l("A reader made a suggestion on “%(page)s” of %(book)s: %(excerpt)s"),
    "feedback.new_question": _l("A reader asked a question on “%(page)s” of %(book)s: %(excerpt)s"),
    "feedback.new_rating": _l("A reader rated “%(page)s” of %(book)s: %(excerpt)s"),
    "feedback.assigned": _l("%(actor)s assigned you feedback #%(number)s on %(book)s."),
}


def register_text(code: str, template: Any) -> None:
    """Let another part add its sentences (a lazy ``_l`` string with ``%(name)s`` parameters)."""
    TEXTS[code] = template


def text_of(notification: Notification) -> str:
    """The sentence, in the current request's language."""
    template = TEXTS.get(notification.text_code)
    if template is None:
        return notification.text_code
    params = {k: v for k, v in (notification.params or {}).items() if v is not None}
    if notification.text_code.startswith("feedback.") and params.get("book"):
        # stored as the book's slug and the chapter's file; read as their titles
        if params.get("page"):
            params["page"] = names.chapter(params["book"], params["page"])
        params["book"] = names.book(params["book"])
    return str(template) % _Params(params)


def notify(user_ids: Iterable[int], kind: str, target_url: str, text_code: str,
           params: dict[str, Any] | None = None) -> list[Notification]:
    """Add one notification per person (duplicates ignored) to the request's session.

    Call it when your change is complete: with e-mail on, it queues the
    mail job, which commits the session.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if text_code not in TEXTS:
        raise ValueError(f"unknown notification text {text_code!r}; register_text() it first")
    rows = []
    for user_id in dict.fromkeys(i for i in user_ids if i is not None):
        row = Notification(user_id=user_id, kind=kind, target_url=target_url[:500], text_code=text_code,
                           params=dict(params or {}))
        db().add(row)
        rows.append(row)
    if rows:
        db().flush()
        if email_enabled(current_app):
            enqueue(db(), "notifications.email", {"ids": [r.id for r in rows]})
    return rows


# ------------------------------------------------------------------ reading

def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return db().scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def notifications_of(user: Any, *, unread_only: bool = False, limit: int = 100) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(db().scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications read (all of them when ``ids`` is None); returns how many."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    result = db().execute(query.values(read_at=utcnow()))
    db().commit()
    return result.rowcount or 0


def find_notification(user: Any, notification_id: int) -> Notification:
    row = db().get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        raise UserError("notification.not_found", status=404)
    return row


def notification_json(row: Notification) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "url": row.target_url, "text": text_of(row),
            "text_code": row.text_code, "params": row.params or {},
            "created_at": row.created_at.isoformat(), "read": row.read_at is not None}


# ------------------------------------------------------------------ e-mail

def email_enabled(app: Flask) -> bool:
    return bool(app.config.get("SMTP_HOST") and app.config.get("SMTP_FROM"))


def absolute_url(app: Flask, target: str) -> str:
    if target.startswith(("http://", "https://")):
        return target
    return app.config.get("PLATFORM_URL", "").rstrip("/") + "/" + target.lstrip("/")


def compose_email(app: Flask, user: User, notification: Notification) -> EmailMessage | None:
    """The mail for one notification, in the platform's default language; None without an address."""
    if not user.email or not user.active:
        return None
    locale = app.config.get("DEFAULT_LOCALE", "zh_CN")
    with force_locale(locale):
        text = text_of(notification)
        footer = str(_l("Open it on Jointbook: %(url)s")) % {"url": absolute_url(app, notification.target_url)}
        unsubscribe = str(_l("You receive this because you take part in this textbook on Jointbook."))
    message = EmailMessage()
    message["Subject"] = f"[Jointbook] {text}"[:200]
    message["From"] = app.config["SMTP_FROM"]
    message["To"] = user.email
    message.set_content(f"{text}\n\n{footer}\n\n-- \n{unsubscribe}\n")
    return message


def send_messages(app: Flask, messages: list[EmailMessage]) -> int:
    """Deliver over SMTP (STARTTLS and login when configured); returns how many were sent."""
    if not messages:
        return 0
    host, port = app.config["SMTP_HOST"], int(app.config.get("SMTP_PORT") or 25)
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        if app.config.get("SMTP_STARTTLS"):
            smtp.starttls()
        if app.config.get("SMTP_USER"):
            smtp.login(app.config["SMTP_USER"], app.config.get("SMTP_PASSWORD") or "")
        for message in messages:
            smtp.send_message(message)
    return len(messages)


@job_kind("notifications.email")
def email_notifications(job: JobContext) -> dict[str, Any]:
    """Mail the notifications of ``payload["ids"]`` that were not mailed yet."""
    app = job.app
    if not email_enabled(app):
        job.log("SMTP is not configured; nothing sent")
        return {"sent": 0}
    with new_session(app) as session:
        rows = session.scalars(select(Notification).where(Notification.id.in_(job.payload.get("ids") or []),
                                                          Notification.emailed.is_(False))).all()
        messages = []
        with app.test_request_context():
            for row in rows:
                user = session.get(User, row.user_id)
                message = compose_email(app, user, row) if user else None
                if message is not None:
                    messages.append(message)
        sent = send_messages(app, messages)
        for row in rows:
            row.emailed = True
        session.commit()
    job.log(f"sent {sent} e-mail(s)")
    return {"sent": sent}
