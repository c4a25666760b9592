"""What an import would do, before it does it: every problem with its place, and what changes.

An import is first a dry run. Its report lists every problem at once, each
with the place to fix (a JSON path such as ``CFItems[3].identifier``, or a
sheet's row and column), and says which items would be created, changed or
left alone, so a maintainer sees the whole picture before a change request
opens. Errors refuse the file; warnings say what was left out and why.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .standard import Item, Standard

__all__ = ["ERROR", "WARNING", "Problem", "ImportReport", "compare"]

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an uploaded file: where, what (a stable ``code`` to translate), how bad."""

    where: str
    code: str
    message: str
    severity: str = ERROR
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {"where": self.where, "code": self.code, "message": self.message, "severity": self.severity,
                "params": dict(self.params)}


@dataclass
class ImportReport:
    """The dry run of one import: the standard it would save (None when refused) and what it found."""

    source: str
    standard: Standard | None = None
    problems: list[Problem] = field(default_factory=list)
    created: list[str] = field(default_factory=list)      # item keys new to the library
    changed: list[str] = field(default_factory=list)      # item keys whose content differs
    unchanged: list[str] = field(default_factory=list)    # item keys already there, equal
    removed: list[str] = field(default_factory=list)      # item keys of the earlier version left out
    replaces: str | None = None                           # the standard id an earlier import saved

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return self.standard is not None and not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "ok": self.ok,
            "standard": self.standard.id if self.standard is not None else None,
            "title": self.standard.title if self.standard is not None else None,
            "problems": [p.as_dict() for p in self.problems],
            "created": list(self.created), "changed": list(self.changed), "unchanged": list(self.unchanged),
            "removed": list(self.removed), "replaces": self.replaces,
        }


def _content(item: Item) -> tuple:
    return (item.code, item.kind, item.level, item.parent, item.text, item.replaced_by, item.equivalent,
            dict(item.case))


def compare(report: ImportReport, earlier: Standard | None) -> ImportReport:
    """Fill in created / changed / unchanged / removed against the version already in the library."""
    std = report.standard
    if std is None:
        return report
    before = {} if earlier is None else earlier.by_key
    for item in std.items:
        old = before.get(item.key)
        if old is None:
            report.created.append(item.key)
        elif _content(old) == _content(item):
            report.unchanged.append(item.key)
        else:
            report.changed.append(item.key)
    report.removed.extend(k for k in before if k not in std.by_key)
    if earlier is not None:
        report.replaces = earlier.id
    return report
