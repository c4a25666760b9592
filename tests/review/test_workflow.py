"""The life of a change request over a real library: open, commit, update, merge, close."""
from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta, timezone

import pytest

from materials import OVERWRITE, EditConflict, Library, PathOutsideBook, Write
from review_library import BOOK, CHECK_BODY, EDITOR, ENGINEER, TEACHER, TEST_BODY, chapter, chapter_path

from review.checks import CheckResult
from review.errors import IllegalTransition, MainMoved, PolicyNotSatisfied, ReviewError, StaleVerdict
from review.policy import Missing, Review, ReviewPolicy, evaluate
from review.workflow import (ChangeRequest, ahead_count, behind_count, close, commit_to, commit_to_main,
                             convert_to_draft, facts, mark_ready, merge, open_change_request, refresh, reopen,
                             update_from_main)

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
CHECK = chapter_path("01-check.md")
TEST = chapter_path("02-test.md")


def open_cr(lib, number=1, **kw) -> ChangeRequest:
    return open_change_request(lib, number=number, book=BOOK, title="补充闸瓦检查要点", author="wang",
                               author_side="school", description="增加限度值。", **kw)


def approved(cr: ChangeRequest, policy=ReviewPolicy()):
    """The verdict after one teacher and one engineer approve cr's head and checks pass."""
    reviews = [Review("li", "school", False, "approve", cr.head, T0),
               Review("chen", "enterprise", False, "approve", cr.head, T0 + timedelta(minutes=1))]
    checks = [CheckResult(name, "passed", (), cr.head) for name in policy.checks]
    return evaluate(policy, facts(cr), reviews, checks, [])


def edit_check(lib, cr, line="闸瓦厚度不小于 12 mm。\n", author=TEACHER):
    text = lib.read(cr.head, CHECK).decode() + line
    return commit_to(lib, cr, [Write(CHECK, text)], author, "Add the limit")[0]


def test_opening_a_change_request_branches_from_main(lib):
    cr = open_cr(lib)
    assert cr.branch == "cr/1" and cr.state == "open"
    assert lib.branches()["cr/1"] == lib.resolve("main") == cr.base == cr.head


def test_draft_then_ready_then_back_to_draft(lib):
    cr = open_cr(lib, draft=True)
    assert cr.state == "draft"
    cr = mark_ready(cr)
    assert cr.state == "open"
    assert convert_to_draft(cr).state == "draft"
    with pytest.raises(IllegalTransition):
        mark_ready(cr)


@pytest.mark.parametrize("kw,code", [
    ({"book": "no-such-book"}, "change_request.unknown_book"),
    ({"book": "../etc"}, "change_request.unknown_book"),
    ({"title": "   "}, "change_request.title_required"),
    ({"number": 0}, "change_request.bad_number"),
], ids=["unknown-book", "path-as-book", "blank-title", "zero-number"])
def test_bad_change_request_is_refused(lib, kw, code):
    args = dict(number=1, book=BOOK, title="T", author="wang", author_side="school") | kw
    with pytest.raises(ReviewError) as err:
        open_change_request(lib, **args)
    assert err.value.code == code
    assert "cr/1" not in lib.branches()


def test_the_same_number_twice_is_refused(lib):
    open_cr(lib)
    with pytest.raises(ReviewError) as err:
        open_cr(lib)
    assert err.value.code == "change_request.exists"


def test_commits_land_on_the_branch_not_on_main(lib):
    main = lib.resolve("main")
    cr = edit_check(lib, open_cr(lib))
    assert lib.resolve("main") == main
    assert lib.branches()["cr/1"] == cr.head != main
    assert lib.read(cr.head, CHECK).decode().endswith("闸瓦厚度不小于 12 mm。\n")
    assert ahead_count(lib, cr) == 1 and behind_count(lib, cr) == 0


def test_files_outside_the_book_cannot_be_changed(lib):
    cr = open_cr(lib)
    for path in ("library.yml", "books/other/book.yml", "README.md"):
        with pytest.raises(PathOutsideBook):
            commit_to(lib, cr, [Write(path, "x")], TEACHER, "Sneak")
    assert lib.branches()["cr/1"] == cr.head


def test_a_book_change_request_may_bring_a_standard_edition_into_the_library(lib):
    cr = open_cr(lib)
    cr, _saved = commit_to(lib, cr, [Write("standards/new-edition@2027.yml", "id: x\n")], TEACHER, "Import")
    assert lib.read(cr.head, "standards/new-edition@2027.yml") == b"id: x\n"


def test_commit_on_a_stale_base_merges_rather_than_overwrites(lib):
    cr = open_cr(lib)
    stale = cr
    cr = edit_check(lib, cr)  # someone else's save, on another part of the file
    top = "---\ntitle: 制动装置检查\nstandards: [L5.S.1.1.1, L5.K.1.1.1]\n---\n检查前确认止轮器。\n" + CHECK_BODY
    cr2, saved = commit_to(lib, stale, [Write(CHECK, top)], ENGINEER, "Add a safety line")
    text = lib.read(cr2.head, CHECK).decode()
    assert "检查前确认止轮器。" in text and "闸瓦厚度不小于 12 mm。" in text
    assert saved.merged_paths == (CHECK,)


def test_update_from_main_brings_main_in_and_behind_drops_to_zero(lib):
    cr = edit_check(lib, open_cr(lib))
    lib.commit("main", [Write(TEST, chapter("五步闸试验", "L4.S.1.1.1", TEST_BODY + "新规程。\n"))], EDITOR, "Direct",
               base=OVERWRITE)
    assert behind_count(lib, cr) == 1
    cr = update_from_main(lib, cr, TEACHER)
    assert behind_count(lib, cr) == 0
    assert "新规程。" in lib.read(cr.head, TEST).decode()
    assert len(lib.objects.commit(cr.head).parents) == 2


def test_update_from_main_with_overlapping_edits_raises_the_conflict_and_writes_nothing(lib):
    cr = edit_check(lib, open_cr(lib), line="A 版本。\n")
    lib.commit("main", [Write(CHECK, lib.read("main", CHECK).decode() + "B 版本。\n")], EDITOR, "Direct", base=OVERWRITE)
    with pytest.raises(EditConflict) as err:
        update_from_main(lib, cr, TEACHER)
    [conflict] = err.value.conflicts
    assert conflict.path == CHECK and "A 版本。" in conflict.merged and "B 版本。" in conflict.merged
    assert lib.branches()["cr/1"] == cr.head


def test_merge_needs_the_policy_to_hold(lib):
    cr = edit_check(lib, open_cr(lib))
    policy = ReviewPolicy()
    verdict = evaluate(policy, facts(cr), [], [], [])
    with pytest.raises(PolicyNotSatisfied) as err:
        merge(lib, cr, policy, verdict, ENGINEER)
    assert Missing("approvals", side="enterprise", count=1) in err.value.missing
    assert err.value.params["missing"][0] == {"code": "approvals", "side": "school", "count": 1}
    assert "cr/1" in lib.branches()


def test_merge_makes_a_merge_commit_on_main_and_deletes_the_branch(lib):
    main = lib.resolve("main")
    cr = edit_check(lib, open_cr(lib))
    outcome = merge(lib, cr, ReviewPolicy(), approved(cr), ENGINEER)
    merged = outcome.change_request
    assert merged.state == "merged" and outcome.branch_deleted
    assert lib.resolve("main") == merged.merged_sha
    commit = lib.objects.commit(merged.merged_sha)
    assert commit.parents == (main, cr.head)
    assert commit.message.startswith("Merge change request #1: 补充闸瓦检查要点\n\n增加限度值。")
    assert commit.trailer("Jointbook-Side") == "enterprise"
    assert "cr/1" not in lib.branches()
    # Both sides are in the history of main: the teacher's commit and the engineer's merge.
    sides = {c.side for c in lib.log("main", limit=3)}
    assert {"school", "enterprise"} <= sides


def test_squash_merge_folds_the_commits_and_credits_every_author(lib):
    policy = ReviewPolicy.from_config({"merge_method": "squash"})
    main = lib.resolve("main")
    cr = edit_check(lib, open_cr(lib))
    cr = edit_check(lib, cr, line="第二行。\n", author=ENGINEER)
    merged = merge(lib, cr, policy, approved(cr, policy), EDITOR).change_request
    commit = lib.objects.commit(merged.merged_sha)
    assert commit.parents == (main,)
    assert commit.message.splitlines()[0] == "补充闸瓦检查要点 (#1)"
    assert "Co-authored-by: 王老师 <wang@college.edu.cn>" in commit.message
    assert "Co-authored-by: 陈工 <chen@depot.example.com>" in commit.message
    assert lib.read("main", CHECK).decode().endswith("闸瓦厚度不小于 12 mm。\n第二行。\n")


def test_a_push_after_evaluation_makes_the_verdict_stale(lib):
    cr = edit_check(lib, open_cr(lib))
    verdict = approved(cr)
    newer = edit_check(lib, cr, line="又改了。\n")
    with pytest.raises(StaleVerdict):
        merge(lib, newer, ReviewPolicy(), verdict, ENGINEER)
    with pytest.raises(StaleVerdict):  # an out-of-date record is caught too
        merge(lib, cr, ReviewPolicy(), verdict, ENGINEER)
    assert lib.resolve("main") == cr.base


def test_merge_when_main_moved_since_the_page_was_shown_raises_main_moved(lib):
    cr = edit_check(lib, open_cr(lib))
    shown = lib.resolve("main")
    lib.commit("main", [Write(TEST, lib.read("main", TEST).decode() + "x\n")], EDITOR, "Direct", base=OVERWRITE)
    with pytest.raises(MainMoved) as err:
        merge(lib, cr, ReviewPolicy(), approved(cr), ENGINEER, expected_main=shown)
    assert err.value.code == "change_request.main_moved"
    assert "cr/1" in lib.branches()


def test_a_change_request_with_nothing_new_cannot_merge(lib):
    cr = open_cr(lib)
    with pytest.raises(IllegalTransition) as err:
        merge(lib, cr, ReviewPolicy(), approved(cr), ENGINEER)
    assert err.value.code == "change_request.nothing_to_merge"


def test_merged_and_closed_change_requests_refuse_further_work(lib):
    cr = edit_check(lib, open_cr(lib))
    merged = merge(lib, cr, ReviewPolicy(), approved(cr), ENGINEER).change_request
    for action in (lambda: commit_to(lib, merged, [Write(CHECK, "x")], TEACHER, "m"), lambda: close(merged),
                   lambda: reopen(lib, merged), lambda: update_from_main(lib, merged, TEACHER)):
        with pytest.raises(IllegalTransition) as err:
            action()
        assert err.value.params["state"] == "merged"


def test_close_keeps_the_branch_and_reopen_picks_up_its_head(lib):
    cr = edit_check(lib, open_cr(lib))
    closed = close(cr)
    assert closed.state == "closed" and lib.branches()["cr/1"] == cr.head
    with pytest.raises(IllegalTransition):
        merge(lib, closed, ReviewPolicy(), approved(closed), ENGINEER)
    reopened = reopen(lib, closed)
    assert reopened.state == "open" and reopened.head == cr.head


def test_refresh_reads_commits_another_process_made(lib):
    cr = open_cr(lib)
    other = edit_check(lib, cr)
    assert refresh(lib, cr).head == other.head


def test_direct_commits_only_for_maintainers_when_the_policy_allows(lib):
    change = [Write(CHECK, lib.read("main", CHECK).decode() + "勘误。\n")]
    with pytest.raises(ReviewError) as err:
        commit_to_main(lib, BOOK, ReviewPolicy(), True, change, EDITOR, "Fix", base=lib.resolve("main"))
    assert err.value.code == "change_request.direct_commit_forbidden"
    allowed = ReviewPolicy.from_config({"direct_commits": True})
    with pytest.raises(ReviewError):
        commit_to_main(lib, BOOK, allowed, False, change, TEACHER, "Fix", base=lib.resolve("main"))
    saved = commit_to_main(lib, BOOK, allowed, True, change, EDITOR, "Fix", base=lib.resolve("main"))
    assert lib.resolve("main") == saved.sha


# --- two merges racing from two processes ---------------------------------------------


def _race(path: str, number: int, head: str, expected_main: str, barrier, results) -> None:
    lib = Library(path)
    cr = ChangeRequest(number, BOOK, f"CR {number}", "", "wang", "school", f"cr/{number}", expected_main, "open", head)
    barrier.wait()
    try:
        outcome = merge(lib, cr, ReviewPolicy(), approved(cr), ENGINEER, expected_main=expected_main)
        results.put((number, "merged", outcome.change_request.merged_sha))
    except MainMoved as exc:
        results.put((number, "main_moved", exc.params.get("current")))


def test_two_merges_racing_from_two_processes_exactly_one_wins(lib, library_path):
    one = edit_check(lib, open_cr(lib, 1))
    two = commit_to(lib, open_cr(lib, 2), [Write(TEST, lib.read("main", TEST).decode() + "另一处修改。\n")],
                    ENGINEER, "Other")[0]
    main = lib.resolve("main")
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_race, args=(str(library_path), cr.number, cr.head, main, barrier, results))
             for cr in (one, two)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    outcomes = sorted(results.get(timeout=5) for _ in procs)
    assert sorted(o[1] for o in outcomes) == ["main_moved", "merged"]
    winner = next(o for o in outcomes if o[1] == "merged")
    loser = next(o for o in outcomes if o[1] == "main_moved")
    assert lib.resolve("main") == winner[2] == loser[2]
    loser_cr = one if loser[0] == 1 else two
    # The loser's work is intact on its branch; it updates and merges.
    assert lib.branches()[loser_cr.branch] == loser_cr.head
    updated = update_from_main(lib, loser_cr, TEACHER)
    merge(lib, updated, ReviewPolicy(), approved(updated), ENGINEER)
    text_check, text_test = lib.read("main", CHECK).decode(), lib.read("main", TEST).decode()
    assert "闸瓦厚度不小于 12 mm。" in text_check and "另一处修改。" in text_test
