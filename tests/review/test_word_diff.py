"""The words of a changed line that a reviewer sees marked, on the history and change request pages."""
from __future__ import annotations

from review.word_diff import Segment, changed_words, words


def marked(segments: list[Segment]) -> list[str]:
    return [s.text for s in segments if s.changed]


def test_each_chinese_character_is_a_word_and_a_number_beside_it_is_one_too():
    assert words("发现第3位制动缸") == ["发", "现", "第", "3", "位", "制", "动", "缸"]
    assert words("HXD3 型机车，500 kPa。") == ["HXD3", " ", "型", "机", "车", "，", "500", " ", "kPa", "。"]


def test_one_changed_character_in_a_chinese_line_is_all_that_is_marked():
    old, new = changed_words("主要由五部分组成：", "主要由六部分组成：")
    assert marked(old) == ["五"] and marked(new) == ["六"]
    assert "".join(s.text for s in old) == "主要由五部分组成：" and "".join(s.text for s in new) == "主要由六部分组成："


def test_a_number_written_against_chinese_marks_the_number_only():
    old, new = changed_words("发现第 2 位制动缸软管接头密封圈老化。", "发现第3位制动缸软管接头密封圈老化。")
    assert marked(old) == [" 2 "] and marked(new) == ["3"]


def test_a_rewritten_or_very_long_line_is_marked_whole():
    assert changed_words("列车管定压", "Brake pipe") == ([Segment("列车管定压", True)], [Segment("Brake pipe", True)])
    long = "压" * 2001
    assert changed_words(long, long + "力") == ([Segment(long, True)], [Segment(long + "力", True)])


def test_inline_changes_read_both_versions_as_one_text_with_each_word_marked():
    from review.word_diff import Piece, inline_changes

    assert inline_changes("主要由五部分组成：", "主要由六个部分组成：") == [
        Piece("主要由", "same"), Piece("五", "removed"), Piece("六个", "added"), Piece("部分组成：", "same")]
    assert inline_changes("列车管定压 500 kPa。", "列车管定压 600 kPa。") == [
        Piece("列车管定压 ", "same"), Piece("500", "removed"), Piece("600", "added"), Piece(" kPa。", "same")]
    assert inline_changes(None, "新增一段。") == [Piece("新增一段。", "added")]
    assert inline_changes("删去一段。", None) == [Piece("删去一段。", "removed")]
    assert inline_changes("列车管定压", "Brake pipe") == [Piece("列车管定压", "removed"), Piece("Brake pipe", "added")]
