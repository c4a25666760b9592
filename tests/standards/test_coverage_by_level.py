"""Coverage figures for the small standard, worked out by hand in the comments."""
from __future__ import annotations

import dataclasses

import pytest

from materials.coverage import coverage
from materials.errors import AmbiguousItemRef, UnknownStandardItem
from materials.standards.standard import Level

from .conftest import SMALL_ID

BOOK = {
    "01-walk.md": ["L5.S.1.1.1", "L5.K.1.1.1"],
    "02-brake.md": ["L4.S.2.1.1", "L4.F.3"],          # naming F.3 does not cover S.3.1.1
    "03-review.md": ["L5.S.1.1.1", f"{SMALL_ID}:L4.K.2.1.2"],
}


@pytest.fixture
def result(small):
    return coverage({SMALL_ID: small}, [SMALL_ID], BOOK)


def test_matrix_lists_each_chapters_items(result):
    assert result.matrix["02-brake.md"] == {(SMALL_ID, "L4.S.2.1.1"), (SMALL_ID, "L4.F.3")}
    assert result.matrix["03-review.md"] == {(SMALL_ID, "L5.S.1.1.1"), (SMALL_ID, "L4.K.2.1.2")}


def test_by_item_lists_chapters_in_book_order_and_empty_for_gaps(result):
    assert result.by_item[(SMALL_ID, "L5.S.1.1.1")] == ["01-walk.md", "03-review.md"]
    assert result.by_item[(SMALL_ID, "L4.F.3")] == ["02-brake.md"]
    assert result.by_item[(SMALL_ID, "L4.S.3.1.1")] == []


def test_lowest_level_counts_its_own_items(result):
    # L5: S.1.1.1 ✓, S.1.1.2 ✗, K.1.1.1 ✓  → 2 of 3
    l5 = result.standards[SMALL_ID].level("L5")
    assert l5.skills_covered == ["L5.S.1.1.1"] and l5.skills_missing == ["L5.S.1.1.2"]
    assert l5.knowledge_covered == ["L5.K.1.1.1"] and l5.knowledge_missing == []
    assert l5.percent == pytest.approx(200 / 3)


def test_cumulative_level_includes_the_items_of_lower_levels(result):
    # L4 ⊇ L5: S: L5.S.1.1.1 ✓ L5.S.1.1.2 ✗ L4.S.2.1.1 ✓ L4.S.3.1.1 ✗ ; K: L5.K.1.1.1 ✓ L4.K.2.1.1 ✗ L4.K.2.1.2 ✓
    l4 = result.standards[SMALL_ID].level("L4")
    assert l4.skills_missing == ["L5.S.1.1.2", "L4.S.3.1.1"]
    assert l4.knowledge_missing == ["L4.K.2.1.1"]
    assert (l4.covered, l4.total) == (4, 7)
    assert l4.percent == pytest.approx(400 / 7)


def test_non_cumulative_level_counts_only_its_own_items(small):
    levels = (small.levels[0], Level("L4", "四级/中级工", False))
    std = dataclasses.replace(small, levels=levels)
    l4 = coverage({SMALL_ID: std}, [SMALL_ID], BOOK).standards[SMALL_ID].level("L4")
    assert (l4.covered, l4.total) == (2, 4)  # S.2.1.1 ✓ S.3.1.1 ✗ K.2.1.1 ✗ K.2.1.2 ✓


def test_weighted_coverage_follows_the_weight_tables(result):
    l5 = result.standards[SMALL_ID].level("L5")
    l4 = result.standards[SMALL_ID].level("L4")
    # skill L5: F.1 100 % × (1 of 2 S below it) = 50
    assert l5.weighted == pytest.approx({"skill": 50.0})
    # skill L4: F.2 60 × 1/1 + F.3 40 × 0/1 = 60
    # knowledge L4: F.2 70 × 1/2 (K.2.1.1 ✗, K.2.1.2 ✓) + F.3 30 × (no K below: its S, 0/1) = 35
    assert l4.weighted == pytest.approx({"skill": 60.0, "knowledge": 35.0})


def test_gaps_come_first_lowest_level_first(result):
    assert result.gaps() == [(SMALL_ID, "L5.S.1.1.2"), (SMALL_ID, "L4.S.3.1.1"), (SMALL_ID, "L4.K.2.1.1")]
    rows = result.standards[SMALL_ID].level("L4").rows()
    assert [covered for _, covered in rows] == [False] * 3 + [True] * 4
    assert result.gaps(level="L5") == [(SMALL_ID, "L5.S.1.1.2")]


def test_a_typo_in_one_chapter_is_reported_without_hiding_the_rest(small):
    book = dict(BOOK, **{"04-typo.md": ["L4.S.2.1.9"]})
    result = coverage({SMALL_ID: small}, [SMALL_ID], book)
    [err] = result.unresolved["04-typo.md"]
    assert isinstance(err, UnknownStandardItem) and err.params["key"] == "L4.S.2.1.9"
    assert result.standards[SMALL_ID].level("L4").covered == 4


def test_bare_keys_are_ambiguous_when_the_book_declares_two_standards(small):
    other = dataclasses.replace(small, id="cn-1x-brakes@2021", edition="2021")
    result = coverage({small.id: small, other.id: other}, [small.id, other.id],
                      {"01.md": ["L5.S.1.1.1", "cn-1x-brakes@2021:L5.S.1.1.2"]})
    [err] = result.unresolved["01.md"]
    assert isinstance(err, AmbiguousItemRef)
    assert result.matrix["01.md"] == {("cn-1x-brakes@2021", "L5.S.1.1.2")}
    assert result.standards["cn-1x-brakes@2021"].level("L5").skills_covered == ["L5.S.1.1.2"]


def test_a_declared_standard_missing_from_the_library_is_listed(small):
    result = coverage({SMALL_ID: small}, [SMALL_ID, "gone@2000"], {})
    assert result.unknown_standards == ["gone@2000"]
    assert result.standards[SMALL_ID].level("L5").percent == 0.0
