"""The import report: what came over from a source document, what was changed on the way, what could not be.

The platform shows it before an import is confirmed and on the import's
change request, so a teacher can check the result against the original. It is
plain data: each entry has a stable ``code`` and ``params`` (for the server to
say it in the reader's language), an English ``message``, and the ``place`` in
the source document where the teacher finds the original.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

CARRIED = "carried"   # came over as it was
CHANGED = "changed"   # came over, in another form (said how)
LOST = "lost"         # could not come over
OUTCOMES = (CARRIED, CHANGED, LOST)


@dataclass(frozen=True)
class Place:
    """Where an entry's original is: the nearest heading above it, the paragraph's number, its first words.

    ``paragraph`` counts the document's body paragraphs, tables and lists from 1
    in reading order; ``chapter`` is the imported chapter file it went to.
    """

    heading: str | None = None
    paragraph: int | None = None
    excerpt: str | None = None
    chapter: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.heading:
            parts.append(f"“{self.heading}”")
        if self.paragraph:
            parts.append(f"paragraph {self.paragraph}")
        if self.excerpt:
            parts.append(f"“{self.excerpt}”")
        return ", ".join(parts) or "whole document"

    def to_dict(self) -> dict[str, Any]:
        return {"heading": self.heading, "paragraph": self.paragraph, "excerpt": self.excerpt,
                "chapter": self.chapter}


@dataclass(frozen=True)
class ReportEntry:
    outcome: str
    code: str
    message: str
    place: Place | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        where = f" ({self.place})" if self.place else ""
        return f"[{self.outcome}] {self.message}{where}"

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "code": self.code, "message": self.message,
                "place": self.place.to_dict() if self.place else None, "params": dict(self.params)}


@dataclass
class ImportReport:
    """Every entry of one import, in the order of the source document."""

    source: str
    entries: list[ReportEntry] = field(default_factory=list)

    def add(self, outcome: str, code: str, message: str, place: Place | None = None, **params: Any) -> ReportEntry:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        entry = ReportEntry(outcome, code, message, place, params)
        self.entries.append(entry)
        return entry

    def of(self, outcome: str | None = None, code: str | None = None) -> list[ReportEntry]:
        """The entries with that outcome and / or code (``code`` also matches sub-codes: ``image`` → ``image.lost``)."""
        return [e for e in self.entries
                if (outcome is None or e.outcome == outcome)
                and (code is None or e.code == code or e.code.startswith(code + "."))]

    @property
    def carried(self) -> list[ReportEntry]:
        return self.of(CARRIED)

    @property
    def changed(self) -> list[ReportEntry]:
        return self.of(CHANGED)

    @property
    def lost(self) -> list[ReportEntry]:
        return self.of(LOST)

    def counts(self) -> dict[str, dict[str, int]]:
        """How many entries of each code, by outcome: the report's summary line."""
        out: dict[str, dict[str, int]] = {o: {} for o in OUTCOMES}
        for (outcome, code), n in Counter((e.outcome, e.code) for e in self.entries).items():
            out[outcome][code] = n
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "counts": self.counts(), "entries": [e.to_dict() for e in self.entries]}

    def __str__(self) -> str:
        return "\n".join([f"Import of {self.source}"] + [str(e) for e in self.entries])
