"""What a new user sees first: the starter course, loaded through the library."""
from __future__ import annotations

from materials import Library

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
