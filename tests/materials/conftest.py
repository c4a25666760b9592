"""Fixtures for the library tests: real bare repositories in temporary directories."""
from __future__ import annotations

import subprocess

import pytest

from materials import OVERWRITE, Author, Library, Write

TEACHER = Author("王老师", "wang@example.edu.cn", "school")
CRAFTSMAN = Author("李师傅", "li@example.com", "enterprise")

BOOK_YML = """title: 电力机车运用与检修
language: zh-CN
edition: "2026"
navigation:
  - part: 第一篇
    chapters: [01-intro.md, 02-brake.md]
"""

CHAPTER = "---\ntitle: {title}\n---\n" + "".join(f"第{i}行\n" for i in range(1, 11))


@pytest.fixture
def lib(library_path) -> Library:
    """An empty library with one small book on main."""
    library = Library.init(library_path)
    library.commit("main", [
        Write("books/loco/book.yml", BOOK_YML),
        Write("books/loco/chapters/01-intro.md", CHAPTER.format(title="概述")),
        Write("books/loco/chapters/02-brake.md", CHAPTER.format(title="制动机")),
    ], TEACHER, "Add the book", base=OVERWRITE)
    yield library
    library.close()


def fsck(library: Library) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "--git-dir", str(library.path), "fsck", "--full", "--strict", "--no-dangling"],
                          capture_output=True, text=True)


def refs_snapshot(library: Library) -> dict[str, str]:
    out = subprocess.run(["git", "--git-dir", str(library.path), "for-each-ref", "--format=%(refname) %(objectname)"],
                         capture_output=True, text=True, check=True).stdout
    return dict(line.split(" ") for line in out.splitlines())
