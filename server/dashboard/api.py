"""The cooperation figures as JSON: the same tables the dashboard shows and exports."""


from __future__ import annotations
from typing import Annotated, Any, Literal
from pydantic import BaseModel, Field
from server.dashboard import periods, service as cooperation
from server.rest.registry import endpoint
from server.rest.schemas import BookName, Query
from server.library import book_title
from server.permissions import Ability, admin_required, book_access


# A day as the dashboard's pages send it; ``periods.period_from`` reads it for both.
Day = Annotated[str, Field(max_length=10, json_schema_extra={"format": "date"})]


class PeriodQuery(Query):
    """``period`` (term, year, academic-year), or ``from``/``to`` (days, inclusive)."""

    period: Literal["term", "year", "academic-year"] | None = None
    from_: Day | None = Field(None, alias="from")
    to: Day | None = None


class BookPeriodQuery(PeriodQuery):
    """... or ``release``: the time up to one published version."""

    release: Annotated[str, Field(max_length=40)] | None = None


class FiguresTable(BaseModel):
    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]]


class CooperationFigures(BaseModel):
    book: str | None
    head: str
    since: str | None
    until: str | None
    release: str | None
    tables: list[FiguresTable]


@endpoint("GET", "/books/{book}/dashboard", summary="Cooperation figures of a book over a period or a release",
          params={"book": BookName}, query=BookPeriodQuery, response=CooperationFigures, tags=["dashboard"],
          errors=(503,))
@book_access(Ability.read)
def book_figures(book: str, **period: Any) -> dict[str, Any]:
    book_title(book)
    return cooperation.figures(book, periods.period_from(period, book)).as_json()


@endpoint("GET", "/dashboard", summary="Cooperation figures of the whole library over a period",
          query=PeriodQuery, response=CooperationFigures, tags=["dashboard"], errors=(503,))
@admin_required
def library_figures(**period: Any) -> dict[str, Any]:
    return cooperation.figures(None, periods.period_from(period)).as_json()
