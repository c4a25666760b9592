"""A small real library for review tests: one book, two chapters, one standard edition."""
from __future__ import annotations

from materials import OVERWRITE, Author, Library, Write

BOOK = "brakes"
STD = "sample-loco@2026"
OLD_STD = "sample-loco@2019"

TEACHER = Author("王老师", "wang@college.edu.cn", "school")
ENGINEER = Author("陈工", "chen@depot.example.com", "enterprise")
EDITOR = Author("周主编", "zhou@college.edu.cn", "school")


def standard_yml(sid: str = STD, status: str = "current", supersedes: str | None = None) -> str:
    edition = sid.split("@")[1]
    sup = f"[{{id: {supersedes}, equivalent: true}}]" if supersedes else "[]"
    return f"""\
id: {sid}
scheme: custom
code: LOCO
title: 机车检修工（示例）
edition: "{edition}"
status: {status}
supersedes: {sup}
issuer: 示例
source_url: ""
language: zh-CN
levels:
  - {{key: L5, label: 五级/初级工, cumulative: true}}
  - {{key: L4, label: 四级/中级工, cumulative: true}}
kinds: {{F: 职业功能, C: 工作内容, S: 技能要求, K: 相关知识要求}}
items:
  - {{key: L5.F.1, code: "1", kind: F, level: L5, parent: null, text: 检查}}
  - {{key: L5.C.1.1, code: "1.1", kind: C, level: L5, parent: L5.F.1, text: 制动装置检查}}
  - {{key: L5.S.1.1.1, code: "1.1.1", kind: S, level: L5, parent: L5.C.1.1, text: 能检查闸瓦厚度}}
  - {{key: L5.K.1.1.1, code: "1.1.1", kind: K, level: L5, parent: L5.C.1.1, text: 空气制动原理}}
  - {{key: L4.F.1, code: "1", kind: F, level: L4, parent: null, text: 试验}}
  - {{key: L4.C.1.1, code: "1.1", kind: C, level: L4, parent: L4.F.1, text: 制动机试验}}
  - {{key: L4.S.1.1.1, code: "1.1.1", kind: S, level: L4, parent: L4.C.1.1, text: 能完成五步闸试验}}
  - {{key: L4.K.1.1.1, code: "1.1.1", kind: K, level: L4, parent: L4.C.1.1, text: 制动机试验限度}}
weights: []
"""


def book_yml(standards: str = STD, review: str = "") -> str:
    return f"""\
title: 制动机检修
language: zh-CN
license: CC-BY-SA-4.0
edition: "2026"
standards: [{standards}]
navigation:
  - part: 第一篇
    chapters: [01-check.md, 02-test.md]
{review}"""


def chapter(title: str, refs: str, body: str) -> str:
    return f"---\ntitle: {title}\nstandards: [{refs}]\n---\n{body}"


CHECK_BODY = "".join(f"闸瓦检查第 {i} 行。\n" for i in range(1, 21))
TEST_BODY = "".join(f"五步闸试验第 {i} 步。\n" for i in range(1, 21))


def chapter_path(filename: str) -> str:
    return f"books/{BOOK}/chapters/{filename}"


def make_library(path) -> Library:
    lib = Library.init(path, starter=False)
    lib.commit("main", [
        Write(f"standards/{STD}.yml", standard_yml()),
        Write(f"books/{BOOK}/book.yml", book_yml()),
        Write(chapter_path("01-check.md"), chapter("制动装置检查", "L5.S.1.1.1, L5.K.1.1.1", CHECK_BODY)),
        Write(chapter_path("02-test.md"), chapter("五步闸试验", "L4.S.1.1.1", TEST_BODY)),
    ], EDITOR, "Add the brakes book", base=OVERWRITE)
    return lib
