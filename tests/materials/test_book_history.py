"""A book alone as a Git repository: the library's history split to the book's folder."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from .conftest import CHAPTER, CRAFTSMAN, TEACHER
from materials import Write
from materials.book_history import BookMirror


def save(lib, branch, path, text, author=TEACHER, message=None):
    return lib.commit(branch, [Write(path, text)], author, message or f"Write {path}", base=lib.resolve(branch)).sha


def book_log(mirror: BookMirror, rev: str = "main") -> list[str]:
    out = subprocess.run(["git", "--git-dir", str(mirror.path), "log", "--format=%H|%an|%ae|%at|%s", rev],
                         capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def test_the_split_keeps_the_books_commits_as_they_were_and_skips_the_others(lib, tmp_path):
    save(lib, "main", "books/other/book.yml", "title: 别的教材\n", message="Another book")
    save(lib, "main", "books/loco/chapters/01-intro.md", CHAPTER.format(title="概述（修订）"), CRAFTSMAN, "Revise")
    mirror = BookMirror.open(lib, "loco", tmp_path / "mirrors")
    with mirror.locked():
        shown = mirror.update({"main": "main"})
    log = book_log(mirror)
    assert [line.split("|")[1:3] + [line.split("|")[4]] for line in log] == [
        ["李师傅", "li@example.com", "Revise"], ["王老师", "wang@example.edu.cn", "Add the book"]]
    library = {c.summary: c for c in lib.log("main")}
    assert int(log[0].split("|")[3]) == int(library["Revise"].authored_at.timestamp())
    book_tree = lib.subtree("main", "books/loco")
    assert mirror.objects.commit(shown["main"]).tree == book_tree  # the book's folder is the root
    assert "Jointbook-Side: enterprise" in mirror.objects.commit(shown["main"]).message


def test_the_same_history_gives_the_same_book_commits_as_git_subtree_split(lib, tmp_path):
    save(lib, "main", "books/loco/chapters/03-new.md", CHAPTER.format(title="新章"))
    save(lib, "main", "library.yml", "name: 图书馆\n", message="Not the book")
    lib.create_branch("cr/1")
    save(lib, "cr/1", "books/loco/chapters/01-intro.md", CHAPTER.format(title="概述 2"), CRAFTSMAN)
    save(lib, "main", "books/loco/chapters/02-brake.md", CHAPTER.format(title="制动机 2"))
    lib.merge("cr/1", "main", TEACHER, "Merge change request #1", fast_forward=False)
    first = BookMirror.open(lib, "loco", tmp_path / "one")
    second = BookMirror.open(lib, "loco", tmp_path / "two")
    with first.locked(), second.locked():
        assert first.update({"main": "main"}) == second.update({"main": "main"})
    if not os.path.exists("/usr/lib/git-core/git-subtree"):
        pytest.skip("git subtree is not installed")
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(lib.path), str(work)], check=True, capture_output=True)
    split = subprocess.run(["git", "subtree", "split", "--prefix", "books/loco", "origin/main"], cwd=work,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert first.refs.get("refs/heads/main") == split
    assert len(book_log(first)) == 5  # the merge is kept: both sides changed the book


def test_bringing_it_up_to_date_after_one_save_splits_one_commit(lib, tmp_path):
    for i in range(30):
        save(lib, "main", f"books/loco/chapters/x{i}.md", CHAPTER.format(title=f"第{i}章"))
    mirror = BookMirror.open(lib, "loco", tmp_path / "mirrors")
    with mirror.locked():
        mirror.update({"main": "main"})
    lines = len(mirror.split_map())
    save(lib, "main", "books/loco/chapters/x5.md", CHAPTER.format(title="改过"))
    with mirror.locked():
        mirror.update({"main": "main"})
    assert len(mirror.split_map()) == lines + 1  # one library commit looked at, one book commit written
    assert len(book_log(mirror)) == 32


def test_the_book_repository_holds_the_book_only(lib, tmp_path):
    save(lib, "main", "books/other/chapters/secret.md", CHAPTER.format(title="别人的"), message="Another book")
    secret = lib.entry("main", "books/other/chapters/secret.md").sha
    mirror = BookMirror.open(lib, "loco", tmp_path / "mirrors")
    with mirror.locked():
        mirror.update({"main": "main"})
    assert not (mirror.path / "objects" / "info" / "alternates").exists()
    assert not mirror.objects.exists(secret) and not mirror.objects.exists(lib.resolve("main"))
    check = subprocess.run(["git", "--git-dir", str(mirror.path), "fsck", "--full", "--no-dangling"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_branches_not_shown_any_more_are_removed(lib, tmp_path):
    lib.create_branch("cr/1")
    save(lib, "cr/1", "books/loco/chapters/01-intro.md", CHAPTER.format(title="改"))
    mirror = BookMirror.open(lib, "loco", tmp_path / "mirrors")
    with mirror.locked():
        assert set(mirror.update({"main": "main", "cr/1": "cr/1", "topic": "cr/1"})) == {"main", "cr/1", "topic"}
        assert set(mirror.update({"main": "main"})) == {"main"}
    assert set(mirror.refs.list("refs/heads/")) == {"refs/heads/main"}


def test_a_bundle_clones_to_the_book_with_its_history(lib, tmp_path):
    save(lib, "main", "books/loco/chapters/01-intro.md", CHAPTER.format(title="改"))
    mirror = BookMirror.open(lib, "loco", tmp_path / "mirrors")
    with mirror.locked():
        mirror.update({"main": "main"})
    bundle = mirror.bundle(tmp_path / "loco.bundle")
    subprocess.run(["git", "clone", "-q", str(bundle), str(tmp_path / "copy")], check=True, capture_output=True)
    assert sorted(os.listdir(tmp_path / "copy")) == [".git", "book.yml", "chapters"]
    count = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=tmp_path / "copy", capture_output=True,
                           text=True, check=True).stdout.strip()
    assert int(count) == len(book_log(mirror)) == 2
    shutil.rmtree(tmp_path / "copy")


def test_many_loose_objects_are_packed_and_every_mapped_commit_stays(lib, tmp_path):
    lib.create_branch("cr/1")
    save(lib, "cr/1", "books/loco/chapters/01-intro.md", CHAPTER.format(title="只在变更请求里"))
    mirror = BookMirror.open(lib, "loco", tmp_path / "mirrors")
    with mirror.locked():
        only_here = mirror.update({"main": "main", "cr/1": "cr/1"})["cr/1"]
        mirror.update({"main": "main"})  # the change request was closed: its branch goes, its commit stays
    for i in range(20):
        save(lib, "main", f"books/loco/chapters/y{i}.md", CHAPTER.format(title=f"第{i}章"))
    mirror.LOOSE_LIMIT = 10
    with mirror.locked():
        mirror.update({"main": "main"})
    assert list((mirror.path / "objects" / "pack").glob("*.pack"))
    assert mirror.objects.exists(only_here)
    assert len(book_log(mirror)) == 21
