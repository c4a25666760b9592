"""Front matter and book.yml: what authors may write, read back exactly."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from materials import BookInvalid, FrontMatter, FrontMatterInvalid, parse_chapter, serialize_chapter
from materials.books import parse_book_config

text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=30).map(str.strip).filter(bool)


@settings(max_examples=150, deadline=None)
@given(
    title=text,
    standards=st.lists(st.from_regex(r"L[1-5]\.[SK]\.[1-9]\.[1-9]\.[1-9]", fullmatch=True), max_size=5, unique=True),
    objectives=st.lists(text, max_size=3),
    hours=st.one_of(st.none(), st.integers(0, 200)),
    body=st.text(max_size=200),
)
def test_front_matter_round_trips(title, standards, objectives, hours, body):
    meta = FrontMatter(title=title, standards=tuple(standards), objectives=tuple(objectives), hours=hours)
    parsed, parsed_body = parse_chapter(serialize_chapter(meta, body), "c.md")
    assert parsed == meta
    assert parsed_body == body


def test_unknown_front_matter_key_is_reported_with_its_line():
    with pytest.raises(FrontMatterInvalid) as caught:
        parse_chapter("---\ntitle: 制动\nstandard: [L4.S.1]\n---\n正文\n", "books/loco/chapters/a.md")
    assert caught.value.line == 3 and caught.value.params["key"] == "standard"


@pytest.mark.parametrize("front", ["---\nstandards: []\n---\n", "---\ntitle: x\n", "no front matter\n",
                                   "---\ntitle: x\nhours: many\n---\n", "---\n- a\n---\n"])
def test_invalid_front_matter_is_refused(front):
    with pytest.raises(FrontMatterInvalid):
        parse_chapter(front, "a.md")


def test_book_yml_reads_navigation_and_review_policy():
    config = parse_book_config(
        "title: 机车\nstandards: [s@1]\nnavigation:\n  - part: 一\n    chapters: [a.md, b.md]\n"
        "review:\n  required: {school: 2, enterprise: 1}\n", "book.yml")
    assert config.chapter_files() == ["a.md", "b.md"]
    assert config.review["required"] == {"school": 2, "enterprise": 1}
    assert config.review["self_approval"] is False


@pytest.mark.parametrize("yml,line", [
    ("title: x\nplugins: [evil]\n", 2),
    ("language: zh-CN\n", 1),
    ("title: x\nnavigation:\n  - part: a\n    chapters: [a.md, a.md]\n", 4),
    ("title: x\nnavigation:\n  - part: a\n    chapters: [../x.md]\n", 4),
    ("title: x\nreview:\n  required: {school: -1}\n", 3),
    ("title: x\nreview:\n  merge_method: rebase\n", 3),
    ("title: x\nlanguage: klingon\n", 2),
])
def test_invalid_book_yml_is_reported_with_its_line(yml, line):
    with pytest.raises(BookInvalid) as caught:
        parse_book_config(yml, "books/x/book.yml")
    assert caught.value.line == line
