"""The cooperation figures as JSON: the same tables the dashboard shows and exports."""


from __future__ import annotations
from typing import Any
from flask import request
from materials.paths import BOOK_SLUG
from server.dashboard import periods, service as cooperation
from server.api.registry import endpoint, schema
from server.library import book_title
from server.permissions import Ability, admin_required, book_access


TABLE = {"type": "object", "required": ["name", "title", "columns", "rows"],
         "properties": {"name": {"type": "string"}, "title": {"type": "string"},
                        "columns": {"type": "array", "items": {"type": "string"}},
                        "rows": {"type": "array", "items": {"type": "array"}}}}
FIGURES = schema("CooperationFigures", {
    "type": "object", "required": ["book", "head", "since", "until", "release", "tables"],
    "properties": {"book": {"type": ["string", "null"]}, "head": {"type": "string"},
                   "since": {"type": ["string", "null"]}, "until": {"type": ["string", "null"]},
                   "release": {"type": ["string", "null"]}, "tables": {"type": "array", "items": TABLE}},
})
DAY = {"type": "string", "format": "date", "maxLength": 10}
PERIOD_QUERY = {"period": {"type": "string", "enum": ["term", "year", "academic-year"]},
                "from": DAY, "to": DAY}
BOOK = {"type": "string", "pattern": BOOK_SLUG.pattern}


@endpoint("GET", "/books/{book}/dashboard", summary="Cooperation figures of a book over a period or a release",
          params={"book": BOOK}, query={**PERIOD_QUERY, "release": {"type": "string", "maxLength": 40}},
          response=FIGURES, tags=["dashboard"], errors=(503,))
@book_access(Ability.read)
def book_figures(book: str, **_query: Any) -> dict[str, Any]:
    """Query: ``period`` (term, year, academic-year), or ``from``/``to`` (days, inclusive), or ``release``."""
    book_title(book)
    return cooperation.figures(book, periods.period_from(request.args, book)).as_json()


@endpoint("GET", "/dashboard", summary="Cooperation figures of the whole library over a period",
          query=PERIOD_QUERY, response=FIGURES, tags=["dashboard"], errors=(503,))
@admin_required
def library_figures(**_query: Any) -> dict[str, Any]:
    return cooperation.figures(None, periods.period_from(request.args)).as_json()
