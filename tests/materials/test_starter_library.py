"""What a new user sees first: the starter course, loaded through the library."""
from __future__ import annotations

from materials import OVERWRITE, Library

from .conftest import fsck


def test_starter_library_has_a_valid_book_with_standards_and_history_from_both_sides(library_path):
    lib = Library.init(library_path, starter=True)
    books = lib.books()
    assert books
    book = lib.book(books[0])
    assert book.problems == []
    assert len(book.chapters) >= 6
    standards = lib.standards()
    assert set(book.config.standards) <= set(standards)
    keys = {item.key for std in standards.values() for item in std.items}
    assert all(ref.split(":")[-1] in keys for c in book.chapters for ref in c.meta.all_refs())
    assert {c.side for c in lib.log()} == {"school", "enterprise"}
    assert fsck(lib).returncode == 0


def test_an_empty_library_holds_only_library_yml(library_path):
    lib = Library.init(library_path)
    assert list(lib.files("main")) == ["library.yml"]
    assert lib.library_config().sides["enterprise"]["zh-CN"] == "企业"
    assert lib.books() == []


def test_validation_lists_unknown_standard_items_with_file_and_line(library_path):
    from materials import Author, Write
    from materials.validation import validate_book

    lib = Library.init(library_path, starter=True)
    assert validate_book(lib, "locomotive-maintenance") == []
    path = "books/locomotive-maintenance/chapters/02-work-safety.md"
    text = lib.read_text("main", path)
    first_ref = lib.book("locomotive-maintenance").chapter("02-work-safety.md").meta.standards[0]
    lib.commit("main", [Write(path, text.replace(first_ref, "L9.S.9.9.9", 1))], Author("a", "a@example.com", "school"), "typo",
               base=OVERWRITE)
    problems = validate_book(lib, "locomotive-maintenance")
    assert [(p.code, p.path) for p in problems] == [("standard.unknown_item", path)]
    expected_line = next(n for n, l in enumerate(lib.read_text("main", path).splitlines(), 1) if "L9.S.9.9.9" in l)
    assert problems[0].line == expected_line
