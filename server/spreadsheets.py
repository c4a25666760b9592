"""CSV downloads that people open in a spreadsheet (Excel, WPS).

Cells hold text that readers and authors wrote; a spreadsheet runs a cell
that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, so every exported
cell goes through ``spreadsheet_safe``.
"""
from __future__ import annotations

from typing import Any


def spreadsheet_safe(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (reader text may start with = + - @)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
