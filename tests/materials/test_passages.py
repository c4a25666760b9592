"""Two versions of a chapter that collide, passage by passage, and the text the author's choices make."""
from __future__ import annotations

from materials.passages import collide, resolve

BASE = ("---\ntitle: 制动机的检查与试验\nstandards: [L4.S.2.1.1]   # 五步闸\nobjectives:\n  - 能完成五步闸试验\nhours: 2\n---\n\n"
        "## 作业准备\n\n列车管定压 500 kPa。\n\n## 作业步骤\n\n第一步：检查风压。\n\n第二步：缓解。\n")
THEIRS = (BASE.replace("500 kPa。", "600 kPa（企业现场）。").replace("hours: 2", "hours: 3")
          .replace("第二步：缓解。", "第二步：缓解并记录。"))
YOURS = (BASE.replace("500 kPa。", "550 kPa（学校）。").replace("hours: 2", "hours: 4")
         .replace("title: 制动机的检查与试验", "title: 制动机试验"))


def test_only_the_passages_and_fields_both_changed_are_asked_about():
    collision = collide(BASE, THEIRS, YOURS)
    assert [(f.key, f.theirs, f.yours) for f in collision.fields] == [("hours", 3, 4)]
    [passage] = collision.conflicts
    assert (passage.theirs, passage.yours) == ("列车管定压 600 kPa（企业现场）。\n", "列车管定压 550 kPa（学校）。\n")
    assert THEIRS.splitlines()[passage.theirs_line - 1] == "列车管定压 600 kPa（企业现场）。"
    agreed = "".join(p.text for p in collision.passages if not p.conflict)
    assert "第二步：缓解并记录。" in agreed and "<<<" not in agreed  # their clean edit is merged, not asked about


def test_each_choice_makes_its_text_and_untouched_front_matter_stays_byte_for_byte():
    collision = collide(BASE, THEIRS, YOURS)
    mine = resolve(collision, {}, ["mine"])
    assert mine == YOURS.replace("第二步：缓解。", "第二步：缓解并记录。")
    theirs = resolve(collision, {"hours": "theirs"}, ["theirs"])
    assert theirs.startswith("---\ntitle: 制动机试验\nstandards: [L4.S.2.1.1]   # 五步闸\nobjectives:\n  - 能完成五步闸试验\n"
                             "hours: 3\n---\n")
    assert "600 kPa（企业现场）" in theirs and "550 kPa" not in theirs
    both = resolve(collision, {}, ["both"])
    assert "列车管定压 550 kPa（学校）。\n\n列车管定压 600 kPa（企业现场）。\n" in both
    edited = resolve(collision, {}, ["edit"], ["列车管定压 600 kPa，\r\n以现场为准。"])
    assert "列车管定压 600 kPa，\n以现场为准。\n\n## 作业步骤" in edited and "\r" not in edited


def test_windows_line_endings_and_marker_like_lines_do_not_confuse_the_passages():
    marks = "<<<<<<< 不是冲突标记\n=======\n>>>>>>> 也不是\n"
    base = BASE + marks
    theirs, yours = THEIRS + marks, YOURS.replace("\n", "\r\n") + marks.replace("\n", "\r\n")
    collision = collide(base, theirs, yours)
    assert len(collision.conflicts) == 1
    text = resolve(collision, {}, ["mine"])
    assert text.endswith(marks) and "\r" not in text


def test_a_chapter_without_front_matter_and_one_side_deleting_a_passage():
    base = "## 一\n\n甲。\n\n## 二\n\n乙。\n"
    theirs = base.replace("甲。\n", "")
    yours = base.replace("甲。", "甲（改）。")
    collision = collide(base, theirs, yours)
    assert collision.fields == [] and not collision.front_matter
    [passage] = collision.conflicts
    assert passage.theirs == "" and passage.yours == "甲（改）。\n"
    assert resolve(collision, {}, ["theirs"]) == "## 一\n\n\n## 二\n\n乙。\n"
    assert resolve(collision, {}, ["mine"]) == yours
