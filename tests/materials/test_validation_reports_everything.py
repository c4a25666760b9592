"""Validation reports every problem of a file with its line, not only the first: book.yml, a chapter's
front matter, and an import's report."""
from __future__ import annotations

from materials import OVERWRITE, Write
from materials.imports import LOST, import_mkdocs
from materials.validation import validate_book

from .conftest import TEACHER

BAD_BOOK_YML = """title: 电力机车运用与检修
language: fr
colour: red
navigation:
  - part: 第一篇
    chapters: [01-intro.md, bad name]
  - part: ""
    chapters: []
  - part: 第三篇
    chapters: [01-intro.md]
contact: not-an-address
redirects:
  ../outside.md: 01-intro.md
"""

BAD_CHAPTER = """---
title: 制动机
hours: 很多
colour: red
standards: 5
summary: [一, 二]
hide: [toc]
---
正文。
"""


def problems_of(lib, book="loco"):
    return [(p.path, p.line, p.message) for p in validate_book(lib, book)]


def test_every_problem_of_book_yml_is_reported_with_its_line(lib):
    lib.commit("main", [Write("books/loco/book.yml", BAD_BOOK_YML)], TEACHER, "Break it", base=lib.resolve("main"))
    found = problems_of(lib)
    assert [(line, message.split(" (")[0]) for _path, line, message in found] == [
        (2, "language must be one of zh-CN, zh-TW, en, en-US, en-GB"),
        (3, "unknown key 'colour'"),
        (6, "'bad name' is not a chapter file name"),
        (7, "each part needs a title"),
        (10, "chapter '01-intro.md' is listed twice"),
        (11, "'contact' must be an e-mail address"),
        (13, "'../outside.md' is not a page of a site"),
    ]
    assert {path for path, _line, _message in found} == {"books/loco/book.yml"}


def test_every_problem_of_a_chapters_front_matter_is_reported_and_every_chapter_too(lib):
    lib.commit("main", [Write("books/loco/chapters/01-intro.md", BAD_CHAPTER),
                        Write("books/loco/chapters/02-brake.md", "---\ntitle: ''\nhours: -1\n---\n")],
               TEACHER, "Break two chapters", base=lib.resolve("main"))
    found = problems_of(lib)
    assert [(path.rsplit("/", 1)[1], line, message.split(" (")[0]) for path, line, message in found] == [
        ("01-intro.md", 3, "'hours' must be a number of teaching hours"),
        ("01-intro.md", 4, "unknown key 'colour'"),
        ("01-intro.md", 5, "'standards' must be a list of texts"),
        ("01-intro.md", 6, "'summary' must be text"),
        ("01-intro.md", 7, "unknown key 'hide'"),
        ("02-brake.md", 2, "a chapter needs a title"),
        ("02-brake.md", 3, "'hours' must be a number of teaching hours"),
    ]
    book = lib.book("loco")
    assert [c.problem is not None for c in book.chapters] == [True, True]  # each chapter still shows


def test_a_good_book_has_no_problems(lib):
    assert problems_of(lib) == []


def test_an_import_reports_every_problem_of_one_page_with_its_place():
    page = ("---\nhide: [toc]\ntemplate: x.html\ntags: [a]\n---\n# 页\n\n[一](nothing.md) [二](/root.md) "
            "[三](../../outside.md)\n")
    imported = import_mkdocs({"mkdocs.yml": b"site_name: s\nnav:\n  - page.md\n", "docs/page.md": page.encode()},
                             book="loco", source="s")
    lost = [(e.code, e.params.get("key") or e.params.get("url"), e.place.heading) for e in imported.report.of(LOST)]
    assert lost == [("mkdocs.key_unknown", "hide", "docs/page.md"), ("mkdocs.key_unknown", "template", "docs/page.md"),
                    ("mkdocs.key_unknown", "tags", "docs/page.md"), ("mkdocs.link_broken", "nothing.md", "docs/page.md"),
                    ("mkdocs.link_absolute", "/root.md", "docs/page.md"),
                    ("mkdocs.link_outside", "../../outside.md", "docs/page.md")]
