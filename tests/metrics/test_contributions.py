"""Contribution figures on the constructed history of conftest.py, against hand-computed values."""
from __future__ import annotations

import pytest

from materials import InvalidPath, NotFound, Write, authorship, contributions
from materials.authorship import SideShare, text_by_author, text_share_by_side
from materials.contributions import (AuthorContribution, commits_by_side, contributors, coverage_over_releases,
                                     release_periods)

from metrics_history import LI, WANG, ZHANG, save_at, utc


# -- share of the current text -------------------------------------------------------------------
# At main (after the merge), non-blank lines by author:
#   王 (school):  01.md "---" 3, "title: 一" 8, "---" 3, 甲×10      -> 4 lines, 24 chars
#                 02.md "---" 3, "title: 二" 8, "---" 3             -> 3 lines, 14 chars
#   张 (school):  02.md 丁×5, 己×12                                 -> 2 lines, 17 chars
#   李 (enterprise): 01.md standards line 47, 丙×30, 丙×30; 03.md 54  -> 7 lines, 161 chars
#   赵 (no side): 02.md 戊×8                                         -> 1 line, 8 chars
# school 9 lines 55 chars; enterprise 7 lines 161; unknown 1 line 8; total 224 chars.
def test_text_share_counts_each_sides_current_lines_and_characters(history):
    lib, _ = history
    shares = text_share_by_side(lib, "loco")
    assert list(shares) == ["enterprise", "school", "unknown"]
    assert shares["enterprise"] == SideShare(7, 161, pytest.approx(71.875))
    assert shares["school"] == SideShare(9, 55, pytest.approx(100 * 55 / 224))
    assert shares["unknown"] == SideShare(1, 8, pytest.approx(100 * 8 / 224))


def test_lines_merged_from_a_change_request_belong_to_their_author_not_the_merger(history):
    lib, _ = history
    by_author = {(a.name, a.side): (a.lines, a.chars) for a in text_by_author(lib, "loco")}
    assert by_author == {("李师傅", "enterprise"): (7, 161), ("王老师", "school"): (7, 38),
                         ("张老师", "school"): (2, 17), ("赵工", "unknown"): (1, 8)}


def test_text_share_at_a_release_is_the_text_as_released(history):
    # At loco/v1 (C3): 王 01.md 37 (front matter) + 10, 02.md 14 + 乙×20 -> 81; 张 丁×5 -> 5;
    # 李 丙×30 twice -> 60.  school 86 chars in 10 lines, enterprise 60 in 2.
    lib, _ = history
    shares = text_share_by_side(lib, "loco", "loco/v1")
    assert {s: (v.lines, v.chars) for s, v in shares.items()} == {"school": (10, 86), "enterprise": (2, 60)}
    assert shares["school"].percent == pytest.approx(100 * 86 / 146)


def test_library_wide_share_adds_up_every_books_chapters(history):
    lib, _ = history
    assert text_share_by_side(lib, None) == text_share_by_side(lib, "loco")


def test_a_new_save_shows_in_the_share_at_once(fresh_history):
    lib, _ = fresh_history
    assert text_share_by_side(lib, "loco")["school"].chars == 55
    # 张 rewrites 李's 03.md body line (40 chars) as 丁×20: enterprise 161 - 40 = 121, school 55 + 20 = 75
    save_at(lib, "main", [Write("books/loco/chapters/03.md", "---\ntitle: 三\n---\n" + "丁" * 20 + "\n")], ZHANG,
            "Shorten", utc(2026, 3, 5))
    shares = text_share_by_side(lib, "loco")
    assert (shares["school"].chars, shares["enterprise"].chars, shares["unknown"].chars) == (75, 121, 8)


def test_figures_kept_up_to_date_by_the_cache_equal_figures_computed_from_scratch(fresh_history):
    lib, ids = fresh_history
    # Warm the caches at an older commit, then move main on with a save and a merge.
    text_share_by_side(lib, "loco", ids["C5"])
    commits_by_side(lib, "loco", ids["C5"])
    lib.create_branch("cr/2", "main")
    save_at(lib, "cr/2", [Write("books/loco/chapters/01.md", "---\ntitle: 一\n---\n" + "辛" * 9 + "\n")], LI,
            "Rewrite chapter one", utc(2026, 3, 10))
    save_at(lib, "main", [Write("books/loco/chapters/02.md", "---\ntitle: 二\n---\n" + "壬" * 4 + "\n")], WANG,
            "Rewrite chapter two", utc(2026, 3, 11))
    lib.merge("cr/2", "main", ZHANG, "Merge change request #2")
    for rev in ("main", ids["C7"], "loco/v1"):
        incremental = (text_share_by_side(lib, "loco", rev), text_by_author(lib, "loco", rev),
                       commits_by_side(lib, "loco", rev), contributors(lib, None, rev))
        authorship.clear_caches()
        contributions.clear_caches()
        assert (text_share_by_side(lib, "loco", rev), text_by_author(lib, "loco", rev),
                commits_by_side(lib, "loco", rev), contributors(lib, None, rev)) == incremental
    # and the merged rewrite is credited to 李, the second to 王: 01.md 3 + 8 + 3 + 9 = 23, 02.md 14 + 4 = 18
    shares = text_share_by_side(lib, "loco")
    assert (shares["enterprise"].chars, shares["school"].chars) == (9 + 54, 14 + 18)


# -- commits by side and the contributors table --------------------------------------------------
def test_commits_by_side_count_non_merge_commits_to_the_book(history):
    # C1 王, C2 李, C3 张, C4 赵, C5 李, C6 李, C7 张; the merge is not authorship
    lib, _ = history
    assert commits_by_side(lib, "loco") == {"enterprise": 3, "school": 3, "unknown": 1}


def test_library_wide_commits_include_the_librarys_own_first_commit(history):
    lib, _ = history  # "Create the library" is made by the platform, without a side
    assert commits_by_side(lib, None) == {"enterprise": 3, "school": 3, "unknown": 2}


def test_a_period_includes_its_start_and_excludes_its_end(history):
    # [C3's time, C5's time): C3 张, C4 赵 — C5 is on the end and left out
    lib, _ = history
    assert commits_by_side(lib, "loco", since=utc(2025, 9, 5), until=utc(2026, 2, 1)) == {"school": 1, "unknown": 1}
    assert commits_by_side(lib, "loco", since=utc(2026, 2, 1)) == {"enterprise": 2, "school": 1}
    assert commits_by_side(lib, "loco", until=utc(2025, 1, 1)) == {}


def test_contributors_table_lists_commits_and_lines_of_the_book_per_author(history):
    # 王 C1: book.yml 7 + 01.md 7 + 02.md 4 lines (the standard is outside the book)
    # 李 C2 +2 -1, C5 +1 -1, C6 +4;  张 C3 +1, C7 +1;  赵 C4 +1 -1
    lib, _ = history
    assert contributors(lib, "loco") == [
        AuthorContribution("李师傅", "li@example.com", "enterprise", 3, 7, 2),
        AuthorContribution("张老师", "zhang@example.edu.cn", "school", 2, 2, 0),
        AuthorContribution("王老师", "wang@example.edu.cn", "school", 1, 18, 0),
        AuthorContribution("赵工", "zhao@example.com", "unknown", 1, 1, 1),
    ]


def test_contributors_over_a_period(history):
    lib, _ = history
    assert [(c.name, c.commits) for c in contributors(lib, "loco", since=utc(2026, 1, 1), until=utc(2026, 3, 1))] == [
        ("李师傅", 2), ("赵工", 1)]


# -- alignment over releases ---------------------------------------------------------------------
def test_coverage_over_releases_reads_book_and_standard_as_released(history):
    # v1: L5.S.1.1.1 only -> L5 1/3, L4 1/7.  v2: + L5.S.1.1.2, L4.S.2.1.1 -> L5 2/3, L4 3/7.
    lib, _ = history
    points = coverage_over_releases(lib, "loco")
    assert [(p.tag, p.version, p.date) for p in points] == [("loco/v1", "1", utc(2025, 9, 10)),
                                                             ("loco/v2", "2", utc(2026, 2, 10))]
    assert points[0].levels == {"L5": pytest.approx(100 / 3), "L4": pytest.approx(100 / 7)}
    assert points[1].levels == {"L5": pytest.approx(200 / 3), "L4": pytest.approx(300 / 7)}
    assert list(points[1].by_standard) == ["cn-noss-6-23-01-03@2019"]


def test_a_book_without_releases_has_no_line(history):
    lib, _ = history
    assert coverage_over_releases(lib, "other") == []
    assert release_periods(lib, "other") == []


def test_release_periods_run_from_one_release_to_the_next(history):
    lib, _ = history
    assert release_periods(lib, "loco") == [("loco/v1", None, utc(2025, 9, 10)),
                                           ("loco/v2", utc(2025, 9, 10), utc(2026, 2, 10))]


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("book", ["../loco", "-x", "Loco", ""])
def test_a_malformed_book_name_is_refused(history, book):
    lib, _ = history
    for figure in (text_share_by_side, commits_by_side, contributors):
        with pytest.raises(InvalidPath):
            figure(lib, book)
    with pytest.raises(InvalidPath):
        coverage_over_releases(lib, book)


def test_an_unknown_book_or_revision_is_not_found(history):
    lib, _ = history
    with pytest.raises(NotFound):
        text_share_by_side(lib, "missing")
    for rev in ("-x", "--all", "no-such-branch"):
        with pytest.raises(NotFound):
            text_share_by_side(lib, "loco", rev)
        with pytest.raises(NotFound):
            commits_by_side(lib, "loco", rev)
