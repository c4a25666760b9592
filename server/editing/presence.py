"""Who else has a chapter open on the same branch: "王老师 is editing this chapter (since 10:02)".

The editor page says it is there when it opens and again every ``heartbeat()`` seconds while it stays
open (a small JSON request); a person not heard from for three heartbeats and a bit no longer counts,
so a closed tab or a sleeping laptop drops out by itself. The rows live in the database, not in a
process's memory, because ``jointbook serve`` answers with several processes that must agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_time
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from server.accounts.models import User
from server.database import db, utcnow
from server.editing.models import ChapterPresence



def heartbeat() -> int:
    """Seconds between two "still here" of an open editor page (``PRESENCE_HEARTBEAT_SECONDS``, 15)."""
    return int(current_app.config["PRESENCE_HEARTBEAT_SECONDS"])


def _expired(now: datetime, times: int = 1) -> datetime:
    """Not heard from since this time: gone (three missed heartbeats and a few seconds of slack)."""
    return now - times * timedelta(seconds=3 * heartbeat() + 5)


@dataclass(frozen=True)
class Editing:
    """Someone else with the chapter open, as the page names them."""

    name: str  # display name
    side: str
    since: datetime

    @property
    def text(self) -> str:
        return _("%(name)s is editing this chapter (since %(time)s)", name=self.name,
                 time=format_time(self.since, "HH:mm"))


def here(user: User, book: str, branch: str, file: str) -> list[Editing]:
    """``user`` has the chapter open (now, and still): record it, and say who else has it open."""
    now = utcnow()
    key = (ChapterPresence.branch == branch, ChapterPresence.file == file)
    row = db().scalar(select(ChapterPresence).where(*key, ChapterPresence.user_id == user.id))
    if row is None or row.seen < _expired(now):
        if row is None:
            row = ChapterPresence(book=book, branch=branch, file=file, user_id=user.id)
            db().add(row)
        row.since = now  # back after a while away: a new stretch of editing
    row.seen = now
    try:
        db().commit()
    except IntegrityError:  # the same person's other tab, in another process, wrote the row first
        db().rollback()
        row = db().scalar(select(ChapterPresence).where(*key, ChapterPresence.user_id == user.id))
        row.seen = now
        db().commit()
    return others(user, branch, file, now)


def others(user: User, branch: str, file: str, now: datetime | None = None) -> list[Editing]:
    """Everyone but ``user`` who has the chapter open on ``branch``, longest there first."""
    fresh = _expired(now or utcnow())
    rows = db().execute(select(User.display_name, User.username, User.side, ChapterPresence.since)
                        .join(User, User.id == ChapterPresence.user_id)
                        .where(ChapterPresence.branch == branch, ChapterPresence.file == file,
                               ChapterPresence.user_id != user.id, ChapterPresence.seen >= fresh)
                        .order_by(ChapterPresence.since, User.display_name))
    return [Editing(name or username, side, since) for name, username, side, since in rows]


def gone(user: User, branch: str, file: str) -> None:
    """``user`` closed the chapter; rows nobody refreshed for long are swept on the way."""
    stale = _expired(utcnow(), times=10)
    db().execute(delete(ChapterPresence).where(
        ((ChapterPresence.branch == branch) & (ChapterPresence.file == file) & (ChapterPresence.user_id == user.id))
        | (ChapterPresence.seen < stale)))
    db().commit()
