"""The revision cycle of a planned textbook: revised at least every three years, updated every year.

``book.yml`` carries the edition's date (``edition_date``) and, when the
editors plan it otherwise, the planned revision date (``revision_due``); by
default a revision is due three years after the edition. Dates are
``YYYY-MM`` or ``YYYY-MM-DD``. ``cycle`` says, for a given day (always passed
in, so the rules are tested without waiting), what is due: the revision, the
yearly update (no change to the chapters for too long) and the standards the
book follows that were superseded, with the chapters they affect.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Mapping

REVISION_YEARS = 3
UPDATE_MONTHS = 12
_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def parse_date(value) -> date | None:
    """``YYYY-MM`` (the first of the month) or ``YYYY-MM-DD`` (or a date YAML already read); None if absent."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    match = _MONTH.match(str(value).strip())
    if not match:
        raise ValueError(value)
    return date(int(match[1]), int(match[2]), int(match[3] or 1))


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


def months_between(earlier: date, later: date) -> int:
    """Whole months from ``earlier`` to ``later`` (0 when later is not later)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month - (later.day < earlier.day)
    return max(0, months)


@dataclass(frozen=True)
class Superseded:
    standard: str
    title: str
    chapters: tuple[str, ...]     # chapter files whose front matter names its items


@dataclass(frozen=True)
class Cycle:
    """What the book page and the notices say about one book on one day."""

    edition_date: date | None
    revision_due: date | None
    revision_overdue: bool
    revision_soon: bool            # within the notice period before it is due
    last_update: date | None
    months_since_update: int | None
    update_due: bool               # no change to the chapters for UPDATE_MONTHS or more
    update_soon: bool              # within the notice period before the yearly update is due
    superseded: list[Superseded] = field(default_factory=list)


def revision_due(edition_date: date | None, planned: date | None) -> date | None:
    if planned is not None:
        return planned
    return add_months(edition_date, 12 * REVISION_YEARS) if edition_date else None


def cycle(edition: str | None, planned: str | None, last_update: date | None, today: date, *,
          notice_days: int = 90, standards: Mapping | None = None, declared: Iterable[str] = (),
          chapter_refs: Mapping[str, Iterable[str]] | None = None) -> Cycle:
    """The revision cycle of a book on ``today``; ``notice_days`` before a deadline it is "soon"."""
    edition_date, planned_date = parse_date(edition), parse_date(planned)
    due = revision_due(edition_date, planned_date)
    months = months_between(last_update, today) if last_update else None
    update_by = add_months(last_update, UPDATE_MONTHS) if last_update else None
    superseded = []
    for sid in declared:
        std = (standards or {}).get(sid)
        if std is None or getattr(std, "status", "current") != "superseded":
            continue
        own = {item.key for item in std.items}
        hits = tuple(c for c, refs in (chapter_refs or {}).items()
                     if any(r.split(":", 1)[-1] in own and (":" not in r or r.split(":", 1)[0] == sid) for r in refs))
        superseded.append(Superseded(sid, std.title, hits))
    return Cycle(
        edition_date=edition_date, revision_due=due,
        revision_overdue=bool(due and today > due),
        revision_soon=bool(due and today <= due and (due - today).days <= notice_days),
        last_update=last_update, months_since_update=months,
        update_due=bool(update_by and today >= update_by),
        update_soon=bool(update_by and today < update_by and (update_by - today).days <= notice_days),
        superseded=superseded)
