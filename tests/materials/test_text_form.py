"""Text enters the library in one form: LF line endings, exactly one final newline, and
front matter whose fields did not change kept byte for byte."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from materials import FrontMatter, Write, parse_chapter
from materials.frontmatter import revise_chapter
from materials.text import normalise_text

from .conftest import TEACHER

INTRO = "books/loco/chapters/01-intro.md"

CHAPTER = """---
title: 概述
# the items this chapter teaches
standards: [L4.S.1,   L4.S.2]
objectives:
    - 能说明机车的组成
    - 能说明机车的分类
hours: 6
---

## 机车的组成

第一行。
"""


@pytest.mark.parametrize("written, stored", [
    ("a\r\nb\r\n", "a\nb\n"),
    ("a\rb\r", "a\nb\n"),
    ("a\r\n\r\nb", "a\n\nb\n"),
    ("a\n\n\n", "a\n"),
    ("a\r\n\r\n\r\n", "a\n"),
    ("\ufeff---\r\ntitle: x\r\n---\r\n", "---\ntitle: x\n---\n"),
    ("", ""),
])
def test_text_has_lf_line_endings_and_exactly_one_final_newline(written, stored):
    assert normalise_text(written) == stored


def test_a_chapter_written_with_crlf_is_stored_with_lf_and_one_final_newline(lib):
    base = lib.resolve("main")
    windows = CHAPTER.replace("\n", "\r\n") + "\r\n\r\n"
    lib.commit("main", [Write(INTRO, windows)], TEACHER, "Paste from Word", base=base)
    assert lib.read("main", INTRO) == CHAPTER.encode()


def test_a_chapter_written_as_bytes_with_lone_carriage_returns_is_stored_with_lf(lib):
    base = lib.resolve("main")
    lib.commit("main", [Write(INTRO, CHAPTER.replace("\n", "\r").encode())], TEACHER, "Old Mac file", base=base)
    assert lib.read("main", INTRO) == CHAPTER.encode()


def test_saving_the_stored_chapter_again_with_crlf_makes_no_commit(lib):
    base = lib.resolve("main")
    first = lib.commit("main", [Write(INTRO, CHAPTER)], TEACHER, "Write", base=base)
    again = lib.commit("main", [Write(INTRO, CHAPTER.replace("\n", "\r\n"))], TEACHER, "Save again", base=first.sha)
    assert again.unchanged and lib.resolve("main") == first.sha


def test_files_that_are_not_markdown_are_stored_as_sent(lib):
    base = lib.resolve("main")
    lib.commit("main", [Write("books/loco/assets/table.csv", "a,b\r\n1,2\r\n\r\n")], TEACHER, "Data", base=base)
    assert lib.read("main", "books/loco/assets/table.csv") == b"a,b\r\n1,2\r\n\r\n"


def front_matter_lines(text: str) -> list[str]:
    return text.split("---\n")[1].splitlines()


def test_unchanged_fields_keep_the_front_matter_byte_for_byte():
    meta, body = parse_chapter(CHAPTER, INTRO)
    assert revise_chapter(CHAPTER, meta, body) == CHAPTER


def test_changing_only_the_title_changes_only_the_title_line():
    meta, body = parse_chapter(CHAPTER, INTRO)
    revised = revise_chapter(CHAPTER, meta.__class__(**{**meta.__dict__, "title": "机车概述"}), body)
    before, after = front_matter_lines(CHAPTER), front_matter_lines(revised)
    assert after[0] == "title: 机车概述"
    assert after[1:] == before[1:]
    assert revised.endswith(body)


def test_a_changed_flow_list_stays_a_flow_list_and_other_keys_keep_their_lines():
    meta, body = parse_chapter(CHAPTER, INTRO)
    changed = meta.__class__(**{**meta.__dict__, "standards": ("L4.S.1", "L4.S.2", "L4.S.3")})
    after = front_matter_lines(revise_chapter(CHAPTER, changed, body))
    before = front_matter_lines(CHAPTER)
    assert after[2] == "standards: [L4.S.1, L4.S.2, L4.S.3]"
    assert after[:2] + after[3:] == before[:2] + before[3:]


def test_an_added_field_is_appended_and_a_removed_field_takes_only_its_own_lines():
    meta, body = parse_chapter(CHAPTER, INTRO)
    changed = meta.__class__(**{**meta.__dict__, "objectives": (), "summary": "机车的组成与分类。"})
    revised = revise_chapter(CHAPTER, changed, body)
    assert front_matter_lines(revised) == ["title: 概述", "# the items this chapter teaches",
                                           "standards: [L4.S.1,   L4.S.2]", "hours: 6", "summary: 机车的组成与分类。"]
    assert parse_chapter(revised, INTRO) == (changed, body)


def test_a_chapter_without_readable_front_matter_gets_the_canonical_one():
    meta, body = parse_chapter(CHAPTER, INTRO)
    revised = revise_chapter("just some text\n", meta, body)
    assert parse_chapter(revised, INTRO) == (meta, body)
    assert revised.startswith("---\ntitle: 概述\nstandards:\n")


field_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
                     max_size=30).map(str.strip).filter(bool)


@settings(max_examples=150, deadline=None)
@given(
    title=field_text,
    standards=st.lists(st.one_of(st.from_regex(r"L[1-5]\.[SK]\.[1-9]", fullmatch=True), field_text), max_size=4,
                       unique=True),
    objectives=st.lists(field_text, max_size=3),
    hours=st.one_of(st.none(), st.integers(0, 200)),
    summary=st.one_of(st.none(), field_text),
)
def test_a_revised_chapter_reads_back_as_the_fields_it_was_given(title, standards, objectives, hours, summary):
    meta = FrontMatter(title=title, standards=tuple(standards), objectives=tuple(objectives), hours=hours,
                       summary=summary)
    _, body = parse_chapter(CHAPTER, INTRO)
    assert parse_chapter(revise_chapter(CHAPTER, meta, body), INTRO) == (meta, body)
