"""Git runs isolated: the account's and the system's git configuration change nothing the
library reads or writes, every git call has a time limit, and no value reaches git as an option."""
from __future__ import annotations

import os
import subprocess

import pytest

from materials import OVERWRITE, Author, EditConflict, GitCommand, GitTimeout, Library, OptionLikeArgument, Write

from .conftest import CRAFTSMAN, TEACHER

INTRO = "books/loco/chapters/01-intro.md"
CJK = "books/loco/chapters/第三章.md"


def _history(lib: Library) -> Library:
    """Two sides' edits and a file with a Chinese name."""
    text = lib.read_text("main", INTRO)
    lib.commit("main", [Write(INTRO, text.replace("第3行", "第3行（修订）"))], TEACHER, "修订第3行",
               base=lib.resolve("main"))
    lib.commit("main", [Write(CJK, "---\ntitle: 第三章\n---\n受电弓的检查。\n")], CRAFTSMAN, "新增第三章", base=lib.resolve("main"))
    text = lib.read_text("main", INTRO)
    lib.commit("main", [Write(INTRO, text + "\n现场经验：先确认总风缸压力。\n")], CRAFTSMAN, "补充现场经验",
               base=lib.resolve("main"))
    return lib


def _readings(lib: Library, before: str) -> dict:
    return {
        "diff": lib.diff(before, "main"),
        "diff_of_one_file": lib.diff(before, "main", [INTRO], context=1),
        "log": lib.log("main"),
        "log_of_a_chapter": lib.log("main", INTRO),
        "log_of_a_chinese_name": lib.log("main", CJK),
        "blame": lib.blame("main", INTRO),
        "compare": lib.compare(before, "main"),
    }


def test_diffs_history_and_blame_ignore_the_accounts_git_configuration(lib, hostile_git):
    before = lib.resolve("main")
    _history(lib)
    assert lib.maintain(loose_limit=1)  # packed: objects are read through git's own reader too
    expected = _readings(lib, before)
    hostile_git()
    seen = _readings(Library(lib.path), before)
    assert [f.path for f in seen["diff"].files] == [INTRO, CJK]
    assert [f.old_path for f in seen["diff"].files] == [INTRO, None]
    assert "HIJACKED" not in seen["diff"].text and "\x1b[" not in seen["diff"].text
    assert [c.paths for c in seen["log_of_a_chinese_name"]] == [(CJK,)]
    assert [c.author_name for c in seen["log"][:3]] == ["李师傅", "李师傅", "王老师"]
    assert [b.author_name for b in seen["blame"] if b.text == "第3行（修订）"] == ["王老师"]
    assert seen == expected


def test_saves_and_merges_ignore_the_accounts_git_configuration(lib, hostile_git):
    hostile_git()
    start = lib.resolve("main")
    text = lib.read_text("main", INTRO)
    lib.commit("main", [Write(INTRO, text.replace("第2行", "第2行（学校）"))], TEACHER, "学校", base=start)
    merged = lib.commit("main", [Write(INTRO, text.replace("第9行", "第9行（企业）"))], CRAFTSMAN, "企业", base=start)
    assert merged.merged_paths == (INTRO,)
    saved = lib.read(merged.sha, INTRO)
    assert b"\r" not in saved and "第2行（学校）" in saved.decode() and "第9行（企业）" in saved.decode()
    with pytest.raises(EditConflict) as caught:
        lib.commit("main", [Write(INTRO, text.replace("第2行", "第2行（另一种）"))], CRAFTSMAN, "重叠", base=start)
    proposal = caught.value.conflicts[0].merged
    assert "<<<<<<< yours" in proposal and "|||||||" not in proposal  # the library's own conflict style
    reverted = lib.revert("main", merged.sha, TEACHER)
    assert "第9行（企业）" not in lib.read_text(reverted, INTRO)
    assert lib.read_text("main", INTRO).count("\n") == text.count("\n")


def test_a_git_command_that_hangs_stops_at_the_time_limit_with_a_typed_error(lib):
    os.mkfifo(lib.path / "objects" / "info" / "alternates")  # git waits for a writer that never comes
    hurried = Library(lib.path, git_timeout=0.5)
    with pytest.raises(GitTimeout) as caught:
        hurried.log("main")
    assert caught.value.code == "git.timeout" and caught.value.params["command"] == "log"
    assert Library(lib.path).git_timeout == 60  # the default, when nothing is configured


@pytest.mark.parametrize("value", ["-x", "--output={tmp}/written", "-p"])
def test_the_git_command_builder_refuses_option_like_values(lib, tmp_path, value):
    value = value.format(tmp=tmp_path)
    with pytest.raises(OptionLikeArgument):
        GitCommand("log").value(value)
    with pytest.raises(OptionLikeArgument):
        GitCommand("log").paths(value)
    with pytest.raises(OptionLikeArgument):
        GitCommand("for-each-ref").value("refs/heads/main", value)
    assert not (tmp_path / "written").exists()
    # the options the library writes itself pass, and so do ordinary values
    assert lib.git(GitCommand("rev-list", "--count").value("main")).strip() == str(len(lib.log("main")))
    assert lib.git(GitCommand("log", "--format=%s", "-1").value("main").paths("books/loco")).strip() == "Add the book"


def test_a_save_must_name_the_commit_it_started_from(lib):
    head = lib.resolve("main")
    with pytest.raises(TypeError, match="base"):
        lib.commit("main", [Write(INTRO, "changed\n")], TEACHER, "no base")
    with pytest.raises(TypeError, match="base"):
        lib.commit("main", [Write(INTRO, "changed\n")], TEACHER, "no base", base=None)
    assert lib.resolve("main") == head


def test_an_intentional_overwrite_says_so_and_replaces_the_text(lib):
    start = lib.resolve("main")
    text = lib.read_text("main", INTRO)
    lib.commit("main", [Write(INTRO, text.replace("第2行", "第2行（学校）"))], TEACHER, "学校", base=start)
    mine = text.replace("第9行", "第9行（企业）")
    lib.commit("main", [Write(INTRO, mine)], CRAFTSMAN, "整体替换", base=OVERWRITE)
    assert lib.read_text("main", INTRO) == mine  # nothing merged: the overwrite was asked for


def test_git_reads_no_repository_around_the_process(lib, tmp_path, monkeypatch, hostile_git):
    """A text merge runs outside any repository, even when the server starts inside one."""
    around = tmp_path / "around"
    subprocess.run(["git", "init", "-q", str(around)], check=True)
    (around / ".git" / "config").write_text("[merge]\n\tconflictStyle = diff3\n")
    monkeypatch.chdir(around)
    hostile_git()
    start = lib.resolve("main")
    text = lib.read_text("main", INTRO)
    lib.commit("main", [Write(INTRO, text.replace("第2行", "甲"))], TEACHER, "甲", base=start)
    with pytest.raises(EditConflict) as caught:
        lib.commit("main", [Write(INTRO, text.replace("第2行", "乙"))], Author("赵师傅", "zhao@example.com",
                                                                            "enterprise"), "乙", base=start)
    assert "|||||||" not in caught.value.conflicts[0].merged


def test_a_diff_keeps_file_names_with_spaces_and_chinese_characters_whole(lib):
    before = lib.resolve("main")
    names = ["books/loco/chapters/03 brake test.md", CJK, 'books/loco/chapters/quote"d.md']
    lib.commit("main", [Write(n, "---\ntitle: 新\n---\n正文\n") for n in names], TEACHER, "新增", base=before)
    lib.commit("main", [Write(names[0], "---\ntitle: 新\n---\n改过的正文\n")], TEACHER, "修改", base=lib.resolve("main"))
    added = lib.diff(before, "main")
    assert sorted(f.new_path for f in added.files) == sorted(names)
    assert all(f.status == "added" for f in added.files)
    changed = lib.diff(lib.log("main", limit=2)[1].sha, "main")
    assert [(f.old_path, f.new_path) for f in changed.files] == [(names[0], names[0])]
