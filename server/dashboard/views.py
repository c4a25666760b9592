"""The cooperation dashboard: a book's (its members) and the whole library's (administrators).

Figures come from ``server.dashboard.service`` (cached per book, ``main`` head and
period); this module only chooses the period from the query string and shows
them as charts with tables, a printable report and one CSV per table.
"""


from __future__ import annotations
from datetime import datetime, timedelta, timezone
from typing import Any
from flask import Blueprint, Response, render_template, url_for
from flask_babel import gettext as _
from wtforms import IntegerField, StringField
from wtforms.validators import NumberRange
from server.dashboard import annual, exports, periods, service as cooperation
from server.errors import UserError
from server.forms import QueryForm
from server.library import book_title
from server.permissions import Ability, admin_required, book_access


blueprint = Blueprint("dashboard", __name__)


class PeriodQuery(QueryForm):
    """The period the figures cover, as ``periods.period_from`` reads it for the pages and the API."""

    period = StringField()
    from_ = StringField(name="from")
    to = StringField()
    release = StringField()

    def chosen(self) -> dict[str, Any]:
        return {"period": self.period.data, "from": self.from_.data, "to": self.to.data,
                "release": self.release.data}


class YearQuery(QueryForm):
    """The year of an annual export; another value reads as this year."""

    year = IntegerField(default=lambda: datetime.now(timezone.utc).year, validators=[NumberRange(min=1970, max=9998)])


def _annual(book: str | None, kind: str) -> Response:
    year = YearQuery().year.data
    name = f"{book or 'library'}-cooperation-{year}.{kind}"
    if kind == "pdf":
        return exports.download(annual.annual_pdf(book, year), name, "application/pdf")
    return exports.download(annual.annual_csv(book, year), name, "text/csv")


def _page(book: str | None, report: bool):
    period = periods.period_from(PeriodQuery().chosen(), book)
    figures = cooperation.figures(book, period)
    args = period.args()
    if book is None:
        heading = _("Cooperation report: the whole library")
        report_url = url_for("dashboard.library_report", **args)
        csv_url = lambda name: url_for("dashboard.library_csv", table=name, **args)  # noqa: E731
        annual_url = lambda kind: url_for("dashboard.library_annual", kind=kind)  # noqa: E731
        releases: list[str] = []
    else:
        heading = _("Cooperation report: %(title)s", title=book_title(book))
        report_url = url_for("dashboard.book_report", book=book, **args)
        csv_url = lambda name: url_for("dashboard.book_csv", book=book, table=name, **args)  # noqa: E731
        annual_url = lambda kind: url_for("dashboard.book_annual", book=book, kind=kind)  # noqa: E731
        releases = cooperation.releases(book)
    return render_template("ui/dashboard/index.html", figures=figures, heading=heading, report=report,
                           report_url=report_url, csv_url=csv_url, releases=releases, book=book,
                           one_day=timedelta(days=1), annual_url=annual_url,
                           this_year=datetime.now(timezone.utc).year)


def _csv(book: str | None, table: str) -> Response:
    figures = cooperation.figures(book, periods.period_from(PeriodQuery().chosen(), book))
    found = figures.tables.get(table)
    if found is None:
        raise UserError("http.404", status=404)
    return exports.download(exports.table_csv(found), f"{book or 'library'}-{table}.csv", "text/csv")


@blueprint.route("/books/<book>/dashboard")
@book_access(Ability.read)
def book_dashboard(book: str):
    book_title(book)
    return _page(book, report=False)


@blueprint.route("/books/<book>/dashboard/report")
@book_access(Ability.read)
def book_report(book: str):
    book_title(book)
    return _page(book, report=True)


@blueprint.route("/books/<book>/dashboard/<table>.csv")
@book_access(Ability.read)
def book_csv(book: str, table: str):
    book_title(book)
    return _csv(book, table)


@blueprint.route("/books/<book>/dashboard/annual.<any(pdf, csv):kind>")
@book_access(Ability.read)
def book_annual(book: str, kind: str):
    book_title(book)
    return _annual(book, kind)


@blueprint.route("/dashboard/annual.<any(pdf, csv):kind>")
@admin_required
def library_annual(kind: str):
    return _annual(None, kind)


@blueprint.route("/dashboard")
@admin_required
def library_dashboard():
    return _page(None, report=False)


@blueprint.route("/dashboard/report")
@admin_required
def library_report():
    return _page(None, report=True)


@blueprint.route("/dashboard/<table>.csv")
@admin_required
def library_csv(table: str):
    return _csv(None, table)
