"""The one shape of every cooperation figure: a ``Table`` (title, columns, rows).

The dashboard page's tables, its charts, the CSV exports and the JSON API all
read tables; ``Figures`` holds the tables of one report.
"""


from __future__ import annotations
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from flask_babel import lazy_gettext as _l
from materials import authorship
from server.feedback.models import KIND_LABELS
from server.templating import side_label
from server.dashboard.periods import Period


@dataclass
class Table:
    """One table of the report: what the page shows, the chart draws and the CSV exports."""

    name: str
    title: Any
    columns: list[Any]
    rows: list[list[Any]]
    chart: str | None = None   # "bar" | "line" | None
    unit: str = ""             # "%" or "h" for the chart's axis
    note: Any = ""
    first: str = ""            # what the first column holds: "side" | "kind" (shown by their labels)
    series: tuple[int, ...] = (1,)  # the columns the chart draws

    def display_rows(self) -> list[list[Any]]:
        """Rows as people read them: side and kind keys become their names in the interface language."""
        name = {"side": lambda v: side_label(v) if v != authorship.UNKNOWN else str(_l("Unknown")),
                "kind": lambda v: str(KIND_LABELS.get(v, v))}.get(self.first)
        out = []
        for row in self.rows:
            cells = [str(c) if hasattr(c, "__html__") or type(c).__name__ == "LazyString" else c for c in row]
            if name and cells:
                cells[0] = name(cells[0])
            out.append(cells)
        return out

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": str(self.title), "columns": [str(c) for c in self.columns],
                "rows": [[_plain(str(v) if type(v).__name__ == "LazyString" else v) for v in row] for row in self.rows]}


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@dataclass
class Figures:
    book: str | None
    period: Period
    head: str
    tables: dict[str, Table] = field(default_factory=dict)
    computed_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def as_json(self) -> dict[str, Any]:
        return {"book": self.book, "head": self.head,
                "since": self.period.since.isoformat() if self.period.since else None,
                "until": self.period.until.isoformat() if self.period.until else None,
                "release": self.period.release,
                "tables": [t.as_json() for t in self.tables.values()]}
