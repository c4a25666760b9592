"""The revision cycle: a revision due three years after the edition (or when planned), the yearly update,
superseded standards — each judged on a day passed in."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from materials import BookInvalid
from materials.books import parse_book_config
from materials.revision_cycle import cycle, months_between


def test_the_revision_is_due_three_years_after_the_edition_unless_planned():
    assert cycle("2024-09", None, None, date(2026, 1, 1)).revision_due == date(2027, 9, 1)
    assert cycle("2024-09", "2026-07", None, date(2026, 1, 1)).revision_due == date(2026, 7, 1)
    assert cycle(None, None, None, date(2026, 1, 1)).revision_due is None


@pytest.mark.parametrize("today, soon, overdue", [(date(2027, 5, 1), False, False), (date(2027, 6, 15), True, False),
                                                  (date(2027, 9, 1), True, False), (date(2027, 9, 2), False, True)])
def test_a_revision_is_soon_within_the_notice_period_and_overdue_after(today, soon, overdue):
    state = cycle("2024-09", None, None, today, notice_days=90)
    assert (state.revision_soon, state.revision_overdue) == (soon, overdue)


def test_the_yearly_update_counts_months_since_the_chapters_last_changed():
    state = cycle("2024-09", None, date(2025, 3, 20), date(2026, 2, 25))
    assert state.months_since_update == 11 and not state.update_due and state.update_soon
    assert cycle("2024-09", None, date(2025, 3, 20), date(2026, 3, 20)).update_due
    assert months_between(date(2025, 3, 20), date(2025, 4, 19)) == 0


def test_a_superseded_standard_names_the_chapters_that_follow_it():
    old = SimpleNamespace(status="superseded", title="旧标准", items=[SimpleNamespace(key="L4.S.1")])
    new = SimpleNamespace(status="current", title="新标准", items=[SimpleNamespace(key="L4.S.9")])
    state = cycle("2024-09", None, None, date(2026, 1, 1), standards={"old@2019": old, "new@2024": new},
                  declared=["old@2019", "new@2024"],
                  chapter_refs={"01.md": ["L4.S.1"], "02.md": ["new@2024:L4.S.9"], "03.md": ["old@2019:L4.S.1"]})
    assert [(s.standard, s.chapters) for s in state.superseded] == [("old@2019", ("01.md", "03.md"))]


def test_book_yml_carries_the_dates_and_refuses_other_forms():
    config = parse_book_config("title: 机车\nedition_date: 2024-09\nrevision_due: 2027-07-01\n", "book.yml")
    assert (config.edition_date, config.revision_due) == ("2024-09", "2027-07-01")
    with pytest.raises(BookInvalid) as refused:
        parse_book_config("title: 机车\nedition_date: 2024年9月\n", "book.yml")
    assert refused.value.line == 2
