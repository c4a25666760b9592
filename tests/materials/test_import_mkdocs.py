"""Bringing an existing MkDocs project into a book: nav, pages kept in their folders, a section's own page,
links, pictures, titles, keys."""
from __future__ import annotations

import io
import zipfile

import pytest

from materials import OVERWRITE, Write
from materials.imports import CARRIED, CHANGED, LOST, MkDocsInvalid, import_mkdocs, read_folder, read_zip
from materials.rendering import render_markdown
from materials.validation import validate_book

from .conftest import TEACHER

MKDOCS_YML = """site_name: Hello&nbsp;算法
docs_dir: docs
theme:
  name: material
markdown_extensions:
  - pymdownx.emoji:
      emoji_index: !!python/name:os.system
extra:
  home: !ENV [HOME, none]
nav:
  - 序: index.md
  - 第 1 章 &nbsp; 数组:
      - chapter_array/index.md
      - 1.1 数组: chapter_array/array.md
  - 第 2 章 &nbsp; 树:
      - chapter_tree/index.md
      - 小节:
          - 2.1 &nbsp; 二叉树: chapter_tree/binary_tree.md
  - GitHub: https://github.com/example/hello-algo
  - 丢失: chapter_tree/gone.md
"""
PAGES = {
    "docs/index.md": "---\nhide:\n  - navigation\ntemplate: home.html\n---\n# 欢迎\n\n见 [数组](chapter_array/array.md#定义) 和 [树](chapter_tree/)。\n",
    "docs/chapter_array/index.md": "---\ntitle: 数组&nbsp;章\ncomments: true\n---\n\n本章 [下一节](array.md)。\n",
    "docs/chapter_array/array.md": ("# 1.1 &nbsp; 数组\n\n![数组示意](../assets/array.png)\n\n```python\n[x](not/rewritten.md)\n```\n\n"
                                    "行内 `[y](z.md)` 和 [坏链](nothing.md) 和 <img src=\"../assets/array.png\" alt=\"a\">\n\n"
                                    "见[二叉树][bt]。\n\n[bt]: ../chapter_tree/binary_tree.md\n"),
    "docs/chapter_tree/index.md": "---\ndescription: 树的概念\nhours: 多\n---\n# 树\n\n[二叉树](binary_tree.md)\n",
    "docs/chapter_tree/binary_tree.md": "# 二叉树\n\n![树](binary_tree.assets/tree.png)\n\n[讲义](../files/notes.pdf)\n\n!!! note \"提示\"\n    二叉树。\n",
    "docs/orphan.md": "# 没有在导航里\n",
}
BINARY = {"docs/assets/array.png": b"\x89PNG\r\n\x1a\narray", "docs/chapter_tree/binary_tree.assets/tree.png": b"\x89PNG\r\n\x1a\ntree",
          "docs/files/notes.pdf": b"%PDF-1.4"}


def project() -> dict[str, bytes]:
    return {"mkdocs.yml": MKDOCS_YML.encode(), **{k: v.encode() for k, v in PAGES.items()}, **BINARY}


@pytest.fixture(scope="module")
def imported():
    return import_mkdocs(project(), book="loco", source="hello-algo")


def test_the_nav_becomes_parts_pages_keep_their_folders_and_a_sections_index_is_its_parts_page(imported):
    assert [(p.title, p.page, p.chapters) for p in imported.navigation] == [
        ("Hello 算法", None, ("index.md",)),
        ("第 1 章 数组", "chapter_array/index.md", ("chapter_array/array.md",)),
        ("第 2 章 树", "chapter_tree/index.md", ("chapter_tree/binary_tree.md",))]
    assert imported.redirects["chapter_tree/binary_tree.md"] == "chapter_tree/binary_tree.md"
    assert [e.params["part"] for e in imported.report.of(CARRIED, "mkdocs.part_page")] == ["第 1 章 数组", "第 2 章 树"]
    assert not imported.report.of(CHANGED, "mkdocs.renamed")
    assert [c.title for c in imported.chapters] == ["序", "数组 章", "1.1 数组", "树", "2.1 二叉树"]  # entities decoded
    report = imported.report
    assert [e.params["section"] for e in report.of(CHANGED, "mkdocs.nav_nested")] == ["小节"]
    assert report.of(LOST, "mkdocs.nav_link") and report.of(LOST, "mkdocs.nav_missing")
    assert [e.params["file"] for e in report.of(LOST, "mkdocs.not_in_nav")] == ["docs/orphan.md"]


def test_links_stay_as_written_and_pictures_lead_to_the_books_assets_from_the_chapters_folder(imported):
    texts = {c.filename: c.text for c in imported.chapters}
    assert "[数组](chapter_array/array.md#定义)" in texts["index.md"]  # the same page at the same place
    assert "[树](chapter_tree/index.md)" in texts["index.md"]  # a folder's link names its page
    array = texts["chapter_array/array.md"]
    assert "![数组示意](../../assets/array.png)" in array and '<img src="../../assets/array.png"' in array
    assert "[bt]: ../chapter_tree/binary_tree.md" in array
    assert "[x](not/rewritten.md)" in array and "`[y](z.md)`" in array  # code keeps its text
    assert "![树](../../assets/tree.png)" in texts["chapter_tree/binary_tree.md"]  # from the page's .assets folder
    assert sorted(i.path for i in imported.images) == ["books/loco/assets/array.png", "books/loco/assets/tree.png"]
    report = imported.report
    assert [e.params["url"] for e in report.of(LOST, "mkdocs.link_broken")] == ["nothing.md"]
    assert [e.params["file"] for e in report.of(LOST, "mkdocs.file_unsupported")] == ["files/notes.pdf"]
    assert sum(e.params["count"] for e in report.of(CARRIED, "mkdocs.images")) == 3


def test_every_unknown_front_matter_key_of_every_page_is_reported_and_left_out(imported):
    lost = [(e.place.heading, e.params["key"]) for e in imported.report.of(LOST) if e.code in
            ("mkdocs.key_unknown", "mkdocs.key_invalid")]
    assert lost == [("docs/index.md", "hide"), ("docs/index.md", "template"),
                    ("docs/chapter_array/index.md", "comments"), ("docs/chapter_tree/index.md", "hours")]
    tree = next(c for c in imported.chapters if c.filename == "chapter_tree/index.md").text
    assert tree.startswith("---\ntitle: 树\nsummary: 树的概念\n---\n") and "hide" not in imported.chapters[0].text
    config = imported.report.of(CHANGED, "mkdocs.config")[0]
    assert config.params["keys"] == "theme, markdown_extensions, extra"  # read, never run


def test_the_imported_chapters_pass_the_library_checks_and_render(lib, imported):
    book_yml = lib.read_text("main", "books/loco/book.yml")
    again = import_mkdocs(project(), book="loco", source="hello-algo", book_config=lib.book("loco").config,
                          existing=lib.files("main", "books/loco/"))
    assert again.chapters[0].filename == "index.md"
    lib.commit("main", again.changes(book_yml), TEACHER, "Import", base=lib.resolve("main"))
    assert validate_book(lib, "loco") == []
    book = lib.book("loco")
    assert [c.title for c in book.chapters][2:] == ["序", "数组 章", "1.1 数组", "树", "2.1 二叉树"]
    assert [p.page for p in book.config.navigation][-2:] == ["chapter_array/index.md", "chapter_tree/index.md"]
    tree = book.chapter("chapter_tree/binary_tree.md")
    assert tree.part == "第 2 章 树" and 'class="admonition note"' in render_markdown(tree.body)
    twice = import_mkdocs(project(), book="loco", source="hello-algo", book_config=book.config,
                          existing=lib.files("main", "books/loco/"))
    assert "chapter_tree/binary_tree-2.md" in {c.filename for c in twice.chapters}  # never over a chapter


def test_a_page_whose_folder_or_name_the_book_cannot_hold_gets_a_name_it_can_and_its_links_follow():
    files = {"mkdocs.yml": "site_name: x\nnav:\n  - 附录:\n      - 附录/说明.md\n      - a/b/c/d/e/f.md\n".encode(),
             "docs/附录/说明.md": "# 说明\n\n见 [深处](../a/b/c/d/e/f.md)。\n".encode(),
             "docs/a/b/c/d/e/f.md": "# 深处\n\n回到 [说明](../../../../../附录/说明.md)。\n".encode()}
    imported = import_mkdocs(files, book="loco", source="x")
    assert [c.filename for c in imported.chapters] == ["section/chapter.md", "a/b/c/d-e/f.md"]
    texts = [c.text for c in imported.chapters]
    assert "[深处](../a/b/c/d-e/f.md)" in texts[0] and "[说明](../../../../section/chapter.md)" in texts[1]
    assert [e.params["chapter"] for e in imported.report.of(CHANGED, "mkdocs.renamed")] == \
        ["section/chapter.md", "a/b/c/d-e/f.md"]
    assert imported.redirects == {"附录/说明.md": "section/chapter.md", "a/b/c/d/e/f.md": "a/b/c/d-e/f.md"}


def test_a_zip_with_a_folder_around_it_reads_the_same_and_never_leaves_the_project(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in project().items():
            archive.writestr(f"hello-algo-main/{name}", data)
        archive.writestr("../../escape.md", "# x")
        archive.writestr("hello-algo-main/.git/config", "[core]")
    files = read_zip(buffer.getvalue())
    assert files == project()
    (tmp_path / "docs").mkdir()
    for name, data in project().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    (tmp_path / "docs" / "link.md").symlink_to("/etc/passwd")
    assert read_folder(tmp_path) == project()


def test_a_zip_of_markdown_files_and_pictures_without_mkdocs_yml_imports_the_same_way():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("讲义/intro.md", "# 引言\n\n见 [第二节](part2/b.md)。\n")
        archive.writestr("讲义/part2/b.md", "---\ntags: [x]\n---\n# 第二节\n\n![图](img/x.png)\n")
        archive.writestr("讲义/part2/img/x.png", b"\x89PNG\r\n\x1a\nx")
    imported = import_mkdocs(read_zip(buffer.getvalue()), book="loco", source="讲义.zip")
    assert [(p.title, p.chapters) for p in imported.navigation] == [("讲义", ("intro.md",)), ("part2", ("part2/b.md",))]
    assert "[第二节](part2/b.md)" in imported.chapters[0].text and "![图](../../assets/x.png)" in imported.chapters[1].text
    assert imported.report.of(CHANGED, "markdown.no_config")
    assert [e.params["key"] for e in imported.report.of(LOST, "mkdocs.key_unknown")] == ["tags"]


def test_what_is_no_mkdocs_project_is_refused():
    with pytest.raises(MkDocsInvalid):
        import_mkdocs({"notes.txt": b"# a"}, book="loco", source="x")
    with pytest.raises(MkDocsInvalid):
        read_zip(b"not a zip")
    with pytest.raises(MkDocsInvalid):
        import_mkdocs({"mkdocs.yml": b"site_name: [unclosed", "docs/a.md": b"# a"}, book="loco", source="x")
