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
