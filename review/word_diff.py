"""Which words of a changed line changed: the pieces the history page and a change request's
files page mark, so that one edit is highlighted the same way wherever a reviewer reads it.

Chinese has no spaces between words, so each Han character is a word of its own; a run of
other letters or digits ("HXD3", "kPa", "3") is one word, and every punctuation mark and run of
spaces is one too. Hand-written over ``difflib`` rather than a diff library: no maintained one
cuts Chinese text by character and Latin text by word in one pass.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD = re.compile(rf"[{HAN}]|[^\W{HAN}]+|\s+|[^\w\s]")
MAX_LINE = 2000  # characters; a longer line is marked whole
MOSTLY_REWRITTEN = 0.3  # below this similarity, marking fragments would only be noise


@dataclass(frozen=True)
class Segment:
    """A piece of a line, and whether it differs from the other side."""

    text: str
    changed: bool


def words(text: str) -> list[str]:
    """``text`` cut into the words that are compared (their concatenation is ``text``)."""
    return WORD.findall(text)


def changed_words(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    """The two versions of a line cut into unchanged and changed pieces, neighbours of a kind merged."""
    if len(old) > MAX_LINE or len(new) > MAX_LINE:
        return [Segment(old, True)], [Segment(new, True)]
    a, b = words(old), words(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < MOSTLY_REWRITTEN:
        return [Segment(old, True)], [Segment(new, True)]
    left: list[Segment] = []
    right: list[Segment] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        for side, text in ((left, "".join(a[i1:i2])), (right, "".join(b[j1:j2]))):
            if not text:
                continue
            changed = op != "equal"
            if side and side[-1].changed == changed:
                side[-1] = Segment(side[-1].text + text, changed)
            else:
                side.append(Segment(text, changed))
    return left, right


@dataclass(frozen=True)
class Piece:
    """A piece of one flowing text that reads both versions at once: kept, added or removed."""

    text: str
    kind: str  # same | added | removed


def inline_changes(old: str | None, new: str | None) -> list[Piece]:
    """The old and new text of a block as one text, each added and removed word marked where it stands.

    Cut into words as :func:`changed_words` cuts them (each Han character one word); a text
    mostly rewritten reads as the old text removed, then the new one added.
    """
    old, new = old or "", new or ""
    if not old or not new:
        return [Piece(old, "removed")] if old else ([Piece(new, "added")] if new else [])
    left, right = changed_words(old, new)
    if len(left) == 1 and len(right) == 1 and left[0].changed and right[0].changed:
        return [Piece(old, "removed"), Piece(new, "added")]
    a, b = words(old), words(new)
    pieces: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        for text, kind in (("".join(a[i1:i2]), "same" if op == "equal" else "removed"),
                           ("".join(b[j1:j2]), None if op == "equal" else "added")):
            if not text or kind is None:
                continue
            if pieces and pieces[-1].kind == kind:
                pieces[-1] = Piece(pieces[-1].text + text, kind)
            else:
                pieces.append(Piece(text, kind))
    return pieces
