"""The usage-tracking report (使用跟踪报告) of a book for any period: what readers sent and what the team did about it.

A resubmitted textbook carries one, and the review dossier's readers'
feedback section is this report for the time since the previous release
(``build.dossier.ReadersFeedback`` is filled from it). What counts in a
period ``[since, until)``:

* feedback *received* in the period, by kind (errors, suggestions, questions,
  ratings), and the ratings given in it, chapter by chapter;
* questions *answered* in the period (their first reply), whenever asked;
* errors *fixed by a change request merged* in the period: error reports
  linked to a change request (made from the inbox) that was merged then;
* the coverage of the book's standards at each release *tagged* in the period.

Exported as CSV and PDF (``server.dashboard.exports``, the same tables and
print engine as the annual report).
"""


from __future__ import annotations
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from materials import MaterialsError, contributions
from review import metrics
from server.change_requests.models import ChangeRequest
from server.dashboard import exports
from server.dashboard.periods import Period, period_from
from server.dashboard.tables import Table
from server.database import db
from server.feedback.models import KIND_LABELS, STATE_LABELS, Feedback
from server.library import book_title, library


ITEMS = 60   # the most recent items listed one by one; the counts cover them all


@dataclass
class UsageReport:
    book: str
    since: datetime | None
    until: datetime | None
    by_kind: dict[str, int] = field(default_factory=dict)
    average_rating: float | None = None
    ratings: int = 0
    helpfulness: list[metrics.ChapterHelpfulness] = field(default_factory=list)
    answered: list[dict[str, Any]] = field(default_factory=list)   # {chapter, text, at}
    fixed: list[dict[str, Any]] = field(default_factory=list)      # {chapter, text, number, at}
    coverage: list[contributions.ReleaseCoverage] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)      # {kind, chapter, text, state}
    titles: dict[str, str] = field(default_factory=dict)

    # -- as tables -----------------------------------------------------------------------------------
    def tables(self) -> list[Table]:
        title = lambda chapter: self.titles.get(chapter or "", chapter or "")  # noqa: E731
        day = lambda at: at.date().isoformat() if at else ""  # noqa: E731
        levels: list[str] = []
        for point in self.coverage:
            levels += [lv for lv in point.levels if lv not in levels]
        return [
            Table("usage_summary", _l("Summary of the period"), [_l("Measure"), _l("Value")], [
                [_l("Feedback received"), sum(self.by_kind.values())],
                *[[_l("of which: %(kind)s", kind=kind), n] for kind, n in self._kinds()],
                [_l("Questions answered"), len(self.answered)],
                [_l("Errors fixed by merged change requests"), len(self.fixed)],
                [_l("Ratings given"), self.ratings],
                [_l("Mean rating (1–5)"), self.average_rating],
                [_l("Releases in the period"), len(self.coverage)]]),
            Table("usage_fixed", _l("Errors fixed by change requests"),
                  [_l("Chapter"), _l("What the reader reported"), _l("Change request"), _l("Merged on")],
                  [[title(f["chapter"]), f["text"], f"#{f['number']}", day(f["at"])] for f in self.fixed]),
            Table("usage_answered", _l("Questions answered"), [_l("Chapter"), _l("Question"), _l("Answered on")],
                  [[title(a["chapter"]), a["text"], day(a["at"])] for a in self.answered]),
            Table("usage_ratings", _l("Ratings by chapter"),
                  [_l("Chapter"), _l("Votes"), _l("Helpful (%)"), _l("Mean rating")],
                  [[title(h.chapter), h.votes, None if h.helpful_share is None else round(h.helpful_share, 1),
                    None if h.mean_rating is None else round(h.mean_rating, 2)] for h in self.helpfulness],
                  note=_l("A yes/no vote, or a rating of 1 to 5 (4 and 5 count as helpful).")),
            Table("usage_coverage", _l("Coverage of the standard by level, at each release of the period"),
                  [_l("Release"), _l("Date"), *levels],
                  [[p.version, p.date.date().isoformat(),
                    *[None if p.levels.get(lv) is None else round(p.levels[lv], 1) for lv in levels]]
                   for p in self.coverage]),
            Table("usage_items", _l("Feedback received, most recent first"),
                  [_l("Kind"), _l("Chapter"), _l("Text"), _l("State")],
                  [[i["kind"], title(i["chapter"]), i["text"], STATE_LABELS.get(i["state"], i["state"])]
                   for i in self.items], first="kind",
                  note=_l("At most %(n)s items are listed; the counts above cover them all.", n=ITEMS)),
        ]

    def _kinds(self) -> list[tuple[Any, int]]:
        return [(KIND_LABELS.get(k, k), self.by_kind.get(k, 0)) for k in metrics.FEEDBACK_KINDS]

    def period_line(self) -> Any:
        since = self.since.date().isoformat() if self.since else _l("the earliest feedback")
        last = self.until - timedelta(microseconds=1) if self.until else datetime.now(timezone.utc)  # inclusive
        until = last.date().isoformat()
        return _l("Period: %(since)s to %(until)s", since=since, until=until)


def usage_period(since: str | None, until: str | None) -> Period:
    """The period from two days as a form sends them (``YYYY-MM-DD``, inclusive; either may be empty); 422 when
    they are not days or ``since`` comes after ``until``."""
    return period_from({"from": since, "to": until})


def _between(column: Any, period: Period) -> Any:
    conditions = [column.is_not(None)]
    if period.since is not None:
        conditions.append(column >= period.since)
    if period.until is not None:
        conditions.append(column < period.until)
    return and_(*conditions)


def usage_report(book: str, period: Period) -> UsageReport:
    """The report of ``book`` over ``period`` (see the module's rules)."""
    lib = library()
    try:
        titles = {c.filename: c.meta.title for c in lib.book(book, "main").chapters}
    except MaterialsError:
        titles = {}
    received = list(db().scalars(select(Feedback).where(Feedback.book == book, _between(Feedback.created_at, period))
                                 .order_by(Feedback.created_at.desc(), Feedback.id.desc())))
    by_kind = {k: 0 for k in metrics.FEEDBACK_KINDS}
    for f in received:
        by_kind[f.kind] = by_kind.get(f.kind, 0) + 1
    stars = [f.rating for f in received if f.kind == "rating" and f.rating]
    records = [metrics.FeedbackRecord(kind=f.kind, chapter=f.chapter, created_at=f.created_at, state=f.state,
                                      rating=f.rating, helpful=f.helpful, book=f.book) for f in received]
    answered = db().scalars(select(Feedback).where(Feedback.book == book, Feedback.kind == "question",
                                                   _between(Feedback.answered_at, period))
                            .order_by(Feedback.answered_at, Feedback.id))
    fixed = db().execute(select(Feedback, ChangeRequest.number, ChangeRequest.closed_at).join(
        ChangeRequest, and_(ChangeRequest.book == Feedback.book, ChangeRequest.number == Feedback.change_request))
        .where(Feedback.book == book, Feedback.kind == "error", ChangeRequest.state == "merged",
               _between(ChangeRequest.closed_at, period)).order_by(ChangeRequest.closed_at, Feedback.id))
    coverage = [p for p in contributions.coverage_over_releases(lib, book)
                if metrics.in_period(p.date, period.since, period.until)]
    return UsageReport(
        book, period.since, period.until, by_kind,
        round(sum(stars) / len(stars), 1) if stars else None, sum(1 for f in received if f.kind == "rating"),
        metrics.helpfulness_by_chapter(records),
        [{"chapter": f.chapter, "text": f.text[:500], "at": f.answered_at} for f in answered],
        [{"chapter": f.chapter, "text": f.text[:500], "number": number, "at": at} for f, number, at in fixed],
        coverage,
        [{"kind": f.kind, "chapter": f.chapter, "text": f.text[:500], "state": f.state}
         for f in received if f.kind != "rating" and f.text.strip()][:ITEMS],
        titles)


def _heading(report: UsageReport) -> tuple[Any, Any, list[Any]]:
    return (_l("Usage-tracking report (使用跟踪报告)"), book_title(report.book),
            [report.period_line(),
             _l("Made %(when)s (UTC) from the platform's feedback inbox, its change requests and the library's "
                "releases.", when=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"))])


def usage_csv(report: UsageReport) -> str:
    title, subtitle, lines = _heading(report)
    return exports.tables_csv(title, [subtitle, *lines], report.tables())


def usage_pdf(report: UsageReport) -> bytes:
    title, subtitle, lines = _heading(report)
    return exports.tables_pdf(title, subtitle, lines, report.tables())
