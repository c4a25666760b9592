"""The review indicators a college reports of its school–enterprise cooperation, and the hours of contribution.

Plain records in (``metrics.CRRecord``, ``metrics.ReviewRecord``, and each
person's dated commits), plain figures out, as in ``metrics``:

* **joint reviews**: change requests that reviewers of both sides approved,
  counted when the second side's first approval falls in the period;
* **turnaround of a side's reviews**: from a change request going into
  review to that side's first review of it, for reviews given in the period;
* **hours of contribution, approximated**. Nobody logs their hours, so they
  are estimated from what the history holds, the way ``git-hours`` does:
  a person's commits and reviews, in time order, make one working session
  while they come less than ``SESSION_GAP`` (2 h) apart; a session lasts
  from its first to its last event, plus ``SESSION_START`` (30 min) for the
  work before the first one. A lone commit or review is thus half an hour.
  The figure is an approximation and the dashboard says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterable

from .metrics import CRRecord, Durations, ReviewRecord, durations, in_period

__all__ = ["SESSION_GAP", "SESSION_START", "Activity", "PersonHours", "approximate_hours", "hours_by_person",
           "JointReviews", "joint_reviews", "turnaround"]

SESSION_GAP = timedelta(hours=2)
SESSION_START = timedelta(minutes=30)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Activity:
    """One dated thing a person did: a commit or a review."""

    person: str        # the key that joins commits and reviews: the e-mail their commits carry
    name: str
    what: str          # "commit" | "review"
    at: datetime


@dataclass(frozen=True)
class PersonHours:
    person: str
    name: str
    commits: int
    reviews: int
    sessions: int
    hours: float


def approximate_hours(times: Iterable[datetime]) -> tuple[int, timedelta]:
    """(sessions, estimated time) for one person's event times (see the module's rule)."""
    ordered = sorted(_aware(t) for t in times)
    if not ordered:
        return 0, timedelta(0)
    sessions, total, start, last = 1, timedelta(0), ordered[0], ordered[0]
    for t in ordered[1:]:
        if t - last < SESSION_GAP:
            last = t
            continue
        total += last - start + SESSION_START
        sessions, start, last = sessions + 1, t, t
    return sessions, total + (last - start) + SESSION_START


def hours_by_person(activities: Iterable[Activity], since: datetime | None = None,
                    until: datetime | None = None) -> list[PersonHours]:
    """Each person's commits, reviews, sessions and approximate hours in the period, most hours first."""
    by_person: dict[str, list[Activity]] = {}
    for a in activities:
        if in_period(a.at, since, until):
            by_person.setdefault(a.person, []).append(a)
    rows = []
    for person, acts in by_person.items():
        sessions, spent = approximate_hours(a.at for a in acts)
        name = next((a.name for a in acts if a.what == "commit"), acts[0].name)
        rows.append(PersonHours(person, name, sum(a.what == "commit" for a in acts),
                                sum(a.what == "review" for a in acts), sessions,
                                round(spent.total_seconds() / 3600, 1)))
    return sorted(rows, key=lambda r: (-r.hours, r.name, r.person))


@dataclass(frozen=True)
class JointReviews:
    approved_by_both: int        # change requests both sides approved (second side's approval in the period)
    merged: int                  # of them, merged
    merged_in_period: int        # change requests merged in the period
    merged_jointly: int          # of those, approved by both sides

    @property
    def share_of_merged(self) -> float | None:
        return 100.0 * self.merged_jointly / self.merged_in_period if self.merged_in_period else None


def _first_approval(reviews: Iterable[ReviewRecord]) -> dict[int, dict[str, datetime]]:
    """Change request -> side -> its first approval."""
    out: dict[int, dict[str, datetime]] = {}
    for r in reviews:
        if r.verdict != "approve" or not r.reviewer_side:
            continue
        sides = out.setdefault(r.cr, {})
        at = _aware(r.at)
        if r.reviewer_side not in sides or at < sides[r.reviewer_side]:
            sides[r.reviewer_side] = at
    return out


def joint_reviews(crs: Iterable[CRRecord], reviews: Iterable[ReviewRecord], sides: tuple[str, str] = ("school", "enterprise"),
                  since: datetime | None = None, until: datetime | None = None) -> JointReviews:
    """Change requests approved by reviewers of both ``sides`` (see the module's rule)."""
    crs = list(crs)
    approvals = _first_approval(reviews)
    joint = {n for n, by in approvals.items() if all(s in by for s in sides)
             and in_period(max(by[s] for s in sides), since, until)}
    state = {cr.number: cr for cr in crs}
    merged_in = [cr for cr in crs if cr.merged_at is not None and in_period(cr.merged_at, since, until)]
    jointly = [cr for cr in merged_in if all(s in approvals.get(cr.number, {}) for s in sides)]
    return JointReviews(len(joint), sum(1 for n in joint if n in state and state[n].merged_at is not None),
                        len(merged_in), len(jointly))


def turnaround(crs: Iterable[CRRecord], reviews: Iterable[ReviewRecord], side: str, since: datetime | None = None,
               until: datetime | None = None) -> Durations:
    """From going into review to ``side``'s first review of the change request, for first reviews in the period.

    A review of a draft, before it went into review, counts as at zero.
    """
    opened = {cr.number: _aware(cr.opened_at) for cr in crs}
    first: dict[int, datetime] = {}
    for r in reviews:
        if r.reviewer_side != side or r.cr not in opened:
            continue
        at = _aware(r.at)
        if r.cr not in first or at < first[r.cr]:
            first[r.cr] = at
    return durations(max(timedelta(0), at - opened[n]) for n, at in first.items() if in_period(at, since, until))
