"""Tables as the files a college hands in: one CSV holding several tables, and a PDF through the print engine.

The annual 质量年报 export of the dashboard and the 使用跟踪报告 of a book both
write their tables here, so a number reads the same on the page, in the CSV
and in the PDF (``cell``: one decimal for fractions, "–" for no value, as the
page's tables print them). Both documents are in Chinese, whoever asks: they
go into the college's Chinese reports.
"""


from __future__ import annotations
import csv
import io
from typing import Any, Iterable
from flask import Response
from flask_babel import force_locale, lazy_gettext as _l
from build.report import Report, ReportSection, report_pdf
from server.dashboard.tables import Table
from server.spreadsheets import spreadsheet_safe


LOCALE = "zh_CN"


def cell(value: Any) -> str:
    """A figure as the page's tables print it."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def table_csv(table: Table) -> str:
    """One table as CSV (header row, then its rows, as people read them), with the BOM spreadsheets expect."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(c) for c in table.columns])
    for row in table.display_rows():
        writer.writerow(["" if v is None else spreadsheet_safe(v) for v in row])
    return "\ufeff" + buffer.getvalue()


def tables_csv(title: Any, lines: Iterable[Any], tables: Iterable[Table]) -> str:
    """Several tables in one CSV: the title and lines first, then each table's title, header and rows,
    a blank row between tables."""
    with force_locale(LOCALE):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([spreadsheet_safe(str(title))])
        for line in lines:
            writer.writerow([spreadsheet_safe(str(line))])
        for table in tables:
            writer.writerow([])
            writer.writerow([spreadsheet_safe(str(table.title))])
            writer.writerow([str(c) for c in table.columns])
            for row in table.display_rows():
                writer.writerow([spreadsheet_safe(cell(v)) for v in row])
        return "\ufeff" + buffer.getvalue()


def tables_pdf(title: Any, subtitle: Any, lines: Iterable[Any], tables: Iterable[Table]) -> bytes:
    """The tables typeset as one PDF with a contents list, each with the note on how it is computed."""
    with force_locale(LOCALE):
        report = Report(str(title), str(subtitle), [str(line) for line in lines], [
            ReportSection(str(t.title), [str(c) for c in t.columns],
                          [[cell(v) for v in row] for row in t.display_rows()], str(t.note or ""), str(_l("Nothing in this period.")))
            for t in tables], str(_l("Contents")))
    return report_pdf(report)[0]


def download(body: str | bytes, name: str, mimetype: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
