"""History, diffs, blame by side, reverts, branches, merges and release tags."""
from __future__ import annotations

import pytest

from materials import OVERWRITE, EditConflict, NotFound, RefExists, RefMoved, Rename, Write

from .conftest import CRAFTSMAN, TEACHER, fsck

INTRO = "books/loco/chapters/01-intro.md"


def test_log_of_a_file_follows_renames(lib):
    lib.commit("main", [Write(INTRO, lib.read_text("main", INTRO) + "补充\n")], CRAFTSMAN, "Add a case", base=OVERWRITE)
    lib.commit("main", [Rename(INTRO, "books/loco/chapters/00-intro.md")], TEACHER, "Renumber", base=OVERWRITE)
    log = lib.log("main", "books/loco/chapters/00-intro.md")
    assert [c.summary for c in log] == ["Renumber", "Add a case", "Add the book"]
    assert [c.side for c in log] == ["school", "enterprise", "school"]
    assert log[0].authored_at.tzinfo is not None


def test_diff_is_structured_into_files_hunks_and_numbered_lines(lib):
    old = lib.resolve("main")
    text = lib.read_text(old, INTRO).replace("第5行", "第五行")
    lib.commit("main", [Write(INTRO, text), Write("books/loco/chapters/03.md", "---\ntitle: 新\n---\n")], TEACHER, "x",
               base=OVERWRITE)
    diff = lib.diff(old, "main")
    by_path = {f.path: f for f in diff.files}
    assert by_path["books/loco/chapters/03.md"].status == "added"
    changed = by_path[INTRO]
    assert (changed.added, changed.removed) == (1, 1)
    minus = [l for h in changed.hunks for l in h.lines if l.kind == "-"][0]
    plus = [l for h in changed.hunks for l in h.lines if l.kind == "+"][0]
    assert (minus.text, minus.old_no, plus.text, plus.new_no) == ("第5行", 8, "第五行", 8)
    assert "-第5行" in diff.text and "+第五行" in diff.text


def test_blame_gives_each_line_its_author_and_side(lib):
    text = lib.read_text("main", INTRO).replace("第3行", "第3行（企业案例）")
    lib.commit("main", [Write(INTRO, text)], CRAFTSMAN, "case", base=OVERWRITE)
    lines = lib.blame("main", INTRO)
    by_text = {l.text: l for l in lines}
    assert by_text["第3行（企业案例）"].side == "enterprise"
    assert by_text["第3行（企业案例）"].author_name == "李师傅"
    assert by_text["第4行"].side == "school"
    assert [l.number for l in lines] == list(range(1, len(lines) + 1))


def test_revert_undoes_one_commit_and_keeps_later_edits(lib):
    original = lib.read_text("main", INTRO)
    bad = lib.commit("main", [Write(INTRO, original.replace("第2行", "错误内容"))], CRAFTSMAN, "mistake", base=OVERWRITE).sha
    lib.commit("main", [Write(INTRO, lib.read_text("main", INTRO).replace("第9行", "后来的修订"))], TEACHER, "later",
               base=OVERWRITE)
    lib.revert("main", bad, TEACHER)
    text = lib.read_text("main", INTRO)
    assert "错误内容" not in text and "第2行" in text and "后来的修订" in text
    assert lib.log("main", limit=1)[0].summary.startswith("Revert")


def test_branches_compare_and_fast_forward(lib):
    lib.create_branch("cr/1")
    with pytest.raises(RefExists):
        lib.create_branch("cr/1")
    lib.commit("cr/1", [Write("books/loco/chapters/03.md", "---\ntitle: 三\n---\n")], CRAFTSMAN, "three", base=OVERWRITE)
    assert lib.compare("main", "cr/1") == (1, 0)
    merged = lib.merge("cr/1", "main", TEACHER, "Merge")
    assert merged == lib.resolve("cr/1") == lib.resolve("main")
    lib.delete_branch("cr/1")
    assert "cr/1" not in lib.branches()


def test_merge_commit_combines_both_sides_and_conflicts_stop_it(lib):
    lib.create_branch("cr/2")
    lib.commit("cr/2", [Write(INTRO, lib.read_text("main", INTRO).replace("第1行", "分支的"))], CRAFTSMAN, "branch",
               base=OVERWRITE)
    lib.commit("main", [Write(INTRO, lib.read_text("main", INTRO).replace("第9行", "主线的"))], TEACHER, "main",
               base=OVERWRITE)
    assert lib.compare("main", "cr/2") == (1, 1)
    merged = lib.merge("cr/2", "main", TEACHER, "Merge cr/2")
    assert len(lib.objects.commit(merged).parents) == 2
    text = lib.read_text("main", INTRO)
    assert "分支的" in text and "主线的" in text
    lib.create_branch("cr/3", "main~1" if False else lib.objects.commit(merged).parents[0])
    lib.commit("cr/3", [Write(INTRO, lib.read_text("cr/3", INTRO).replace("主线的", "冲突"))], CRAFTSMAN, "c",
               base=OVERWRITE)
    lib.commit("main", [Write(INTRO, lib.read_text("main", INTRO).replace("主线的", "另一种"))], TEACHER, "d", base=OVERWRITE)
    head = lib.resolve("main")
    with pytest.raises(EditConflict):
        lib.merge("cr/3", "main", TEACHER, "Merge cr/3")
    assert lib.resolve("main") == head
    assert fsck(lib).returncode == 0


def test_squash_merge_has_one_parent(lib):
    lib.create_branch("cr/4")
    lib.commit("cr/4", [Write("books/loco/chapters/04.md", "---\ntitle: 四\n---\n")], CRAFTSMAN, "four", base=OVERWRITE)
    lib.commit("main", [Write("books/loco/chapters/05.md", "---\ntitle: 五\n---\n")], TEACHER, "five", base=OVERWRITE)
    sha = lib.merge("cr/4", "main", TEACHER, "Squash cr/4", squash=True)
    assert len(lib.objects.commit(sha).parents) == 1
    assert lib.exists("main", "books/loco/chapters/04.md")


def test_merge_with_an_expected_head_refuses_a_moved_branch(lib):
    lib.create_branch("cr/5")
    lib.commit("cr/5", [Write("books/loco/chapters/06.md", "---\ntitle: 六\n---\n")], CRAFTSMAN, "six", base=OVERWRITE)
    seen = lib.resolve("main")
    lib.commit("main", [Write("books/loco/chapters/07.md", "---\ntitle: 七\n---\n")], TEACHER, "seven", base=OVERWRITE)
    with pytest.raises(RefMoved):
        lib.merge("cr/5", "main", TEACHER, "Merge", expected=seen)


def test_release_tags_are_annotated_and_never_move(lib):
    lib.create_tag("loco/v1.0", "main", TEACHER, "第一版")
    assert lib.tags()["loco/v1.0"] == lib.resolve("main")
    assert lib.tag_message("loco/v1.0").strip() == "第一版"
    lib.commit("main", [Write(INTRO, "---\ntitle: 改\n---\n")], TEACHER, "x", base=OVERWRITE)
    with pytest.raises(RefExists):
        lib.create_tag("loco/v1.0", "main", TEACHER, "again")
    assert lib.read_text("loco/v1.0", INTRO) != lib.read_text("main", INTRO)


def test_book_reads_chapters_in_navigation_order_with_problems_listed(lib):
    lib.commit("main", [Write("books/loco/chapters/02-brake.md", "no front matter\n")], TEACHER, "broken",
               base=OVERWRITE)
    book = lib.book("loco")
    assert [c.filename for c in book.chapters] == ["01-intro.md", "02-brake.md"]
    assert book.chapters[1].problem is not None and book.problems
    assert lib.books() == ["loco"]
    with pytest.raises(NotFound):
        lib.book("nope")
