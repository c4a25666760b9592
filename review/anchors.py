"""Inline comments stay on their line as a change request gets new commits.

An anchor remembers the line a reviewer commented on: its path, number and
text at a commit. When the branch moves, the comment follows the line if the
line itself is unchanged (it just shifts with insertions and deletions above
it); if the line was edited or deleted, the comment is shown as outdated,
on the text the reviewer actually saw.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Anchor:
    """Where an inline comment sits: ``line`` is 1-based in ``path`` at ``commit``."""

    path: str
    line: int
    text: str
    commit: str


class _Outdated:
    """The sentinel for "that line changed or is gone"."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "OUTDATED"

    def __bool__(self) -> bool:
        return False


OUTDATED = _Outdated()


def _lines(text: str) -> list[str]:
    return text.splitlines()


def reanchor(anchor: Anchor, old: Any, new: str | None = None) -> int | _Outdated:
    """The anchor's line number in the new text, or OUTDATED.

    Call as ``reanchor(anchor, old_text, new_text)`` with the file at the
    anchor's commit and at the new head, or as ``reanchor(anchor, file_diff)``
    with a structured diff of that file (an object with ``hunks`` whose
    ``lines`` carry ``kind``, ``old_no``, ``new_no``). A file that is gone
    (``new`` is None) outdates every anchor.
    """
    if hasattr(old, "hunks"):
        return _reanchor_by_diff(anchor, old)
    if new is None:
        return OUTDATED
    old_lines = _lines(old)
    if not 1 <= anchor.line <= len(old_lines) or old_lines[anchor.line - 1] != anchor.text:
        # The text we were given is not what the reviewer saw: do not guess.
        return OUTDATED
    index = anchor.line - 1
    for tag, i1, i2, j1, _j2 in _opcodes(old, new):
        if i1 <= index < i2:
            if tag == "equal":
                return j1 + (index - i1) + 1
            return OUTDATED
    return OUTDATED


@lru_cache(maxsize=64)
def _opcodes(old: str, new: str) -> tuple[tuple[str, int, int, int, int], ...]:
    """Line alignment of two texts; cached because a page re-anchors many comments per file."""
    matcher = difflib.SequenceMatcher(None, _lines(old), _lines(new), autojunk=False)
    return tuple(matcher.get_opcodes())


_CONTEXT_KINDS = ("context", "equal", " ")


def _reanchor_by_diff(anchor: Anchor, file_diff: Any) -> int | _Outdated:
    if getattr(file_diff, "status", None) in ("deleted", "D", "delete"):
        return OUTDATED
    shift = 0
    for hunk in file_diff.hunks:
        if hunk.old_lines == 0:
            # A pure insertion after old line ``old_start``.
            if anchor.line <= hunk.old_start:
                return anchor.line + shift
            shift += hunk.new_lines
            continue
        first, last = hunk.old_start, hunk.old_start + hunk.old_lines - 1
        if anchor.line < first:
            return anchor.line + shift
        if anchor.line > last:
            shift += hunk.new_lines - hunk.old_lines
            continue
        for line in hunk.lines:
            if line.old_no == anchor.line:
                if line.kind in _CONTEXT_KINDS and line.new_no is not None:
                    return line.new_no
                return OUTDATED
        return OUTDATED
    return anchor.line + shift


def follow(anchor: Anchor, old_text: str, new_text: str | None, new_commit: str, new_path: str | None = None) -> Anchor | _Outdated:
    """The anchor moved to ``new_commit`` (and ``new_path`` after a rename), or OUTDATED."""
    line = reanchor(anchor, old_text, new_text)
    if line is OUTDATED:
        return OUTDATED
    return replace(anchor, line=line, commit=new_commit, path=new_path or anchor.path)
