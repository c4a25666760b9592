"""The ``task:`` front matter of a loose-leaf book's chapter: read exactly, refused with its line."""
from __future__ import annotations

import pytest

from materials import FrontMatterInvalid, parse_chapter, revise_chapter, serialize_chapter

TASK_CHAPTER = """---
title: 制动机五步闸试验
standards: [L4.S.2.1.1]
task:
  record:
    title: 五步闸试验记录表
    columns: [试验步骤, 规定值, 实测值, 结论]
    rows:
      - [运转位保压, 泄漏不超过 10 kPa]
      - [全制动, 约 350 kPa, "", ""]
    blank_rows: 2
  evaluation:
    weights: {self: 20, peer: 30, teacher: 50}
    criteria:
      - {criterion: 试验前安全确认, points: 20}
      - {criterion: 五步闸程序完整, points: 50}
      - {criterion: 结果判断正确, points: 30}
---

## 任务描述

完成一次五步闸试验。
"""


def test_task_front_matter_gives_the_record_and_evaluation_sheets():
    meta, _ = parse_chapter(TASK_CHAPTER, "books/b/chapters/t.md")
    record, evaluation = meta.task.record, meta.task.evaluation
    assert record.title == "五步闸试验记录表"
    assert record.columns == ("试验步骤", "规定值", "实测值", "结论")
    assert record.rows == (("运转位保压", "泄漏不超过 10 kPa"), ("全制动", "约 350 kPa", "", ""))
    assert record.empty_rows == 2
    assert [(c.criterion, c.points) for c in evaluation.criteria] == [
        ("试验前安全确认", 20), ("五步闸程序完整", 50), ("结果判断正确", 30)]
    assert evaluation.total == 100
    assert evaluation.raters == ("self", "peer", "teacher")
    assert evaluation.weights == {"self": 20, "peer": 30, "teacher": 50}


def test_a_chapter_without_task_is_no_task_and_task_true_is_one_without_sheets():
    plain, _ = parse_chapter("---\ntitle: 概述\n---\n正文\n", "a.md")
    bare, _ = parse_chapter("---\ntitle: 实训\ntask: true\n---\n正文\n", "a.md")
    assert plain.task is None
    assert bare.task is not None and bare.task.record is None and bare.task.evaluation is None


def test_task_front_matter_round_trips_and_survives_an_unrelated_revision():
    meta, body = parse_chapter(TASK_CHAPTER, "a.md")
    again, again_body = parse_chapter(serialize_chapter(meta, body), "a.md")
    assert again == meta and again_body == body
    from dataclasses import replace
    revised = revise_chapter(TASK_CHAPTER, replace(meta, title="制动机五步闸试验（修订）"), body)
    assert revised == TASK_CHAPTER.replace("title: 制动机五步闸试验\n", "title: 制动机五步闸试验（修订）\n")


@pytest.mark.parametrize("task, line, key", [
    ("task:\n  recrod: {columns: [a]}\n", 4, "task.recrod"),
    ("task:\n  record:\n    rows: [[a]]\n", 5, "task.record"),
    ("task:\n  record:\n    columns: []\n", 5, "task.record.columns"),
    ("task:\n  record:\n    columns: [步骤, 结论]\n    rows:\n      - [a, b]\n      - [a, b, c]\n", 8,
     "task.record.rows.1"),
    ("task:\n  record:\n    columns: [步骤]\n    blank_rows: 2.5\n", 6, "task.record.blank_rows"),
    ("task:\n  evaluation:\n    criteria:\n      - {criterion: 安全, points: 20}\n      - {criterion: 程序}\n", 7,
     "task.evaluation.criteria.1"),
    ("task:\n  evaluation:\n    criteria:\n      - {criterion: 安全, points: 二十}\n", 6,
     "task.evaluation.criteria.0.points"),
    ("task:\n  evaluation:\n    criteria:\n      - {criterion: 安全, points: -5}\n", 6,
     "task.evaluation.criteria.0.points"),
    ("task:\n  evaluation:\n    raters: [self, parent]\n    criteria: [{criterion: 安全, points: 5}]\n", 5,
     "task.evaluation.raters.1"),
    ("task:\n  evaluation:\n    weights:\n      self: 50\n      peer: 30\n      teacher: 30\n"
     "    criteria: [{criterion: 安全, points: 5}]\n", 6, "task.evaluation.weights"),
    ("task:\n  evaluation: {}\n", 4, "task.evaluation"),
    ("task: [record]\n", 3, "task"),
])
def test_a_mistake_in_the_task_is_reported_with_its_line_and_key(task, line, key):
    with pytest.raises(FrontMatterInvalid) as caught:
        parse_chapter(f"---\ntitle: 任务\n{task}---\n正文\n", "books/b/chapters/t.md")
    assert (caught.value.line, caught.value.params["key"]) == (line, key), caught.value.message
    assert caught.value.path == "books/b/chapters/t.md"
