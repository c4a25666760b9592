"""Jointbook's textbook library: books, chapters and standards in one bare Git
repository, readable at any revision and written one commit per save.

Usable from a Python shell with no web framework and no database::

    from materials import Library, Author, Write
    lib = Library.init("library.git", starter=True)
    lib.commit("main", [Write("books/x/book.yml", "title: X\\n")], Author("王老师", "wang@example.edu.cn", "school"),
               "Add a book", base=lib.resolve("main"))
"""
from .books import Book, BookConfig, Chapter, LibraryConfig, Part
from .changes import Author, Change, Delete, Rename, Write
from .errors import (AmbiguousItemRef, BookInvalid, ConflictedFile, EditConflict, FrontMatterInvalid, GitTimeout,
                     InvalidAuthor, InvalidPath, InvalidRefName, LibraryInvalid, MaterialsError, NotFound,
                     OptionLikeArgument, PathCollision, PathOutsideBook, RefExists, RefMoved, StandardInvalid,
                     UndeclaredStandard, UnknownStandardItem, UnsafeYAML, YAMLInvalid)
from .frontmatter import FrontMatter, parse_chapter, revise_chapter, serialize_chapter
from .gitcommand import GitCommand
from .history import BlameLine, CommitInfo, Diff, DiffLine, FileDiff, Hunk
from .paths import book_path, chapter_path, validate_book_slug, validate_path
from .refs import validate_ref_name
from .repository import OVERWRITE, Library, Saved
from .text import normalise_text

__all__ = [name for name in dir() if not name.startswith("_")]
