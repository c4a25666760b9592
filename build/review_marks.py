"""A passed textbook review, marked on the published version (``versions.json``).

A released site never changes, so, like a withdrawal, the mark lives in the
version's ``properties`` (``reviewed``: the date the review passed); the
pages read ``versions.json`` when opened and show "审核通过 · <date>".
"""
from __future__ import annotations

import re
from pathlib import Path

from .publish import book_lock, read_versions, write_versions

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def mark_reviewed(sites_dir: str | Path, book: str, version: str, passed_on: str) -> bool:
    """Mark ``version`` as passed on ``passed_on`` (YYYY-MM-DD); False when it has no published site."""
    if not _DATE.match(passed_on):
        raise ValueError(passed_on)
    if not read_versions(sites_dir, book):
        return False
    with book_lock(sites_dir, book) as root:
        versions = read_versions(sites_dir, book)
        entry = next((v for v in versions if v["version"] == version), None)
        if entry is None:
            return False
        entry["properties"] = {**(entry.get("properties") or {}), "reviewed": passed_on}
        write_versions(root, versions)
    return True
