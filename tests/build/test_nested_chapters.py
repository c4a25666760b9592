"""A book whose chapters live in folders (``chapters/chapter_tree/binary_tree.md``), with a part whose own
page is the folder's ``index.md``: the site, the EPUB and the printed book each hold the nested chapter,
its picture and its links, as a reader opens them."""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from lxml import etree
from PIL import Image

from build.epub import build_epub
from build.pdf import build_pdf
from build.site import build_site
from materials import OVERWRITE, Author, Library, Write

from .test_epub import epubcheck

BOOK = "algo"
TEACHER = Author("王老师", "wang@college.example", "school")
BOOK_YML = """title: 数据结构
language: zh-CN
navigation:
  - part: 第 1 章 开篇
    chapters: [intro.md]
  - part: 第 2 章 树
    page: chapter_tree/index.md
    chapters: [chapter_tree/binary_tree.md]
"""
INTRO = "---\ntitle: 开篇\n---\n\n先读[二叉树](chapter_tree/binary_tree.md)。\n"
TREE_INDEX = "---\ntitle: 树\n---\n\n本章讲树，从[二叉树](binary_tree.md)开始。\n"
BINARY_TREE = ("---\ntitle: 二叉树\n---\n\n每个节点至多两个孩子。\n\n![一棵二叉树](../../assets/tree.png)\n\n"
               "回到[本章](index.md)或[开篇](../intro.md)。\n")
NS = {"x": "http://www.w3.org/1999/xhtml"}


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def lib(tmp_path_factory) -> Library:
    root = tmp_path_factory.mktemp("nested")
    lib = Library.init(root / "library.git")
    lib.commit("main", [Write(f"books/{BOOK}/book.yml", BOOK_YML),
                        Write(f"books/{BOOK}/chapters/intro.md", INTRO),
                        Write(f"books/{BOOK}/chapters/chapter_tree/index.md", TREE_INDEX),
                        Write(f"books/{BOOK}/chapters/chapter_tree/binary_tree.md", BINARY_TREE),
                        Write(f"books/{BOOK}/assets/tree.png", png())], TEACHER, "A book in folders", base=OVERWRITE)
    return lib


@pytest.fixture(scope="module")
def site(lib, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("nested-site") / "site"
    build_site(lib, BOOK, "main", out, version="1.0")
    return out


def resolved(page: Path, link: str) -> Path:
    return (page.parent / unquote(link.split("#")[0])).resolve()


def test_the_nested_chapter_is_a_page_of_the_site_in_its_folder_with_its_picture_and_links(site):
    page = site / "chapters" / "chapter_tree" / "binary_tree.html"
    html = page.read_text(encoding="utf-8")
    assert "每个节点至多两个孩子" in html
    image = re.search(r'<img[^>]*alt="一棵二叉树"[^>]*>', html)[0]
    assert resolved(page, re.search(r'src="([^"]+)"', image)[1]) == (site / "assets" / "tree.png").resolve()
    links = {text: href for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(本章|开篇)</a>', html)}
    assert resolved(page, links["本章"]) == (site / "chapters" / "chapter_tree" / "index.html").resolve()
    assert resolved(page, links["开篇"]) == (site / "chapters" / "intro.html").resolve()
    intro = site / "chapters" / "intro.html"
    href = re.search(r'<a href="([^"]+)"[^>]*>二叉树</a>', intro.read_text(encoding="utf-8"))[1]
    assert resolved(intro, href) == page.resolve()


def test_a_parts_own_page_is_its_section_in_the_navigation_and_its_title_on_the_home_page(site):
    page = site / "chapters" / "chapter_tree" / "binary_tree.html"
    html = page.read_text(encoding="utf-8")
    # navigation.indexes: the section "第 2 章 树" is itself a link to its own page, no separate entry
    section = re.search(r'<a href="([^"]+)" class="md-nav__link[^"]*">(?:(?!</a>).)*?第 2 章 树', html, re.S)
    assert section and resolved(page, section[1]) == (site / "chapters" / "chapter_tree" / "index.html").resolve()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<h3[^>]*><a href="chapters/chapter_tree/index.html"[^>]*>第 2 章 树</a>', home)
    assert re.search(r'<a href="chapters/chapter_tree/binary_tree.html"[^>]*>二叉树</a>', home)


def test_the_epub_holds_the_nested_chapter_with_its_picture_and_passes_epubcheck(lib, tmp_path):
    out = tmp_path / "algo.epub"
    result = build_epub(lib, BOOK, "main", out, version="1.0")
    assert result.warnings == []
    epub = zipfile.ZipFile(out)
    name = "EPUB/chapters/chapter_tree/binary_tree.xhtml"
    chapter = etree.fromstring(epub.read(name))
    src = chapter.xpath("//x:img/@src", namespaces=NS)[0]
    assert posixpath.normpath(posixpath.join(posixpath.dirname(name), src)) in epub.namelist()
    hrefs = {a.text: a.get("href") for a in chapter.xpath("//x:a", namespaces=NS)}
    assert posixpath.normpath(posixpath.join(posixpath.dirname(name), hrefs["开篇"])) == "EPUB/chapters/intro.xhtml"
    assert hrefs["本章"] == "index.xhtml"
    epubcheck(out)


def test_the_printed_book_holds_the_nested_chapter_and_its_picture(lib, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    out = tmp_path / "algo.pdf"
    result = build_pdf(lib, BOOK, "main", out, version="1.0", cache_dir=tmp_path / "cache")
    assert result.warnings == []  # a picture the printed book could not find would be named here
    reader = pypdf.PdfReader(str(out))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "每个节点至多两个孩子" in text and "本章讲树" in text
    assert sum(len(page.images) for page in reader.pages) == 1
