"""A report of titled tables as one PDF that reads without the platform: the annual 质量年报 and the 使用跟踪报告.

The platform gathers the figures (it holds the database); this module only
typesets them. A report is plain data: a title, a subtitle, lines that say
what it covers and how it was made, and sections, each a table (columns and
rows of text) with a sentence on how its figures are computed. It is written
as JSON beside ``templates/print/report.typ`` and typeset by the print
engine of ``build.pdf`` (the same Typst, the same fonts, as the dossier).
Every text is data in the template, never Typst markup.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .pdf import FONTS, TEMPLATE_DIR, typeset

__all__ = ["ReportSection", "Report", "report_pdf"]

TEMPLATE = TEMPLATE_DIR / "report.typ"


@dataclass
class ReportSection:
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""
    empty: str = "—"   # what the section says when it has no rows


@dataclass
class Report:
    title: str
    subtitle: str = ""
    lines: list[str] = field(default_factory=list)     # what it covers, when and from what it was made
    sections: list[ReportSection] = field(default_factory=list)
    contents: str = "目录"

    def to_data(self) -> dict[str, Any]:
        return {**asdict(self), "fonts": list(FONTS)}


def report_pdf(report: Report) -> tuple[bytes, int]:
    """(the PDF, its number of pages)."""
    with tempfile.TemporaryDirectory(prefix=".report-") as tmp:
        root = Path(tmp)
        shutil.copy(TEMPLATE, root / "report.typ")
        (root / "report.json").write_text(json.dumps(report.to_data(), ensure_ascii=False), encoding="utf-8")
        pdf, pages, _warnings = typeset(root / "report.typ", root)
    return pdf, pages
