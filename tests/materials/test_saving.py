"""Saving chapters: one commit per save, on top of the base the author started from."""
from __future__ import annotations

import pytest

from materials import OVERWRITE, Delete, EditConflict, NotFound, Rename, Write

from .conftest import CHAPTER, CRAFTSMAN, TEACHER, fsck, refs_snapshot

INTRO = "books/loco/chapters/01-intro.md"
BRAKE = "books/loco/chapters/02-brake.md"


def edit_line(text: str, n: int, new: str) -> str:
    lines = text.split("\n")
    lines[n + 2] = new  # 3 lines of front matter before line 1
    return "\n".join(lines)


def test_save_on_current_base_is_one_commit_with_the_side_recorded(lib):
    base = lib.resolve("main")
    saved = lib.commit("main", [Write(INTRO, "---\ntitle: 概述\n---\n新的正文\n")], CRAFTSMAN, "Rewrite the intro", base=base)
    assert lib.resolve("main") == saved.sha
    commit = lib.objects.commit(saved.sha)
    assert commit.parents == (base,)
    assert commit.trailer("Jointbook-Side") == "enterprise"
    assert lib.read_text("main", INTRO).endswith("新的正文\n")
    assert fsck(lib).returncode == 0


def test_several_changes_land_as_one_commit(lib):
    before = lib.resolve("main")
    saved = lib.commit("main", [
        Write("books/loco/chapters/03-new.md", CHAPTER.format(title="新章")),
        Rename(BRAKE, "books/loco/chapters/02-braking.md"),
        Delete(INTRO),
        Write("books/loco/assets/logo.png", b"\x89PNG\r\n\x1a\n\x00binary\xff"),
    ], TEACHER, "Reorganise", base=before)
    assert lib.objects.commit(saved.sha).parents == (before,)
    files = lib.files("main", "books/loco")
    assert "books/loco/chapters/03-new.md" in files and "books/loco/chapters/02-braking.md" in files
    assert INTRO not in files and BRAKE not in files
    assert lib.read("main", "books/loco/assets/logo.png") == b"\x89PNG\r\n\x1a\n\x00binary\xff"


def test_stale_base_keeps_other_peoples_edits_to_other_files(lib):
    base = lib.resolve("main")
    lib.commit("main", [Write(BRAKE, edit_line(lib.read_text(base, BRAKE), 1, "企业改的"))], CRAFTSMAN, "brake", base=base)
    saved = lib.commit("main", [Write(INTRO, edit_line(lib.read_text(base, INTRO), 1, "老师改的"))], TEACHER, "intro", base=base)
    assert saved.merged_paths == ()
    assert "企业改的" in lib.read_text("main", BRAKE)
    assert "老师改的" in lib.read_text("main", INTRO)


def test_second_save_on_stale_base_merges_non_overlapping_edits(lib):
    base = lib.resolve("main")
    original = lib.read_text(base, INTRO)
    lib.commit("main", [Write(INTRO, edit_line(original, 1, "第一行（企业修订）"))], CRAFTSMAN, "one", base=base)
    saved = lib.commit("main", [Write(INTRO, edit_line(original, 9, "第九行（学校修订）"))], TEACHER, "nine", base=base)
    assert saved.merged_paths == (INTRO,)
    text = lib.read_text("main", INTRO)
    assert "第一行（企业修订）" in text and "第九行（学校修订）" in text


def test_overlapping_edit_raises_conflict_with_every_version_and_writes_nothing(lib):
    base = lib.resolve("main")
    original = lib.read_text(base, INTRO)
    theirs = edit_line(original, 2, "企业的说法")
    lib.commit("main", [Write(INTRO, theirs)], CRAFTSMAN, "theirs", base=base)
    before = refs_snapshot(lib)
    yours = edit_line(original, 2, "老师的说法")
    with pytest.raises(EditConflict) as caught:
        lib.commit("main", [Write(INTRO, yours)], TEACHER, "yours", base=base)
    conflict = caught.value.conflicts[0]
    assert (conflict.path, conflict.base, conflict.theirs, conflict.yours) == (INTRO, original, theirs, yours)
    assert "<<<<<<<" in conflict.merged and "老师的说法" in conflict.merged and "企业的说法" in conflict.merged
    assert refs_snapshot(lib) == before


def test_deleting_a_chapter_someone_changed_since_is_a_conflict(lib):
    base = lib.resolve("main")
    lib.commit("main", [Write(INTRO, edit_line(lib.read_text(base, INTRO), 1, "x"))], CRAFTSMAN, "edit", base=base)
    before = refs_snapshot(lib)
    with pytest.raises(EditConflict):
        lib.commit("main", [Delete(INTRO)], TEACHER, "delete", base=base)
    assert refs_snapshot(lib) == before


def test_rename_on_stale_base_carries_the_other_authors_edit(lib):
    base = lib.resolve("main")
    lib.commit("main", [Write(INTRO, edit_line(lib.read_text(base, INTRO), 1, "企业补充"))], CRAFTSMAN, "edit", base=base)
    lib.commit("main", [Rename(INTRO, "books/loco/chapters/00-intro.md")], TEACHER, "rename", base=base)
    assert "企业补充" in lib.read_text("main", "books/loco/chapters/00-intro.md")


def test_binary_files_changed_on_both_sides_conflict(lib):
    png = "books/loco/assets/a.png"
    lib.commit("main", [Write(png, b"\x00one")], TEACHER, "add", base=OVERWRITE)
    base = lib.resolve("main")
    lib.commit("main", [Write(png, b"\x00two")], CRAFTSMAN, "theirs", base=base)
    with pytest.raises(EditConflict):
        lib.commit("main", [Write(png, b"\x00three")], TEACHER, "yours", base=base)
    assert lib.read("main", png) == b"\x00two"


def test_saving_identical_content_makes_no_commit(lib):
    head = lib.resolve("main")
    saved = lib.commit("main", [Write(INTRO, lib.read(head, INTRO))], TEACHER, "nothing", base=OVERWRITE)
    assert saved.unchanged and lib.resolve("main") == head


def test_deleting_a_missing_file_is_refused(lib):
    before = refs_snapshot(lib)
    with pytest.raises(NotFound):
        lib.commit("main", [Delete("books/loco/chapters/99.md")], TEACHER, "x", base=OVERWRITE)
    assert refs_snapshot(lib) == before


def test_every_book_file_reads_back_at_an_old_revision(lib):
    old = lib.resolve("main")
    lib.commit("main", [Write(INTRO, "---\ntitle: 改\n---\n")], TEACHER, "change", base=OVERWRITE)
    assert lib.read_text(old, INTRO) == CHAPTER.format(title="概述")
    assert set(lib.snapshot(old, "books/loco")) == {"books/loco/book.yml", INTRO, BRAKE}
