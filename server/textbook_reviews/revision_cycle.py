"""Deadlines of the revision cycle on the book page, and the notices maintainers get before them.

``materials.revision_cycle`` says what is due on a given day; here the day is
today (or the one a test passes in), the last update is the last commit that
changed the book's chapters on ``main``, and a daily task tells each book's
maintainers once per deadline, ``REVISION_NOTICE_DAYS`` (default 90) before it
and again when it has passed.
"""


from __future__ import annotations
from datetime import date, datetime, timezone
from typing import Any
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from huey import crontab
from sqlalchemy import select
from materials import MaterialsError
from materials.revision_cycle import Cycle, cycle
from server.accounts.models import Membership, Role
from server.database import db
from server.jobs.queue import queue_of
from server.library import library
from server.notifications.models import Notification
from server.notifications.service import notify, register_text


NOTICE_DAYS = 90
TEXTS = {
    "revision.due_soon": _l("The 3-year revision of %(book)s is due %(due)s."),
    "revision.overdue": _l("The revision of %(book)s was due %(due)s and has not been released."),
    "revision.update_due": _l("%(book)s has had no update in %(months)s months: the yearly update is due %(due)s."),
    "revision.superseded": _l("Standard %(standard)s, which %(book)s follows, was superseded: %(chapters)s chapters affected."),
}
for _code, _text in TEXTS.items():
    register_text(_code, _text)


def notice_days() -> int:
    return int(current_app.config.get("REVISION_NOTICE_DAYS", NOTICE_DAYS))


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


def book_cycle(book: str, today: date | None = None) -> Cycle | None:
    """The book's revision cycle on ``today`` (None when its settings cannot be read)."""
    lib = library()
    try:
        the_book = lib.book(book, "main")
        last = lib.log("main", f"books/{book}/chapters", limit=1, follow=False)
    except MaterialsError:
        return None
    config = the_book.config
    return cycle(config.edition_date, config.revision_due, last[0].authored_at.date() if last else None,
                 today or today_utc(), notice_days=notice_days(), standards=lib.standards("main"),
                 declared=config.standards, chapter_refs={c.filename: c.meta.standards for c in the_book.chapters})


def _notices(book: str, title: str, state: Cycle) -> list[tuple[str, str, dict[str, Any]]]:
    """(text code, the deadline it is about, params) of what the maintainers should hear now."""
    out = []
    if state.revision_due and state.revision_overdue:
        out.append(("revision.overdue", state.revision_due.isoformat(),
                    {"book": title, "due": state.revision_due.strftime("%Y-%m")}))
    elif state.revision_due and state.revision_soon:
        out.append(("revision.due_soon", state.revision_due.isoformat(),
                    {"book": title, "due": state.revision_due.strftime("%Y-%m")}))
    if state.last_update and (state.update_due or state.update_soon):
        due = state.last_update.replace(year=state.last_update.year + 1, day=min(state.last_update.day, 28))
        out.append(("revision.update_due", due.isoformat(),
                    {"book": title, "months": state.months_since_update, "due": due.strftime("%Y-%m")}))
    for s in state.superseded:
        out.append(("revision.superseded", s.standard, {"book": title, "standard": s.title,
                                                         "chapters": len(s.chapters)}))
    return out


def send_deadline_notices(today: date | None = None) -> int:
    """Tell each book's maintainers of what is due (once per deadline); how many notifications were added."""
    today = today or today_utc()
    lib = library()
    added = 0
    for book in lib.books("main"):
        state = book_cycle(book, today)
        if state is None:
            continue
        try:
            title = lib.book(book, "main", chapters=False).config.title
        except MaterialsError:
            title = book
        maintainers = list(db().scalars(select(Membership.user_id).where(Membership.book == book,
                                                                        Membership.role == Role.maintainer.value)))
        for code, about, params in _notices(book, title, state):
            target = f"/books/{book}#revision-cycle"
            told = set(db().scalars(select(Notification.user_id).where(
                Notification.text_code == code, Notification.target_url == target,
                Notification.user_id.in_(maintainers))).all()) if maintainers else set()
            already = {uid for uid in told if about in _about(uid, code, target)}
            fresh = [uid for uid in maintainers if uid not in already]
            added += len(notify(fresh, "other", target, code, {**params, "about": about}))
    db().commit()
    return added


def _about(user_id: int, code: str, target: str) -> set[str]:
    """The deadlines ``user_id`` was already told of with ``code`` (kept in the notification's params)."""
    rows = db().scalars(select(Notification.params).where(Notification.user_id == user_id,
                                                          Notification.text_code == code,
                                                          Notification.target_url == target))
    return {str((p or {}).get("about")) for p in rows}


def init_revision_cycle(app: Flask) -> None:
    """Look at the deadlines every morning (on the queue's scheduler, like the job sweep)."""
    huey = queue_of(app).huey

    @huey.periodic_task(crontab(hour="7", minute="0"), name="revision_deadlines")
    def revision_deadlines() -> None:
        with app.app_context():
            send_deadline_notices()
