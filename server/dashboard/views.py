"""The cooperation dashboard: a book's (its members) and the whole library's (administrators).

Figures come from ``server.dashboard.service`` (cached per book, ``main`` head and
period); this module only chooses the period from the query string and shows
them as charts with tables, a printable report and one CSV per table.
"""


from __future__ import annotations
import csv
import io
from datetime import timedelta
from typing import Any
from flask import Blueprint, Response, render_template, url_for
from flask_babel import gettext as _
from wtforms import StringField
from server.dashboard import periods, service as cooperation
from server.errors import UserError
from server.forms import QueryForm
from server.library import book_title
from server.permissions import Ability, admin_required, book_access
from server.spreadsheets import spreadsheet_safe


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


def _page(book: str | None, report: bool):
    period = periods.period_from(PeriodQuery().chosen(), book)
    figures = cooperation.figures(book, period)
    args = period.args()
    if book is None:
        heading = _("Cooperation report: the whole library")
        report_url = url_for("dashboard.library_report", **args)
        csv_url = lambda name: url_for("dashboard.library_csv", table=name, **args)  # noqa: E731
        releases: list[str] = []
    else:
        heading = _("Cooperation report: %(title)s", title=book_title(book))
        report_url = url_for("dashboard.book_report", book=book, **args)
        csv_url = lambda name: url_for("dashboard.book_csv", book=book, table=name, **args)  # noqa: E731
        releases = cooperation.releases(book)
    return render_template("ui/dashboard/index.html", figures=figures, heading=heading, report=report,
                           report_url=report_url, csv_url=csv_url, releases=releases, book=book,
                           one_day=timedelta(days=1))


def _csv(book: str | None, table: str) -> Response:
    figures = cooperation.figures(book, periods.period_from(PeriodQuery().chosen(), book))
    found = figures.tables.get(table)
    if found is None:
        raise UserError("http.404", status=404)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(c) for c in found.columns])
    for row in found.display_rows():
        writer.writerow(["" if v is None else spreadsheet_safe(v) for v in row])
    name = f"{book or 'library'}-{table}.csv"
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


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
