"""The period a cooperation report covers: all time, a term, a year, dates, or the work of a release.

Read from the query string of the dashboard's pages and API (``period_from``)
and handed back in the links that choose it again (``Period.args``).
"""


from __future__ import annotations
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from materials import contributions
from review import metrics
from server.errors import UserError
from server.library import library


@dataclass(frozen=True)
class Period:
    """``[since, until)``; ``release`` when the period is the work that went into a release."""

    since: datetime | None = None
    until: datetime | None = None
    preset: str = "all"
    release: str | None = None  # version, e.g. "1.0"
    rev: str = "main"           # the revision whose text is measured (the release tag for a release)

    @property
    def key(self) -> tuple:
        return (self.since, self.until, self.release, self.rev)

    def args(self) -> dict[str, str]:
        """Query arguments that select this period again (for links and exports)."""
        if self.release:
            return {"release": self.release}
        if self.preset not in ("all", "custom"):
            return {"period": self.preset}
        if self.preset == "custom":
            out = {}
            if self.since:
                out["from"] = self.since.date().isoformat()
            if self.until:
                out["to"] = (self.until - timedelta(days=1)).date().isoformat()
            return out
        return {}


def _day(raw: str | None, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise UserError("dashboard.period_invalid", status=422, detail=f"{name}: {raw[:20]}") from None


def period_from(args: Any, book: str | None = None, today: date | None = None) -> Period:
    """Read ``release=<version>``, ``period=term|year|academic-year`` or ``from``/``to`` (days, inclusive)."""
    release = (args.get("release") or "").strip()
    if release:
        if book is None:
            raise UserError("dashboard.period_invalid", status=422, detail="a release belongs to one book")
        tag = f"{book}/v{release}"
        for name, since, until in contributions.release_periods(library(), book):
            if name == tag:  # the release's own second counts: a tag made right after its last commit
                return Period(since + timedelta(seconds=1) if since else None, until + timedelta(seconds=1),
                              "release", release, tag)
        raise UserError("feedback.unknown_version", status=404, book=book, version=release)
    preset = (args.get("period") or "").strip()
    if preset in metrics.PERIOD_KINDS and preset != "custom":
        since, until = metrics.period_bounds(preset, today or datetime.now(timezone.utc).date())
        return Period(since, until, preset)
    start, end = _day(args.get("from"), "from"), _day(args.get("to"), "to")
    if start is None and end is None:
        return Period()
    since = datetime(start.year, start.month, start.day, tzinfo=timezone.utc) if start else None
    until = datetime(end.year, end.month, end.day, tzinfo=timezone.utc) + timedelta(days=1) if end else None
    if since and until and until <= since:
        raise UserError("dashboard.period_invalid", status=422, detail="from is after to")
    return Period(since, until, "custom")


def year_period(year: int) -> Period:
    """The calendar year ``year`` (the college's annual quality report), as chosen days."""
    if not 1970 <= year <= 9998:
        raise UserError("dashboard.period_invalid", status=422, detail=f"year: {year}")
    return Period(datetime(year, 1, 1, tzinfo=timezone.utc), datetime(year + 1, 1, 1, tzinfo=timezone.utc), "custom")
