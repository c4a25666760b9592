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
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from cachetools import LRUCache
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from materials import authorship, contributions, enterprise_content
from review import cooperation as indicators, metrics
from server import names
from server.database import db
from server.library import book_titles, library
from server.accounts.models import User
from server.accounts.service import git_author
from server.change_requests.models import ChangeRequest, Review
from server.dashboard.periods import Period
from server.dashboard.tables import Figures, Table
from server.feedback.models import Feedback


SIDE_ORDER = ("school", "enterprise")
ENTERPRISE = "enterprise"
KIND_NAMES = {"case": _l("Real cases"), "procedure": _l("Procedures and steps"), "task": _l("Work tasks"),
              "other": _l("Other sections")}
HOURS_NOTE = _l("Approximate: nobody logs hours, so they are estimated from the history. A person's commits and "
                "reviews, in time order, make one working session while they come less than 2 hours apart; a "
                "session counts from its first to its last event plus 30 minutes for the work before the first, "
                "so a lone commit or review counts as half an hour.")


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


def _library_activity(book: str | None, period: Period) -> tuple[indicators.Activity, ...]:
    """The enterprise side's commits in the period, as dated activities (for the hours of contribution)."""
    lib = library()
    head = lib.resolve(period.rev)
    key = (str(lib.path), book, head, period.key, "activity")
    return _remembered("library", key, lambda: tuple(
        indicators.Activity(s.author_email.lower(), s.author_name, "commit",
                            datetime.fromtimestamp(s.authored_at, timezone.utc))
        for s in contributions.commit_stats(lib, book, head, period.since, period.until) if s.side == ENTERPRISE))


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
    # the text as it stands at ``head``, whatever the period: one key per commit measured
    tables.update(_remembered("library", (str(lib.path), book, head, "content"),
                              lambda: _enterprise_content_tables(lib, book, head)))
    return tables


def _enterprise_content_tables(lib: Any, book: str | None, head: str) -> dict[str, Table]:
    sections = enterprise_content.contributed_sections(lib, book, ENTERPRISE, head)
    items = enterprise_content.tagged_items(lib, book, ENTERPRISE, head)
    standards = lib.standards(head)
    texts = {}
    for standard in standards.values():
        for item in standard.items:
            texts.setdefault(item.key, f"{item.code} {item.text}")
    books = book_titles(head) if book is None else {}
    chapter = (lambda c: c.chapter_title) if book is not None else \
        (lambda c: f"{books.get(c.book, c.book)} · {c.chapter_title}")  # the book by its title
    counts = {kind: [0, set()] for kind in enterprise_content.KINDS}
    for c in sections:
        counts[c.kind][0] += 1
        counts[c.kind][1].add((c.book, c.chapter))
    return {
        "enterprise_content": Table(
            "enterprise_content", _l("Real cases and procedures written by enterprise authors"),
            [_l("Kind"), _l("Sections"), _l("Chapters")],
            [[KIND_NAMES[k], n, len(chapters)] for k, (n, chapters) in counts.items()], chart="bar",
            note=_l("A section is the text under a heading; its kind comes from the heading (案例 or case: a real "
                    "case; 步骤, 程序, 流程, 规程, 操作, 试验 or procedure: a procedure), and a chapter with a task "
                    "sheet is a work task. It counts when enterprise authors last wrote more than half of its "
                    "lines in the text as it stands, as the share of the text is counted.")),
        "enterprise_sections": Table(
            "enterprise_sections", _l("Sections written by enterprise authors"),
            [_l("Section"), _l("Kind"), _l("Chapter"), _l("Authors"), _l("Their share (%)")],
            [[c.heading, KIND_NAMES[c.kind], chapter(c), "、".join(c.authors), round(c.percent, 1)]
             for c in sections if c.kind != "other"]),
        "enterprise_items": Table(
            "enterprise_items", _l("Standard items from enterprise contributions"),
            [_l("Standard item"), _l("Chapter"), _l("How")],
            [[texts.get(i.key, i.key), chapter(i),
              _l("Tagged by an enterprise author") if i.basis == "tagged"
              else _l("On their section %(section)s", section=i.section)] for i in items],
            note=_l("An item counts when the front-matter line that tags it was last written by an enterprise "
                    "author, or when it is tagged on a section enterprise authors wrote.")),
    }


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


def _database_activity(book: str | None, period: Period) -> tuple[indicators.Activity, ...]:
    """The enterprise side's reviews (any verdict), as dated activities (for the hours of contribution)."""
    key = (current_app.config["DATABASE_URL"], book, period.key, _stamp(book), "activity")

    def compute() -> tuple[indicators.Activity, ...]:
        rq = select(Review.reviewer_id, Review.reviewer_name, Review.created_at).join(
            ChangeRequest, ChangeRequest.id == Review.change_request_id).where(Review.reviewer_side == ENTERPRISE)
        if book is not None:
            rq = rq.where(ChangeRequest.book == book)
        rows = list(db().execute(rq))
        ids = {r[0] for r in rows if r[0] is not None}
        users = {u.id: u for u in db().scalars(select(User).where(User.id.in_(ids)))} if ids else {}
        out = []
        for uid, name, at in rows:
            user = users.get(uid)
            person = git_author(user).email.lower() if user is not None else f"name:{name}"
            out.append(indicators.Activity(person, user.display_name if user is not None else name, "review", at))
        return tuple(a for a in out if metrics.in_period(a.at, period.since, period.until))

    return _remembered("database", key, compute)


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
    records = feedback_records(book, period)
    fb = metrics.feedback_figures(records)
    book_of = {r.chapter: r.book for r in records if r.chapter}  # a chapter's title is looked up in its book
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
        [[names.chapter(book or book_of.get(h.chapter, ""), h.chapter), h.votes,
          None if h.helpful_share is None else round(h.helpful_share, 1),
          None if h.mean_rating is None else round(h.mean_rating, 2)] for h in fb.helpfulness],
        chart="bar", unit="%", series=(2,))
    joint = indicators.joint_reviews(crs, reviews, SIDE_ORDER, period.since, period.until)
    tables["joint_reviews"] = Table(
        "joint_reviews", _l("Joint reviews"), [_l("Measure"), _l("Value")],
        [[_l("Change requests approved by both sides"), joint.approved_by_both],
         [_l("Of them, merged"), joint.merged],
         [_l("Change requests merged"), joint.merged_in_period],
         [_l("Share of merged change requests approved by both sides (%)"),
          None if joint.share_of_merged is None else round(joint.share_of_merged, 1)]],
        note=_l("A joint review is a change request that reviewers of the school and of the enterprise both "
                "approved; it counts in the period of the second side's first approval."))
    tables["enterprise_turnaround"] = Table(
        "enterprise_turnaround", _l("Turnaround of reviews by side (hours)"),
        [_l("Side"), _l("Change requests"), _l("Median (h)"), _l("90th percentile (h)")],
        [[side, t.count, _hours(t.median), _hours(t.p90)]
         for side, t in ((s, indicators.turnaround(crs, reviews, s, period.since, period.until)) for s in SIDE_ORDER)],
        chart="bar", unit="h", first="side", series=(2, 3),
        note=_l("From a change request going into review to that side's first review of it, for first reviews "
                "given in the period."))
    return tables


# ----------------------------------------------------------------------------- together

ORDER = ("indicators", "text_share", "commits", "enterprise_experts", "enterprise_content", "enterprise_sections",
         "enterprise_items", "review_by_side", "joint_reviews", "enterprise_turnaround", "review_times", "coverage",
         "feedback_kinds", "feedback_summary", "helpfulness", "contributors")


def _experts(book: str | None, period: Period) -> Table:
    people = indicators.hours_by_person((*_library_activity(book, period), *_database_activity(book, period)),
                                        period.since, period.until)
    return Table("enterprise_experts", _l("Enterprise experts and their hours of contribution (approximate)"),
                 [_l("Name"), _l("Commits"), _l("Reviews"), _l("Working sessions"), _l("Hours (approximate)")],
                 [[p.name, p.commits, p.reviews, p.sessions, p.hours] for p in people], chart="bar", unit="h",
                 series=(4,), note=HOURS_NOTE)


def _indicators(tables: dict[str, Table]) -> Table:
    """The figures a college's annual report asks for, one line each, from the tables they summarise."""
    experts = tables["enterprise_experts"].rows
    content = dict(zip(enterprise_content.KINDS, (row[1] for row in tables["enterprise_content"].rows)))
    joint = tables["joint_reviews"].rows
    turn = next((row for row in tables["enterprise_turnaround"].rows if row[0] == ENTERPRISE), None)
    return Table("indicators", _l("Indicators of the school–enterprise cooperation"), [_l("Indicator"), _l("Value")],
                 [[_l("Enterprise experts involved"), len(experts)],
                  [_l("Their hours of contribution (approximate)"), round(sum(r[4] for r in experts), 1)],
                  [_l("Real cases written by enterprise authors"), content["case"]],
                  [_l("Procedures and steps written by enterprise authors"), content["procedure"]],
                  [_l("Work tasks written by enterprise authors"), content["task"]],
                  [_l("Joint reviews (approved by both sides)"), joint[0][1]],
                  [_l("Enterprise reviews: median turnaround (h)"), turn[2] if turn else None],
                  [_l("Standard items from enterprise contributions (distinct)"),
                   len({row[0] for row in tables["enterprise_items"].rows})]],
                 note=HOURS_NOTE)


def figures(book: str | None, period: Period) -> Figures:
    """Every table of the dashboard of ``book`` (None: the library) for ``period``."""
    lib = library()
    tables = {**_library_tables(book, period), **_database_tables(book, period)}
    tables["enterprise_experts"] = _experts(book, period)
    tables["indicators"] = _indicators(tables)
    return Figures(book, period, lib.resolve(period.rev), {name: tables[name] for name in ORDER if name in tables})


def releases(book: str) -> list[str]:
    """The book's released versions, oldest first (for the period chooser)."""
    prefix = f"{book}/v"
    return [tag[len(prefix):] for tag, _since, _until in contributions.release_periods(library(), book)
            if tag.startswith(prefix)]
