"""A new book from either template, and a book taken out as a zip and brought back unchanged."""
from __future__ import annotations

import io
import zipfile

import pytest

from materials import OVERWRITE, InvalidPath, Library, Write
from materials.errors import BookExists, BookInvalid
from materials.export import book_zip
from materials.new_book import NewBook, create_book, new_book_files
from materials.tasks import TASK_SECTIONS
from materials.validation import validate_book

from .conftest import TEACHER


@pytest.mark.parametrize("template", ["classic", "workbook"])
def test_a_new_book_passes_the_library_checks_in_one_commit(lib, template):
    before = lib.resolve("main")
    sha = create_book(lib, NewBook("new-course", "新课程", template=template, school="某职院",
                                   enterprises=("某机务段",)), TEACHER)
    assert lib.log(sha, limit=2)[1].sha == before and lib.log(sha, limit=1)[0].side == "school"
    book = lib.book("new-course")
    assert book.problems == [] and len(book.chapters) == 2
    assert validate_book(lib, "new-course") == []
    tasks = [c.meta.task for c in book.chapters]
    if template == "workbook":
        assert all(t and t.record and t.evaluation for t in tasks)
        assert all([h[3:] for h in c.body.splitlines() if h.startswith("## ")] == list(TASK_SECTIONS)
                   for c in book.chapters)
    else:
        assert tasks == [None, None] and book.config.navigation[0].title == "第一篇"
    assert [i["side"] for i in book.config.institutions] == ["school", "enterprise"]


def test_a_new_book_refuses_taken_reserved_and_bad_names(lib):
    before = lib.resolve("main")
    with pytest.raises(BookExists):
        create_book(lib, NewBook("loco", "重复"), TEACHER)
    with pytest.raises(BookExists):
        new_book_files(NewBook("new", "保留"))
    for bad in ("Loco", "../x", "-x", ""):
        with pytest.raises(InvalidPath):
            new_book_files(NewBook(bad, "坏名字"))
    with pytest.raises(BookInvalid):
        new_book_files(NewBook("ok", "x", template="poster"))
    assert lib.resolve("main") == before


def test_an_exported_book_comes_back_with_the_same_files(lib, tmp_path):
    lib.commit("main", [Write("books/loco/assets/figure.png", b"\x89PNG\r\n\x1a\nbinary\0bytes"),
                        Write("standards/demo@2024.yml", "id: demo@2024\n")], TEACHER, "Add a picture",
               base=lib.resolve("main"))
    book_yml = lib.read_text("main", "books/loco/book.yml").replace("edition:", "standards: [demo@2024]\nedition:")
    lib.commit("main", [Write("books/loco/book.yml", book_yml)], TEACHER, "Align", base=lib.resolve("main"))
    data = book_zip(lib, "loco")
    assert data == book_zip(lib, "loco")  # the same revision, the same bytes
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == sorted(archive.namelist())
    assert "standards/demo@2024.yml" in archive.namelist()
    fresh = Library.init(tmp_path / "fresh.git")
    fresh.commit("main", [Write(name, archive.read(name)) for name in archive.namelist()], TEACHER, "Import",
                 base=OVERWRITE, create=True)
    assert fresh.snapshot("main", "books/loco/") == lib.snapshot("main", "books/loco/")
    assert fresh.read("main", "standards/demo@2024.yml") == lib.read("main", "standards/demo@2024.yml")


def test_an_exported_book_is_brought_back_into_an_empty_library_with_no_diff(lib, tmp_path):
    from materials.export import restore_book

    lib.commit("main", [Write("standards/demo@2024.yml", "id: demo@2024\n")], TEACHER, "Standard",
               base=lib.resolve("main"))
    book_yml = lib.read_text("main", "books/loco/book.yml").replace("edition:", "standards: [demo@2024]\nedition:")
    lib.commit("main", [Write("books/loco/book.yml", book_yml)], TEACHER, "Align", base=lib.resolve("main"))
    data = book_zip(lib, "loco")
    fresh = Library.init(tmp_path / "fresh.git")
    book, sha, kept = restore_book(fresh, data, TEACHER)
    assert (book, kept) == ("loco", []) and fresh.log(sha, limit=1)[0].side == "school"
    assert fresh.snapshot("main", "books/loco/") == lib.snapshot("main", "books/loco/")
    assert fresh.read("main", "standards/demo@2024.yml") == lib.read("main", "standards/demo@2024.yml")
    assert book_zip(fresh, "loco") != b"" and zipfile.ZipFile(io.BytesIO(book_zip(fresh, "loco"))).namelist() == \
        zipfile.ZipFile(io.BytesIO(data)).namelist()
    with pytest.raises(BookExists):
        restore_book(fresh, data, TEACHER)


def test_a_zip_that_is_no_exported_book_is_refused(lib):
    from materials.export import read_book_zip

    def zipped(files: dict[str, bytes]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, content in files.items():
                archive.writestr(name, content)
        return out.getvalue()

    for files in ({"books/a/book.yml": b"title: A\n", "books/b/book.yml": b"title: B\n"},
                  {"books/a/book.yml": b"title: A\n", "books/a/.git/config": b"x"},
                  {"books/a/book.yml": b"title: A\n", "hooks/post-update": b"x"},
                  {"books/a/chapters/x.md": b"---\ntitle: x\n---\n"}):
        with pytest.raises(InvalidPath):
            read_book_zip(zipped(files))
    with pytest.raises(InvalidPath):
        read_book_zip(b"not a zip")
