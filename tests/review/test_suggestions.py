"""A reviewer's suggested edit, applied by the author, crediting the reviewer."""
from __future__ import annotations

import pytest

from review.errors import SuggestionInvalid, SuggestionOutdated
from review.suggestions import Suggestion, apply_suggestion, apply_suggestions, relocate, suggestion_commit_message

TEXT = "# 制动机\n\n1. 检查总风缸压力。\n2. 施行常用制动。\n3. 缓解。\n"
PATH = "books/loco/chapters/02-brake.md"


def suggest(start, end, replacement, base=None, **kw) -> Suggestion:
    if base is None:
        base = "\n".join(TEXT.splitlines()[start - 1 : end])
    return Suggestion(PATH, start, end, replacement, base, **kw)


CASES = [
    ("replace-one-line", suggest(3, 3, "1. 检查总风缸压力（不低于 600 kPa）。"),
     "# 制动机\n\n1. 检查总风缸压力（不低于 600 kPa）。\n2. 施行常用制动。\n3. 缓解。\n"),
    ("replace-two-lines-with-three", suggest(4, 5, "2. 施行常用制动。\n3. 保压 1 分钟。\n4. 缓解。"),
     "# 制动机\n\n1. 检查总风缸压力。\n2. 施行常用制动。\n3. 保压 1 分钟。\n4. 缓解。\n"),
    ("delete-lines", suggest(4, 4, ""), "# 制动机\n\n1. 检查总风缸压力。\n3. 缓解。\n"),
    ("blank-line-replacement", suggest(1, 1, "\n"), "\n\n1. 检查总风缸压力。\n2. 施行常用制动。\n3. 缓解。\n"),
    ("replacement-with-trailing-newline", suggest(5, 5, "3. 缓解并检查闸瓦。\n"),
     "# 制动机\n\n1. 检查总风缸压力。\n2. 施行常用制动。\n3. 缓解并检查闸瓦。\n"),
    ("empty-line-as-base", suggest(2, 2, "> 注意安全。"), "# 制动机\n> 注意安全。\n1. 检查总风缸压力。\n2. 施行常用制动。\n3. 缓解。\n"),
]


@pytest.mark.parametrize("suggestion,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_apply_suggestion(suggestion, expected):
    assert apply_suggestion(TEXT, suggestion) == expected


def test_windows_line_endings_are_kept():
    text = TEXT.replace("\n", "\r\n")
    out = apply_suggestion(text, suggest(3, 3, "1. 新。"))
    assert out == "# 制动机\r\n\r\n1. 新。\r\n2. 施行常用制动。\r\n3. 缓解。\r\n"


def test_file_without_final_newline_stays_so():
    out = apply_suggestion(TEXT.rstrip("\n"), suggest(5, 5, "3. 缓解并检查。"))
    assert out.endswith("3. 缓解并检查。")


def test_changed_lines_refuse_the_suggestion_and_keep_the_text():
    changed = TEXT.replace("2. 施行常用制动。", "2. 施行紧急制动。")
    with pytest.raises(SuggestionOutdated) as err:
        apply_suggestion(changed, suggest(4, 4, "2. 其他。"))
    assert err.value.code == "suggestion.outdated"
    assert err.value.params == {"path": PATH, "start_line": 4, "end_line": 4}


@pytest.mark.parametrize("start,end", [(0, 1), (3, 2), (5, 6), (9, 9)])
def test_lines_outside_the_file_are_invalid(start, end):
    with pytest.raises(SuggestionInvalid) as err:
        apply_suggestion(TEXT, Suggestion(PATH, start, end, "x", "y"))
    assert err.value.code == "suggestion.bad_range"


def test_batch_of_suggestions_applies_bottom_up():
    out = apply_suggestions(TEXT, [suggest(3, 3, "1. A。"), suggest(5, 5, "3. C。\n4. D。")])
    assert out == "# 制动机\n\n1. A。\n2. 施行常用制动。\n3. C。\n4. D。\n"


def test_overlapping_batch_is_refused():
    with pytest.raises(SuggestionInvalid) as err:
        apply_suggestions(TEXT, [suggest(3, 4, "x"), suggest(4, 5, "y")])
    assert err.value.code == "suggestion.overlap"


def test_relocate_follows_lines_shifted_by_a_new_commit():
    newer = "前言。\n\n" + TEXT
    moved = relocate(suggest(4, 5, "2. 新。"), TEXT, newer, new_commit="d" * 40)
    assert (moved.start_line, moved.end_line, moved.commit) == (6, 7, "d" * 40)
    assert apply_suggestion(newer, moved) == "前言。\n\n# 制动机\n\n1. 检查总风缸压力。\n2. 新。\n"


def test_relocate_refuses_when_a_covered_line_changed():
    newer = TEXT.replace("3. 缓解。", "3. 缓解并检查。")
    with pytest.raises(SuggestionOutdated):
        relocate(suggest(4, 5, "x"), TEXT, newer)


def test_relocate_refuses_when_lines_were_inserted_inside():
    newer = TEXT.replace("2. 施行常用制动。\n", "2. 施行常用制动。\n插入。\n")
    with pytest.raises(SuggestionOutdated):
        relocate(suggest(4, 5, "x"), TEXT, newer)


def test_commit_message_credits_the_reviewer_with_a_trailer():
    s = suggest(3, 3, "x", reviewer_name="陈工", reviewer_email="chen@example.com")
    message = suggestion_commit_message(s)
    assert message == f"Apply suggestion from 陈工 to {PATH}\n\nCo-authored-by: 陈工 <chen@example.com>\n"


def test_commit_message_credits_each_reviewer_once_and_strips_injection():
    a = suggest(3, 3, "x", reviewer_name="陈工", reviewer_email="chen@example.com")
    b = suggest(4, 4, "y", reviewer_name="Evil\nSigned-off-by: x <y>", reviewer_email="e@x.org>\nFoo: bar")
    message = suggestion_commit_message([a, a, b])
    lines = message.splitlines()
    assert lines[0] == f"Apply suggestions from Evil Signed-off-by: x y, 陈工 to {PATH}"
    assert lines[2:] == ["Co-authored-by: 陈工 <chen@example.com>", "Co-authored-by: Evil Signed-off-by: x y <e@x.org Foo: bar>"]
