"""Errors a user can cause, as types.

Each carries a stable ``code`` and ``params`` so the server can say it in the
reader's language, and where it is known the file and line that caused it.
Nothing is ever half-written when one of these is raised.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class MaterialsError(Exception):
    """Base of every error the library raises on bad input or state."""

    code = "materials.error"

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, **params):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.params = params

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return where + self.message


class NotFound(MaterialsError):
    code = "materials.not_found"


class InvalidPath(MaterialsError):
    """A path that may not be written or read: traversal, .git, control characters..."""

    code = "path.invalid"


class PathOutsideBook(InvalidPath):
    code = "path.outside_book"


class InvalidChapterName(InvalidPath):
    """A chapter file name outside ``paths.CHAPTER_NAME`` (too deep, look-alikes, a leading dot, "..")."""

    code = "chapter.name"


class PathCollision(InvalidPath):
    """Two names that differ only by letter case or Unicode normalisation."""

    code = "path.collision"


class InvalidRefName(MaterialsError):
    code = "ref.invalid"


class RefExists(MaterialsError):
    code = "ref.exists"


class RefMoved(MaterialsError):
    """A compare-and-swap on a ref lost: it no longer holds the expected commit."""

    code = "ref.moved"


class InvalidAuthor(MaterialsError):
    code = "author.invalid"


class GitTimeout(MaterialsError):
    """Git ran longer than the library's time limit and was stopped; nothing was changed."""

    code = "git.timeout"


class OptionLikeArgument(MaterialsError):
    """A value that git could read as an option (it starts with ``-``); refused before git runs."""

    code = "git.option_like"


class YAMLInvalid(MaterialsError):
    code = "yaml.invalid"


class UnsafeYAML(YAMLInvalid):
    code = "yaml.unsafe"


class FrontMatterInvalid(MaterialsError):
    code = "front_matter.invalid"


class BookInvalid(MaterialsError):
    code = "book.invalid"


class LibraryInvalid(MaterialsError):
    code = "library.invalid"


class StandardInvalid(MaterialsError):
    code = "standard.invalid"


class UnknownStandardItem(MaterialsError):
    code = "standard.unknown_item"


class UndeclaredStandard(MaterialsError):
    code = "standard.undeclared"


class AmbiguousItemRef(MaterialsError):
    code = "standard.ambiguous_ref"


@dataclass(frozen=True)
class ConflictedFile:
    """One file whose edits overlap: everything the author needs to keep their text."""

    path: str
    base: str | None
    theirs: str | None
    yours: str | None
    merged: str  # the three-way merge with conflict markers


class EditConflict(MaterialsError):
    """Someone else changed the same passage since the author's base; nothing was written."""

    code = "edit.conflict"

    def __init__(self, conflicts: list[ConflictedFile], *, head: str | None = None):
        paths = ", ".join(c.path for c in conflicts)
        super().__init__(f"edits overlap in {paths}", path=conflicts[0].path if conflicts else None, paths=paths)
        self.conflicts = conflicts
        self.head = head


class BookExists(MaterialsError):
    """A new book was asked for under a name the library already holds."""

    code = "book.exists"
