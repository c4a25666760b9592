"""An MkDocs project's Git history replayed into a book: every commit that touched the docs, with its
author, date, message and side, from a repository or a git bundle; the book ends as the plain import."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from materials import Author, GitCommand, Library
from materials.contributions import commits_by_side, contributors
from materials.history import log as history_log
from materials.authorship import text_share_by_side
from materials.imports import CHANGED, MkDocsInvalid, import_mkdocs, read_folder
from materials.imports.mkdocs_history import authors, clone_source, completing_changes, replay

from .conftest import TEACHER

IMPORTER = Author("管理员", "admin@example.edu.cn", "school")
MKDOCS_YML = "site_name: 算法\nnav:\n  - 第 1 章:\n      - chapter_array/index.md\n      - 数组: chapter_array/array.md\n"


def git(work: Path, *args: str, who: tuple[str, str] = ("Someone", "someone@example.com"),
        when: str = "1700000000 +0800") -> str:
    env = {"PATH": os.environ["PATH"], "HOME": str(work.parent), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": "/dev/null", "LC_ALL": "C", "GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1],
           "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_NAME": who[0], "GIT_COMMITTER_EMAIL": who[1],
           "GIT_COMMITTER_DATE": when}
    return subprocess.run(["git", *args], cwd=work, env=env, capture_output=True, text=True, check=True).stdout


def write(work: Path, files: dict[str, bytes | str]) -> None:
    for name, data in files.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)


WANG = ("王老师", "Wang@Example.edu.cn")
LI = ("李师傅", "li@example.com")
GUEST = ("路人", "guest@example.org")


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """Five commits: two touch the docs by the school, one by the enterprise, one by an unmapped
    author; one changes only the README; a picture comes, a page links it, a page goes."""
    work = tmp_path_factory.mktemp("project") / "algo"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    write(work, {"mkdocs.yml": MKDOCS_YML, "docs/chapter_array/index.md": "# 数组\n\n本章。\n",
                 "docs/chapter_array/array.md": "# 1.1 数组\n\n第一稿。\n", "docs/old.md": "# 旧\n"})
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "First draft of the array chapter", who=WANG, when="1600000000 +0800")
    write(work, {"README.md": "readme\n"})
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "Readme only", who=LI, when="1600000100 +0800")
    write(work, {"docs/chapter_array/array.md": "# 1.1 数组\n\n![图](array.assets/a.png)\n\n第二稿，见[本章](index.md)。\n",
                 "docs/chapter_array/array.assets/a.png": b"\x89PNG\r\n\x1a\nA"})
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "Add a figure\n\nA longer body.", who=LI, when="1600000200 +0000")
    git(work, "rm", "-q", "docs/old.md")
    write(work, {"docs/chapter_array/index.md": "# 数组\n\n本章讲数组。\n"})
    git(work, "commit", "-q", "-am", "Drop the old page", who=GUEST, when="1600000300 +0800")
    write(work, {"docs/chapter_array/array.md": "# 1.1 数组\n\n![图](array.assets/a.png)\n\n定稿，见[本章](index.md)。\n"})
    git(work, "commit", "-q", "-am", "Final text", who=WANG, when="1600000400 +0800")
    return work


def replay_into(lib: Library, history, sides, *, book="loco"):
    config = lib.book(book, "main", chapters=False).config
    existing = list(lib.files("main", f"books/{book}/"))
    final, commits = replay(history, book=book, source="algo", sides=sides, book_config=config, existing=existing)
    lib.create_branch("import", "main")
    head, written = lib.resolve("import"), set()
    for commit in commits:
        head = lib.commit("import", list(commit.changes), commit.author, commit.message, base=head,
                          authored_at=commit.authored_at, committer=IMPORTER).sha
        written |= {c.path for c in commit.changes}
    changes = completing_changes(final, lib.read_text("main", f"books/{book}/book.yml"), written)
    lib.commit("import", changes, IMPORTER, "Import the MkDocs project algo", base=head)
    return final


def log(lib: Library, rev: str) -> list[tuple[str, str, str, str, str]]:
    out = lib.git(GitCommand(
        "log", "--reverse", "--format=%an%x1f%ae%x1f%ad%x1f%cn%x1f%B%x1e", "--date=raw").value(f"main..{rev}"))
    return [tuple(entry.strip("\n").split("\x1f")) for entry in out.split("\x1e") if entry.strip()]


def test_every_commit_that_touched_the_docs_is_replayed_with_author_date_message_and_side(lib, source, tmp_path):
    history = clone_source(source, tmp_path / "clone")
    found = authors(history)
    assert [(a.name, a.email, a.commits) for a in found] == [("王老师", "wang@example.edu.cn", 2),
                                                           ("李师傅", "li@example.com", 1),
                                                           ("路人", "guest@example.org", 1)]
    final = replay_into(lib, history, {"wang@example.edu.cn": "school", "LI@example.com": "enterprise",
                                       "guest@example.org": "unknown"})
    entries = log(lib, "import")
    assert [(e[0], e[2], e[4].split("\n")[0]) for e in entries] == [
        ("王老师", "1600000000 +0800", "First draft of the array chapter"),
        ("李师傅", "1600000200 +0000", "Add a figure"),  # the README-only commit is not the book's
        ("路人", "1600000300 +0800", "Drop the old page"),
        ("王老师", "1600000400 +0800", "Final text"),
        ("管理员", entries[-1][2], "Import the MkDocs project algo")]
    assert all(e[3] == "管理员" for e in entries)  # the person importing committed them
    assert "A longer body." in entries[1][4]
    assert "Jointbook-Side: school" in entries[0][4] and "Jointbook-Side: enterprise" in entries[1][4]
    assert "Jointbook-Side" not in entries[2][4]  # unknown: no side, as the dashboards count it
    assert [e.params["count"] for e in final.report.of(CHANGED, "mkdocs.history")] == [4]


def test_the_book_ends_with_the_files_of_the_import_without_history(lib, source, tmp_path):
    history = clone_source(source, tmp_path / "clone")
    replay_into(lib, history, {})
    plain = import_mkdocs(read_folder(source), book="loco", source="algo",
                          book_config=lib.book("loco", "main", chapters=False).config,
                          existing=list(lib.files("main", "books/loco/")))
    lib.create_branch("plain", "main")
    lib.commit("plain", plain.changes(lib.read_text("main", "books/loco/book.yml")), IMPORTER, "plain", base="main")
    assert lib.snapshot("import", "books/loco/") == lib.snapshot("plain", "books/loco/")
    first = log(lib, "import")[0]
    assert first[0] == "王老师"
    # the first replayed commit wrote the first draft under the name the import gave the page
    text = lib.read_text(lib.git(GitCommand("rev-list", "--reverse").value("main..import"))
                         .split()[0], "books/loco/chapters/chapter_array/array.md")
    assert "第一稿" in text and "title: 数组" in text
    # the chapter keeps its folder, and its history is that of the page in the old project
    authors_of = [c.author_name for c in history_log(lib, "import", "books/loco/chapters/chapter_array/array.md")]
    assert authors_of == ["王老师", "李师傅", "王老师"]
    assert lib.book("loco", "import").config.navigation[-1].page == "chapter_array/index.md"


def test_replayed_commits_count_for_their_sides_and_unknown_does_not_break_the_figures(lib, source, tmp_path):
    history = clone_source(source, tmp_path / "clone")
    replay_into(lib, history, {"wang@example.edu.cn": "school", "li@example.com": "enterprise"})
    by_side = commits_by_side(lib, "loco", "import")
    assert by_side["school"] >= 2 + 2  # the book's own commit, Wang's two, the importer's
    assert by_side["enterprise"] == 1 and by_side["unknown"] == 1
    rows = {(r.name, r.side) for r in contributors(lib, "loco", "import")}
    assert ("李师傅", "enterprise") in rows and ("路人", "unknown") in rows
    shares = text_share_by_side(lib, "loco", "import")
    assert sum(s.percent for s in shares.values()) == pytest.approx(100.0)


def test_a_git_bundle_is_a_source_too_and_other_files_are_not(lib, source, tmp_path):
    bundle = tmp_path / "algo.bundle"
    git(source, "bundle", "create", "-q", str(bundle), "--all")
    history = clone_source(bundle, tmp_path / "clone")
    assert len(authors(history)) == 3
    (tmp_path / "not.bundle").write_bytes(b"PK\x03\x04 a zip")
    with pytest.raises(MkDocsInvalid):
        clone_source(tmp_path / "not.bundle", tmp_path / "clone2")
    with pytest.raises(MkDocsInvalid):
        clone_source(tmp_path, tmp_path / "clone3")  # a folder that is no repository


def test_a_source_whose_options_look_like_git_options_is_refused_by_path_not_run(tmp_path):
    odd = tmp_path / "--upload-pack=touch pwned"
    odd.mkdir()
    with pytest.raises(MkDocsInvalid):
        clone_source(odd, tmp_path / "clone")
    assert not (tmp_path / "pwned").exists()
