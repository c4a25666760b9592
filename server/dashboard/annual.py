"""The annual export for the college's quality report (质量年报): a year's cooperation figures as CSV and PDF.

The same tables the dashboard shows for that calendar year (``service.figures``),
the indicators first, each with the sentence that says how it is computed,
so the document reads without the platform.
"""


from __future__ import annotations
from datetime import datetime, timezone
from typing import Any
from flask_babel import lazy_gettext as _l
from server.dashboard import exports, service as cooperation
from server.dashboard.periods import year_period
from server.dashboard.tables import Figures
from server.library import book_title


def _about(book: str | None, year: int) -> tuple[Any, Any, list[Any], Figures]:
    figures = cooperation.figures(book, year_period(year))
    title = _l("School–enterprise cooperation in writing textbooks, %(year)s (for the annual quality report)",
               year=year)
    subtitle = book_title(book) if book is not None else _l("Every book of the library")
    lines = [_l("Period: %(since)s to %(until)s", since=f"{year}-01-01", until=f"{year}-12-31"),
             _l("Text as of commit %(rev)s; made %(when)s (UTC).", rev=figures.head[:12],
                when=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")),
             _l("Commits and reviews count when they were made in the year; the share of the text, the sections "
                "and the standard items are those of the text as it stands. Hours of contribution are an "
                "approximation (see its table).")]
    return title, subtitle, lines, figures


def annual_csv(book: str | None, year: int) -> str:
    title, _subtitle, lines, figures = _about(book, year)
    return exports.tables_csv(title, [_subtitle, *lines], figures.tables.values())


def annual_pdf(book: str | None, year: int) -> bytes:
    title, subtitle, lines, figures = _about(book, year)
    return exports.tables_pdf(title, subtitle, lines, figures.tables.values())
