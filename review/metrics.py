"""Figures of review and of students' feedback, for the cooperation dashboard.

Plain records in, plain figures out: the server loads the rows of a period
from its database into these dataclasses and hands them over; nothing here
knows SQL or HTTP, so every figure can be checked by hand on a few records.

Which records a period ``[since, until)`` counts (``None`` = unbounded):

* change requests *opened* in the period for counts by side and time to first
  review; change requests *merged* in the period for time to merge;
* reviews *given* in the period for reviews, approvals and changes requested
  by side;
* feedback *created* in the period for every feedback figure (a cohort: "of
  what students sent this term, how much did we answer, and how fast").

Medians are the usual middle value (mean of the two middle ones for an even
count); p90 is the nearest-rank 90th percentile (the smallest value with at
least 90 % of the values at or below it), so both can be checked with a pencil.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from statistics import median
from typing import Iterable

__all__ = [
    "CRRecord", "ReviewRecord", "FeedbackRecord", "Durations", "ReviewFigures", "ChapterHelpfulness",
    "FeedbackFigures", "FEEDBACK_KINDS", "RESOLVED_STATES", "PERIOD_KINDS", "UNKNOWN",
    "in_period", "durations", "time_to_first_review", "time_to_merge", "change_requests_by_side",
    "reviews_by_side", "verdicts_by_side", "review_figures", "feedback_by_kind", "time_to_answer",
    "share_resolved", "helpfulness_by_chapter", "feedback_figures", "period_bounds",
]

UNKNOWN = "unknown"
FEEDBACK_KINDS = ("error", "suggestion", "question", "rating")
ANSWERABLE_KINDS = ("error", "suggestion", "question")  # a rating asks for no answer
RESOLVED_STATES = ("answered", "accepted", "declined", "duplicate", "closed")
PERIOD_KINDS = ("term", "year", "academic-year", "custom")


# -- the records the server stores -----------------------------------------------------------------
@dataclass(frozen=True)
class CRRecord:
    """A change request as the dashboard needs it. ``opened_at``: when it went into review."""

    number: int
    author_side: str | None
    opened_at: datetime
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    state: str = "open"  # draft | open | merged | closed
    book: str | None = None


@dataclass(frozen=True)
class ReviewRecord:
    cr: int  # the change request's number
    reviewer_side: str | None
    verdict: str  # approve | request_changes | comment
    at: datetime


@dataclass(frozen=True)
class FeedbackRecord:
    """A reader's feedback item; ``rating`` (1-5) or ``helpful`` carry a "was this page helpful?" vote."""

    kind: str  # error | suggestion | question | rating
    chapter: str | None
    created_at: datetime
    answered_at: datetime | None = None
    state: str = "new"  # new | answered | accepted | declined | duplicate | closed
    rating: int | None = None
    helpful: bool | None = None
    book: str | None = None


# -- the figures -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Durations:
    """How long something took, over ``count`` cases (median/p90 None when there is none)."""

    count: int
    median: timedelta | None
    p90: timedelta | None

    @property
    def median_hours(self) -> float | None:
        return None if self.median is None else self.median.total_seconds() / 3600


@dataclass(frozen=True)
class ReviewFigures:
    change_requests_by_side: dict[str, int]
    reviews_by_side: dict[str, int]
    approvals_by_side: dict[str, int]
    changes_requested_by_side: dict[str, int]
    time_to_first_review: Durations
    awaiting_first_review: int  # opened in the period, no review yet
    time_to_merge: Durations


@dataclass(frozen=True)
class ChapterHelpfulness:
    """Votes on "was this page helpful?" for one chapter."""

    chapter: str
    votes: int            # every vote, star rating or yes/no
    helpful: int          # yes votes, and ratings of 4 or 5
    mean_rating: float | None  # over star ratings only
    ratings: int

    @property
    def helpful_share(self) -> float | None:
        return None if not self.votes else 100.0 * self.helpful / self.votes


@dataclass(frozen=True)
class FeedbackFigures:
    by_kind: dict[str, int]
    time_to_answer: Durations
    share_resolved: float | None  # percent of answerable items in a resolved state
    helpfulness: list[ChapterHelpfulness] = field(default_factory=list)


# -- periods -----------------------------------------------------------------------------------------
def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def in_period(when: datetime | None, since: datetime | None = None, until: datetime | None = None) -> bool:
    """``since <= when < until``; naive datetimes are taken as UTC."""
    if when is None:
        return False
    when = _aware(when)
    return (since is None or when >= _aware(since)) and (until is None or when < _aware(until))


def period_bounds(kind: str, today: date, tz: tzinfo = timezone.utc, *, since: date | None = None,
                  until: date | None = None) -> tuple[datetime, datetime]:
    """``[since, until)`` of the period containing ``today``, at midnight in ``tz``.

    * ``term``: the Chinese college term — autumn term 1 Sep – end of February,
      spring term 1 Mar – end of August;
    * ``year``: the calendar year (the annual cooperation report);
    * ``academic-year``: 1 Sep – 31 Aug;
    * ``custom``: the given ``since`` and ``until`` days (``until`` exclusive).
    """
    def at(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=tz)

    if kind == "year":
        return at(date(today.year, 1, 1)), at(date(today.year + 1, 1, 1))
    if kind == "academic-year":
        start = today.year if today.month >= 9 else today.year - 1
        return at(date(start, 9, 1)), at(date(start + 1, 9, 1))
    if kind == "term":
        if 3 <= today.month <= 8:
            return at(date(today.year, 3, 1)), at(date(today.year, 9, 1))
        start = today.year if today.month >= 9 else today.year - 1
        return at(date(start, 9, 1)), at(date(start + 1, 3, 1))
    if kind == "custom":
        if since is None or until is None or until <= since:
            raise ValueError("a custom period needs a start day before its end day")
        return at(since), at(until)
    raise ValueError(f"period kind must be one of {PERIOD_KINDS}, not {kind!r}")


# -- arithmetic ------------------------------------------------------------------------------------------
def durations(values: Iterable[timedelta]) -> Durations:
    """Median and nearest-rank p90 of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return Durations(0, None, None)
    mid = median(ordered)
    p90 = ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]
    return Durations(len(ordered), mid, p90)


def _by_side(sides: Iterable[str | None]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for side in sides:
        key = side or UNKNOWN
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


# -- review --------------------------------------------------------------------------------------------
def _first_reviews(reviews: Iterable[ReviewRecord]) -> dict[int, datetime]:
    first: dict[int, datetime] = {}
    for r in reviews:
        at = _aware(r.at)
        if r.cr not in first or at < first[r.cr]:
            first[r.cr] = at
    return first


def time_to_first_review(crs: Iterable[CRRecord], reviews: Iterable[ReviewRecord], since: datetime | None = None,
                         until: datetime | None = None) -> tuple[Durations, int]:
    """(durations, number still awaiting a review) for CRs opened in the period.

    Any review counts, a comment too: the author heard back. Reviews made
    before the CR went into review (on a draft) count as at zero.
    """
    first = _first_reviews(reviews)
    waits, awaiting = [], 0
    for cr in crs:
        if not in_period(cr.opened_at, since, until) or cr.state == "draft":
            continue
        if cr.number in first:
            waits.append(max(timedelta(0), first[cr.number] - _aware(cr.opened_at)))
        else:
            awaiting += 1
    return durations(waits), awaiting


def time_to_merge(crs: Iterable[CRRecord], since: datetime | None = None, until: datetime | None = None) -> Durations:
    """From going into review to merge, for CRs merged in the period."""
    return durations(_aware(cr.merged_at) - _aware(cr.opened_at) for cr in crs
                     if cr.merged_at is not None and in_period(cr.merged_at, since, until))


def change_requests_by_side(crs: Iterable[CRRecord], since: datetime | None = None,
                            until: datetime | None = None) -> dict[str, int]:
    """Side of the author -> CRs opened in the period."""
    return _by_side(cr.author_side for cr in crs if in_period(cr.opened_at, since, until))


def reviews_by_side(reviews: Iterable[ReviewRecord], since: datetime | None = None,
                    until: datetime | None = None) -> dict[str, int]:
    """Side of the reviewer -> reviews (any verdict) given in the period."""
    return _by_side(r.reviewer_side for r in reviews if in_period(r.at, since, until))


def verdicts_by_side(reviews: Iterable[ReviewRecord], verdict: str, since: datetime | None = None,
                     until: datetime | None = None) -> dict[str, int]:
    """Side of the reviewer -> reviews with ``verdict`` (approve, request_changes) in the period."""
    return _by_side(r.reviewer_side for r in reviews if r.verdict == verdict and in_period(r.at, since, until))


def review_figures(crs: Iterable[CRRecord], reviews: Iterable[ReviewRecord], since: datetime | None = None,
                   until: datetime | None = None) -> ReviewFigures:
    """Every review figure of the dashboard for one period."""
    crs, reviews = list(crs), list(reviews)
    first, awaiting = time_to_first_review(crs, reviews, since, until)
    return ReviewFigures(
        change_requests_by_side=change_requests_by_side(crs, since, until),
        reviews_by_side=reviews_by_side(reviews, since, until),
        approvals_by_side=verdicts_by_side(reviews, "approve", since, until),
        changes_requested_by_side=verdicts_by_side(reviews, "request_changes", since, until),
        time_to_first_review=first,
        awaiting_first_review=awaiting,
        time_to_merge=time_to_merge(crs, since, until),
    )


# -- students' feedback --------------------------------------------------------------------------------
def feedback_by_kind(items: Iterable[FeedbackRecord], since: datetime | None = None,
                     until: datetime | None = None) -> dict[str, int]:
    """Kind -> items created in the period; every known kind is listed, in a fixed order."""
    counts = {k: 0 for k in FEEDBACK_KINDS}
    for f in items:
        if in_period(f.created_at, since, until):
            counts[f.kind] = counts.get(f.kind, 0) + 1
    return counts


def time_to_answer(items: Iterable[FeedbackRecord], since: datetime | None = None,
                   until: datetime | None = None) -> Durations:
    """From posting to the first answer, for answered errors, suggestions and questions created in the period."""
    return durations(_aware(f.answered_at) - _aware(f.created_at) for f in items
                     if f.kind in ANSWERABLE_KINDS and f.answered_at is not None
                     and in_period(f.created_at, since, until))


def share_resolved(items: Iterable[FeedbackRecord], since: datetime | None = None,
                   until: datetime | None = None) -> float | None:
    """Percent of the errors, suggestions and questions created in the period that are resolved
    (answered, accepted, declined, duplicate or closed); None when there were none."""
    total = resolved = 0
    for f in items:
        if f.kind in ANSWERABLE_KINDS and in_period(f.created_at, since, until):
            total += 1
            resolved += f.state in RESOLVED_STATES
    return None if not total else 100.0 * resolved / total


def helpfulness_by_chapter(items: Iterable[FeedbackRecord], since: datetime | None = None,
                           until: datetime | None = None) -> list[ChapterHelpfulness]:
    """Votes per chapter: a yes/no vote, or a 1-5 rating (4 and 5 count as helpful). By chapter name."""
    rows: dict[str, list] = {}
    for f in items:
        if f.kind != "rating" or f.chapter is None or not in_period(f.created_at, since, until):
            continue
        if f.rating is None and f.helpful is None:
            continue
        row = rows.setdefault(f.chapter, [0, 0, 0, 0])  # votes, helpful, rating sum, ratings
        row[0] += 1
        if f.rating is not None:
            row[2] += f.rating
            row[3] += 1
            row[1] += f.rating >= 4
        else:
            row[1] += bool(f.helpful)
    return [ChapterHelpfulness(ch, v, h, (s / n if n else None), n) for ch, (v, h, s, n) in sorted(rows.items())]


def feedback_figures(items: Iterable[FeedbackRecord], since: datetime | None = None,
                     until: datetime | None = None) -> FeedbackFigures:
    """Every feedback figure of the dashboard for one period, in one pass over the items."""
    items = [f for f in items if in_period(f.created_at, since, until)]
    return FeedbackFigures(feedback_by_kind(items), time_to_answer(items), share_resolved(items),
                           helpfulness_by_chapter(items))
