"""An imported MkDocs book's old addresses still answer in its published site: each old page, at both
addresses MkDocs gives a page (``a/b.html`` and ``a/b/``), sends the reader on to its chapter."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from build.config import redirect_maps
from build.site import build_site
from materials import OVERWRITE, Author, Library, Write
from materials.books import parse_book_config
from materials.errors import BookInvalid
from materials.imports import import_mkdocs

BOOK = "algo"
ADMIN = Author("管理员", "admin@college.example", "school")
MKDOCS_YML = """site_name: 算法
nav:
  - 序: index.md
  - 第 1 章 数组:
      - chapter_array/index.md
      - 1.1 数组: chapter_array/array.md
  - 第 2 章 树:
      - chapter_tree/README.md
      - 2.1 二叉树: chapter_tree/binary_tree.md
      - 2.2 遍历: chapter_tree/binary tree traversal.md
"""
PAGES = {
    "docs/index.md": "# 欢迎\n\n见[数组](chapter_array/array.md)。\n",
    "docs/chapter_array/index.md": "# 数组\n\n本章。\n",
    "docs/chapter_array/array.md": "# 1.1 数组\n\n数组是连续存储的。\n",
    "docs/chapter_tree/README.md": "# 树\n\n本章讲树。\n",
    "docs/chapter_tree/binary_tree.md": "# 2.1 二叉树\n\n每个节点至多两个孩子。\n",
    "docs/chapter_tree/binary tree traversal.md": "# 2.2 遍历\n\n前序、中序、后序。\n",
}
BOOK_YML = "title: 算法\nlanguage: zh-CN\nnavigation: []\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("old-addresses")
    lib = Library.init(root / "library.git")
    lib.commit("main", [Write(f"books/{BOOK}/book.yml", BOOK_YML)], ADMIN, "Add the book", base=OVERWRITE)
    files = {"mkdocs.yml": MKDOCS_YML.encode(), **{k: v.encode() for k, v in PAGES.items()}}
    imported = import_mkdocs(files, book=BOOK, source="algo")
    lib.commit("main", imported.changes(lib.read_text("main", f"books/{BOOK}/book.yml")), ADMIN, "Import",
               base=lib.resolve("main"))
    config = lib.book(BOOK, "main").config
    assert config.redirects == imported.redirects  # the import recorded where every old page went
    titles = {c.filename: c.title for c in imported.chapters}
    build_site(lib, BOOK, "main", root / "site", version="1.0")
    lib.close()
    return root / "site", {old: titles[new] for old, new in imported.redirects.items()}


def follow(site: Path, address: str) -> Path:
    """The page a browser ends on when it opens ``address`` of the site (a folder is its index.html)."""
    page = site / unquote(address)
    if address.endswith("/") or page.is_dir():
        page = page / "index.html"
    for _ in range(3):
        html = page.read_text(encoding="utf-8")
        refresh = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', html)
        if not refresh:
            return page
        page = (page.parent / unquote(refresh[1].split("#")[0])).resolve()
    raise AssertionError(f"{address} redirects in a loop")


def title_of(page: Path) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", page.read_text(encoding="utf-8"), re.S)[1].strip()


def test_every_old_address_lands_on_its_chapter(site):
    out, expected = site
    addresses = {
        "chapter_array/index.html": "数组", "chapter_array/": "数组",
        "chapter_array/array.html": "1.1 数组", "chapter_array/array/": "1.1 数组",
        "chapter_tree/": "树", "chapter_tree/index.html": "树",
        "chapter_tree/binary_tree.html": "2.1 二叉树", "chapter_tree/binary_tree/": "2.1 二叉树",
        "chapter_tree/binary tree traversal.html": "2.2 遍历", "chapter_tree/binary tree traversal/": "2.2 遍历",
    }
    assert set(expected.values()) >= set(addresses.values())
    for address, title in addresses.items():
        landed = follow(out, address)
        assert landed.relative_to(out).parts[0] == "chapters" and title_of(landed).startswith(title), address


def test_the_old_home_page_is_not_replaced_and_redirect_pages_carry_no_script_of_the_book(site):
    out, _ = site
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "http-equiv=\"refresh\"" not in home  # the site's own home page stays
    page = (out / "chapter_array" / "array.html").read_text(encoding="utf-8")
    assert 'url=../chapters/' in page


def test_a_chapter_that_left_the_book_or_an_address_of_the_site_itself_gets_no_redirect():
    config = parse_book_config("title: t\nnavigation:\n  - part: p\n    chapters: [01-a.md]\nredirects:\n"
                               "  old/a.md: 01-a.md\n  gone.md: 09-gone.md\n  chapters/x.md: 01-a.md\n"
                               "  index.md: 01-a.md\n", "books/t/book.yml")
    assert redirect_maps(config, {"01-a.md": "A"}) == {"old/a/index.md": "chapters/01-a.md",
                                                       "old/a.md": "chapters/01-a.md"}


@pytest.mark.parametrize("entry", ["../etc/passwd.md: 01-a.md", "/abs.md: 01-a.md", "a.html: 01-a.md",
                                   "a.md: ../01-a.md", "a/./b.md: 01-a.md"])
def test_a_redirect_that_could_leave_the_site_is_refused_with_its_line(entry):
    with pytest.raises(BookInvalid) as refused:
        parse_book_config(f"title: t\nredirects:\n  ok.md: 01-a.md\n  {entry}\n", "books/t/book.yml")
    assert refused.value.line == 4
