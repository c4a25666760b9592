"""Every code review/ produces has words in Chinese and English."""
from __future__ import annotations

import pytest

from review.checks import Finding
from review.errors import MainMoved, SuggestionOutdated
from review.messages import _TEXT, describe_code, describe_error, describe_finding


@pytest.mark.parametrize("code", sorted(_TEXT))
def test_every_code_has_both_languages(code):
    assert set(_TEXT[code]) == {"zh-CN", "en"}


def test_errors_are_described_in_the_readers_language():
    assert describe_error(MainMoved("x"), "zh-CN") == "主线已更新：请先从主线更新本变更请求，再合并"
    err = SuggestionOutdated("x", path="p.md", start_line=3, end_line=4)
    assert describe_error(err, "en") == "lines 3–4 changed since the suggestion; it cannot be applied"


def test_coverage_warning_lists_the_items_lost():
    finding = Finding("books/b/chapters/01.md", None, "coverage.lowered",
                      {"standard": "s@1", "level": "L5", "label": "五级/初级工", "lost": ["L5.K.1", "L5.S.2"],
                       "chapters": ["01.md"], "before": 100.0, "after": 50.0}, "…", "warning")
    assert describe_finding(finding, "zh-CN") == "五级/初级工的覆盖率从 100.0% 降到 50.0%：不再覆盖 L5.K.1、L5.S.2"
    assert describe_finding(finding, "en").endswith("no chapter covers L5.K.1, L5.S.2 any more")


def test_superseded_standard_names_the_current_edition():
    params = {"standard": "s@2019", "status": "superseded", "replaced_by": "s@2026"}
    assert describe_code("standard.superseded", params, "zh") == "标准 s@2019 已被替代，现行版本为 s@2026"


def test_codes_that_are_not_ours_keep_their_message():
    finding = Finding("a.md", 3, "front_matter.invalid", {"key": "x"}, "unknown key 'x'")
    assert describe_finding(finding, "zh-CN") == "unknown key 'x'"
