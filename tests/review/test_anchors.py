"""An inline comment follows its line through new commits, or becomes outdated."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from review.anchors import OUTDATED, Anchor, follow, reanchor

CHAPTER = """\
---
title: 制动机的检查与试验
---
# 制动机的检查与试验

## 五步闸试验

1. 检查总风缸压力。
2. 施行常用制动。
3. 缓解并检查闸瓦。
"""
LINE = 8  # "1. 检查总风缸压力。"


def anchor(line: int = LINE, text: str | None = None) -> Anchor:
    lines = CHAPTER.splitlines()
    return Anchor("books/loco/chapters/02-brake.md", line, lines[line - 1] if text is None else text, "a" * 40)


def edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


CASES = [
    ("unchanged-file-keeps-line", CHAPTER, LINE),
    ("insertion-above-shifts-down",
     edit(CHAPTER, "## 五步闸试验\n", "## 五步闸试验\n\n!!! warning \"安全\"\n    试验前确认止轮器。\n"), LINE + 3),
    ("deletion-above-shifts-up", edit(CHAPTER, "# 制动机的检查与试验\n\n", ""), LINE - 2),
    ("insertion-below-keeps-line", CHAPTER + "4. 记录试验结果。\n", LINE),
    ("edit-of-another-line-keeps-line", edit(CHAPTER, "2. 施行常用制动。", "2. 施行常用制动，减压 50 kPa。"), LINE),
    ("edit-of-the-line-outdates", edit(CHAPTER, "1. 检查总风缸压力。", "1. 检查总风缸压力（不低于 600 kPa）。"), OUTDATED),
    ("deletion-of-the-line-outdates", edit(CHAPTER, "1. 检查总风缸压力。\n", ""), OUTDATED),
    ("whole-block-rewritten-outdates",
     edit(CHAPTER, "1. 检查总风缸压力。\n2. 施行常用制动。\n", "1. 一\n2. 二\n"), OUTDATED),
    ("moved-paragraph-above-and-edited-neighbour",
     edit(edit(CHAPTER, "---\n# ", "---\n引言。\n\n# "), "3. 缓解并检查闸瓦。", "3. 缓解。"), LINE + 2),
]


@pytest.mark.parametrize("new_text,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reanchor_over_texts(new_text, expected):
    assert reanchor(anchor(), CHAPTER, new_text) == expected


def test_reanchored_line_reads_the_same_text():
    new_text = edit(CHAPTER, "## 五步闸试验\n", "## 五步闸试验\n\n新增一段。\n")
    line = reanchor(anchor(), CHAPTER, new_text)
    assert new_text.splitlines()[line - 1] == "1. 检查总风缸压力。"


def test_identical_lines_follow_their_own_position():
    old = "a\n-\nb\n-\nc\n"
    new = "x\na\n-\nb\n-\nc\n"
    second_dash = Anchor("p.md", 4, "-", "c1")
    assert reanchor(second_dash, old, new) == 5


def test_anchor_whose_text_does_not_match_is_outdated_not_guessed():
    assert reanchor(anchor(text="something else"), CHAPTER, CHAPTER) is OUTDATED


def test_deleted_file_outdates_the_anchor():
    assert reanchor(anchor(), CHAPTER, None) is OUTDATED


def test_follow_moves_anchor_to_new_commit_and_path():
    new_text = "前言\n" + CHAPTER
    moved = follow(anchor(), CHAPTER, new_text, "b" * 40, new_path="books/loco/chapters/03-brake.md")
    assert moved == Anchor("books/loco/chapters/03-brake.md", LINE + 1, "1. 检查总风缸压力。", "b" * 40)


def test_outdated_is_falsy_and_named():
    assert not OUTDATED and repr(OUTDATED) == "OUTDATED"


# --- the same rules over a structured diff (hunks as materials.Diff gives them) ----


@dataclass
class Line:
    kind: str
    old_no: int | None
    new_no: int | None
    text: str = ""


@dataclass
class Hunk:
    old_start: int
    old_lines: int
    new_start: int
    new_lines: int
    lines: list = field(default_factory=list)


@dataclass
class FileDiff:
    hunks: list
    status: str = "modified"


def unified_hunks(old: str, new: str) -> FileDiff:
    """Hunks with zero context built by difflib, in git's numbering convention."""
    import difflib

    a, b = old.splitlines(), new.splitlines()
    hunks = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(1):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        lines = []
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                lines += [Line("context", a1 + k + 1, b1 + k + 1) for k in range(a2 - a1)]
            else:
                lines += [Line("delete", a1 + k + 1, None) for k in range(a2 - a1)]
                lines += [Line("add", None, b1 + k + 1) for k in range(b2 - b1)]
        old_start = i1 + 1 if i2 > i1 else i1
        new_start = j1 + 1 if j2 > j1 else j1
        hunks.append(Hunk(old_start, i2 - i1, new_start, j2 - j1, lines))
    return FileDiff(hunks)


@pytest.mark.parametrize("new_text,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reanchor_over_a_structured_diff_agrees_with_texts(new_text, expected):
    assert reanchor(anchor(), unified_hunks(CHAPTER, new_text)) == expected


def test_reanchor_over_deleted_file_diff_is_outdated():
    assert reanchor(anchor(), FileDiff([], status="deleted")) is OUTDATED


@pytest.mark.parametrize("new_text,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reanchor_over_the_library_diff_agrees_with_texts(lib, new_text, expected):
    from materials import OVERWRITE, Write
    from review_library import TEACHER

    path = "books/brakes/chapters/01-check.md"
    first = lib.commit("main", [Write(path, CHAPTER)], TEACHER, "Old", base=OVERWRITE).sha
    second = lib.commit("main", [Write(path, new_text)], TEACHER, "New",
                        base=OVERWRITE).sha if new_text != CHAPTER else first
    files = lib.diff(first, second, paths=[path]).files
    file_diff = files[0] if files else FileDiff([])
    assert reanchor(Anchor(path, LINE, "1. 检查总风缸压力。", first), file_diff) == expected
