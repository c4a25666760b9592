"""Every code review/ produces has English words, the gettext msgids the server translates."""
from __future__ import annotations

import pytest

from review.checks import Finding
from review.errors import MainMoved, SuggestionOutdated
from review.messages import LIST_SEPARATOR, MESSAGES, describe_code, describe_error, describe_finding

LOWERED = Finding("books/b/chapters/01.md", None, "coverage.lowered",
                  {"standard": "s@1", "level": "L5", "label": "五级/初级工", "lost": ["L5.K.1", "L5.S.2"],
                   "chapters": ["01.md"], "before": 100.0, "after": 50.0}, "…", "warning")


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_has_an_english_message(code):
    assert MESSAGES[code].strip() and MESSAGES[code] != code


def test_errors_are_described_in_english_without_the_server():
    assert describe_error(MainMoved("x")) == "Main moved meanwhile: update the change request from main and try again."
    err = SuggestionOutdated("x", path="p.md", start_line=3, end_line=4)
    assert describe_error(err) == "Lines 3–4 changed since the suggestion; it cannot be applied."


def test_coverage_warning_lists_the_items_lost():
    assert describe_finding(LOWERED).endswith("no chapter covers L5.K.1, L5.S.2 any more")


def test_the_translation_given_words_the_message_and_joins_the_list():
    chinese = {MESSAGES["coverage.lowered"]: "%(label)s的覆盖率从 %(before)s%% 降到 %(after)s%%：不再覆盖 %(lost_list)s",
               LIST_SEPARATOR: "、"}
    text = describe_finding(LOWERED, translate=lambda msgid: chinese.get(msgid, msgid))
    assert text == "五级/初级工的覆盖率从 100.0% 降到 50.0%：不再覆盖 L5.K.1、L5.S.2"


def test_superseded_standard_names_the_current_edition():
    params = {"standard": "s@2019", "status": "superseded", "replaced_by": "s@2026"}
    assert describe_code("standard.superseded", params) == "s@2019 is superseded; the current edition is s@2026"
    assert describe_code("standard.superseded", {**params, "status": "withdrawn", "replaced_by": ""}) == \
        "s@2019 is withdrawn"


def test_codes_that_are_not_ours_keep_their_message():
    finding = Finding("a.md", 3, "front_matter.invalid", {"key": "x"}, "unknown key 'x'")
    assert describe_finding(finding) == "unknown key 'x'"
