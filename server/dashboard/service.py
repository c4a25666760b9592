"""The figures of school–enterprise cooperation, for a book or the whole library, over a period.

This module only gathers: text share, commits and contributors come from the
library (``materials.authorship``, ``materials.contributions``), review and
feedback figures from the database rows handed to ``review.metrics`` as
plain records. Every figure ends up in a ``Table`` (title, columns, rows) —
the one shape the page's tables, its charts, the CSV exports and the JSON
API all read.

Caching, and how it stays fresh: figures are cached in-process in two parts,
each keyed by what it is computed from, so nothing is ever invalidated by hand:

* the library part by (book, the commit ``main`` points at, the period, the
  release tags): a save or a merge moves ``main`` and a release adds a tag,
  which makes a new key; the library's figures then read only the new
  commits and blames only the changed chapters;
* the database part by (book, period, a stamp of the change-request, review
  and feedback tables: row count, highest id, latest update): any new or
  changed row makes a new key.

So a warm dashboard costs two ``rev-parse``-sized reads and three small
aggregate queries.
"""


from __future__ import annotations
import threading
from datetime import timedelta
from typing import Any, Callable
from cachetools import LRUCache
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from materials import authorship, contributions
from review import metrics
from server.database import db
from server.library import library
from server.change_requests.models import ChangeRequest, Review
from server.dashboard.periods import Period
from server.dashboard.tables import Figures, Table
from server.feedback.models import Feedback


SIDE_ORDER = ("school", "enterprise")


# ----------------------------------------------------------------------------- figures of both parts

def _hours(delta: timedelta | None) -> float | None:
    return None if delta is None else round(delta.total_seconds() / 3600, 2)


def _sides(*maps: dict[str, Any]) -> list[str]:
    seen = [s for s in SIDE_ORDER if any(s in m for m in maps)]
    return seen + sorted({k for m in maps for k in m} - set(seen))


# ----------------------------------------------------------------------------- cache

_CACHE_LOCK = threading.Lock()  # the request threads share the caches; held to read or store, not to compute


def _cache(name: str) -> LRUCache:
    """The app's cache ``name``: one per app, as the keys name its library and database."""
    return current_app.extensions.setdefault(f"jointbook.cooperation.{name}", LRUCache(maxsize=256))


def _remembered(name: str, key: tuple, compute: Callable[[], Any]) -> Any:
    cache = _cache(name)
    with _CACHE_LOCK:
        value = cache.get(key)
    if value is None:
        value = compute()
        with _CACHE_LOCK:
            cache[key] = value
    return value


def clear_cache() -> None:
    with _CACHE_LOCK:
        for name in ("library", "database"):
            _cache(name).clear()


# ----------------------------------------------------------------------------- the library part

def _release_tags(lib: Any, book: str | None) -> tuple:
    prefix = f"refs/tags/{book}/" if book else "refs/tags/"
    return tuple(sorted(lib.refs.list(prefix).items()))


def _library_tables(book: str | None, period: Period) -> dict[str, Table]:
    lib = library()
    head = lib.resolve(period.rev)
    key = (str(lib.path), book, head, period.key, _release_tags(lib, book))
    return _remembered("library", key, lambda: _compute_library_tables(lib, book, period, head))


def _compute_library_tables(lib: Any, book: str | None, period: Period, head: str) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    share = authorship.text_share_by_side(lib, book, head)
    tables["text_share"] = Table(
        "text_share", _l("Share of the current text by side"),
        [_l("Side"), _l("Lines"), _l("Characters"), _l("Share (%)")],
        [[side, s.lines, s.chars, round(s.percent, 1)] for side, s in share.items()], chart="bar", unit="%", first="side", series=(3,),
        note=_l("From the history of every line of the chapters (git blame), counted in characters."))
    commits = contributions.commits_by_side(lib, book, head, period.since, period.until)
    tables["commits"] = Table("commits", _l("Commits by side"), [_l("Side"), _l("Commits")],
                              [[side, commits[side]] for side in _sides(commits)], chart="bar", first="side")
    people = contributions.contributors(lib, book, head, period.since, period.until)
    tables["contributors"] = Table(
        "contributors", _l("Contributors"),
        [_l("Name"), _l("Side"), _l("Commits"), _l("Lines added"), _l("Lines removed")],
        [[p.name, p.side, p.commits, p.lines_added, p.lines_removed] for p in people[:50]])
    if book is not None:
        points = contributions.coverage_over_releases(lib, book)
        levels: list[str] = []
        for point in points:
            levels += [lv for lv in point.levels if lv not in levels]
        tables["coverage"] = Table(
            "coverage", _l("Coverage of the standard by level, at each release"),
            [_l("Release"), _l("Date"), *levels],
            [[p.version, p.date.date().isoformat(), *[None if p.levels.get(lv) is None else round(p.levels[lv], 1)
                                                     for lv in levels]] for p in points],
            chart="line", unit="%", series=tuple(range(2, 2 + len(levels))))
    else:
        rows = []
        for name in lib.books(head):
            points = contributions.coverage_over_releases(lib, name)
            if points:
                last = points[-1]
                rows.append([name, last.version, *[round(v, 1) if v is not None else None
                                                   for v in list(last.levels.values())[:1]]])
        tables["coverage"] = Table("coverage", _l("Coverage at each book's latest release (lowest level)"),
                                   [_l("Book"), _l("Release"), _l("Coverage (%)")], rows, chart="bar", unit="%",
                                   series=(2,))
    return tables


# ----------------------------------------------------------------------------- the database part

def _stamp(book: str | None) -> tuple:
    """Changes whenever a feedback, change-request or review row is added or updated."""
    def of(model: Any, updated: Any, scope: Any) -> tuple:
        query = select(func.count(), func.max(model.id), func.max(updated))
        if book is not None and scope is not None:
            query = query.where(scope == book)
        return tuple(db().execute(query).one())

    return (of(Feedback, Feedback.updated_at, Feedback.book),
            of(ChangeRequest, ChangeRequest.updated_at, ChangeRequest.book),
            of(Review, Review.created_at, None))


def review_records(book: str | None) -> tuple[list[metrics.CRRecord], list[metrics.ReviewRecord]]:
    cr, review = ChangeRequest, Review
    query = select(cr.number, cr.author_side, cr.created_at, cr.closed_at, cr.state, cr.book)
    if book is not None:
        query = query.where(cr.book == book)
    crs = [metrics.CRRecord(number=n, author_side=side, opened_at=opened,
                            merged_at=closed if state == "merged" else None,
                            closed_at=closed if state == "closed" else None, state=state, book=b)
           for n, side, opened, closed, state, b in db().execute(query)]
    rq = select(cr.number, review.reviewer_side, review.verdict, review.created_at).join(
        cr, cr.id == review.change_request_id)
    if book is not None:
        rq = rq.where(cr.book == book)
    reviews = [metrics.ReviewRecord(cr=n, reviewer_side=side, verdict=verdict, at=at)
               for n, side, verdict, at in db().execute(rq)]
    return crs, reviews


def feedback_records(book: str | None, period: Period) -> list[metrics.FeedbackRecord]:
    query = select(Feedback.kind, Feedback.chapter, Feedback.created_at, Feedback.answered_at, Feedback.state,
                   Feedback.rating, Feedback.helpful, Feedback.book)
    if book is not None:
        query = query.where(Feedback.book == book)
    if period.since is not None:
        query = query.where(Feedback.created_at >= period.since)
    if period.until is not None:
        query = query.where(Feedback.created_at < period.until)
    return [metrics.FeedbackRecord(kind=k, chapter=c, created_at=at, answered_at=ans, state=s, rating=r,
                                   helpful=h, book=b) for k, c, at, ans, s, r, h, b in db().execute(query)]


def _database_tables(book: str | None, period: Period) -> dict[str, Table]:
    key = (current_app.config["DATABASE_URL"], book, period.key, _stamp(book))
    return _remembered("database", key, lambda: _compute_database_tables(book, period))


def _compute_database_tables(book: str | None, period: Period) -> dict[str, Table]:
    crs, reviews = review_records(book)
    review = metrics.review_figures(crs, reviews, period.since, period.until)
    tables: dict[str, Table] = {}
    sides = _sides(review.change_requests_by_side, review.reviews_by_side, review.approvals_by_side,
                   review.changes_requested_by_side)
    tables["review_by_side"] = Table(
        "review_by_side", _l("Change requests and reviews by side"),
        [_l("Side"), _l("Change requests opened"), _l("Reviews given"), _l("Approvals"), _l("Changes requested")],
        [[s, review.change_requests_by_side.get(s, 0), review.reviews_by_side.get(s, 0),
          review.approvals_by_side.get(s, 0), review.changes_requested_by_side.get(s, 0)] for s in sides],
        chart="bar", first="side", series=(1, 2, 3, 4))
    first, merge = review.time_to_first_review, review.time_to_merge
    tables["review_times"] = Table(
        "review_times", _l("Review times (hours)"),
        [_l("Measure"), _l("Cases"), _l("Median (h)"), _l("90th percentile (h)")],
        [[_l("Time to first review"), first.count, _hours(first.median), _hours(first.p90)],
         [_l("From open to merge"), merge.count, _hours(merge.median), _hours(merge.p90)]],
        chart="bar", unit="h", series=(2, 3),
        note=_l("%(n)s change requests opened in the period still await a first review.",
                n=review.awaiting_first_review))
    fb = metrics.feedback_figures(feedback_records(book, period))
    tables["feedback_kinds"] = Table("feedback_kinds", _l("Students' feedback by kind"), [_l("Kind"), _l("Items")],
                                     [[k, n] for k, n in fb.by_kind.items()], chart="bar", first="kind")
    answer = fb.time_to_answer
    tables["feedback_summary"] = Table(
        "feedback_summary", _l("Answering students"), [_l("Measure"), _l("Value")],
        [[_l("Answered items"), answer.count], [_l("Median time to answer (h)"), _hours(answer.median)],
         [_l("Share resolved (%)"), None if fb.share_resolved is None else round(fb.share_resolved, 1)]])
    tables["helpfulness"] = Table(
        "helpfulness", _l("Was this page helpful? (by chapter)"),
        [_l("Chapter"), _l("Votes"), _l("Helpful (%)"), _l("Mean rating")],
        [[h.chapter, h.votes, None if h.helpful_share is None else round(h.helpful_share, 1),
          None if h.mean_rating is None else round(h.mean_rating, 2)] for h in fb.helpfulness],
        chart="bar", unit="%", series=(2,))
    return tables


# ----------------------------------------------------------------------------- together

ORDER = ("text_share", "commits", "review_by_side", "review_times", "coverage", "feedback_kinds",
         "feedback_summary", "helpfulness", "contributors")


def figures(book: str | None, period: Period) -> Figures:
    """Every table of the dashboard of ``book`` (None: the library) for ``period``."""
    lib = library()
    tables = {**_library_tables(book, period), **_database_tables(book, period)}
    return Figures(book, period, lib.resolve(period.rev), {name: tables[name] for name in ORDER if name in tables})


def releases(book: str) -> list[str]:
    """The book's released versions, oldest first (for the period chooser)."""
    prefix = f"{book}/v"
    return [tag[len(prefix):] for tag, _since, _until in contributions.release_periods(library(), book)
            if tag.startswith(prefix)]
