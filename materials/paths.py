"""Which paths may be read and written.

Every path that reaches the library passes through here first, so that no
user text can escape its book, reach ``.git``, smuggle a control character or
collide with an existing name on a case-insensitive checkout.
"""
from __future__ import annotations

import re
import unicodedata

from .errors import InvalidPath, PathCollision, PathOutsideBook

MAX_PATH_BYTES = 1024
MAX_COMPONENT_BYTES = 255
BOOK_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# NTFS / HFS+ spellings that a checkout would treat as .git
_GIT_ALIASES = {".git", "git~1"}


def fold(name: str) -> str:
    """The form two names share when a case-insensitive, normalising filesystem would merge them."""
    return unicodedata.normalize("NFC", name).casefold()


def validate_path(path: str) -> str:
    """Return the NFC form of a repository path, or raise ``InvalidPath``."""
    if not isinstance(path, str) or not path:
        raise InvalidPath("empty path", path=str(path), reason="empty")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise PathOutsideBook("absolute paths are not allowed", path=path, reason="absolute")
    if "\\" in path:
        raise InvalidPath("backslashes are not allowed in paths", path=path, reason="backslash")
    for ch in path:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch != "\u200d":
            raise InvalidPath("control characters are not allowed in paths", path=path.encode("unicode_escape").decode(), reason="control")
    path = unicodedata.normalize("NFC", path)
    if len(path.encode("utf-8")) > MAX_PATH_BYTES:
        raise InvalidPath("path is too long", path=path, reason="too_long")
    for part in path.split("/"):
        if part == "":
            raise InvalidPath("empty path component", path=path, reason="empty_component")
        if part in (".", ".."):
            raise PathOutsideBook("'.' and '..' are not allowed in paths", path=path, reason="dot")
        if fold(part).rstrip(" .") in _GIT_ALIASES:
            raise InvalidPath("'.git' may not be written", path=path, reason="git")
        if part.startswith("-"):
            raise InvalidPath("a name may not start with '-'", path=path, reason="dash")
        if part != part.strip():
            raise InvalidPath("a name may not start or end with spaces", path=path, reason="spaces")
        if len(part.encode("utf-8")) > MAX_COMPONENT_BYTES:
            raise InvalidPath("name is too long", path=path, reason="too_long")
    return path


def validate_book_slug(book: str) -> str:
    if not isinstance(book, str) or not BOOK_SLUG.match(book):
        raise InvalidPath("a book name is lowercase letters, digits and '-'", path=str(book), reason="book_slug")
    return book


def book_path(book: str, relative: str) -> str:
    """The repository path of ``relative`` inside ``book``; refuses anything that leaves it."""
    validate_book_slug(book)
    relative = validate_path(relative)
    return f"books/{book}/{relative}"


def chapter_path(book: str, filename: str) -> str:
    """The repository path of a chapter file; chapters live flat in ``chapters/``."""
    if "/" in filename or not filename.endswith(".md"):
        raise InvalidPath("a chapter is a .md file directly in chapters/", path=filename, reason="chapter_name")
    return book_path(book, f"chapters/{filename}")


def check_no_collision(existing: list[str] | set[str], name: str, path: str) -> None:
    """Refuse a new name that differs from an existing sibling only by case or normalisation."""
    f = fold(name)
    for other in existing:
        if other != name and fold(other) == f:
            raise PathCollision(f"'{name}' differs from existing '{other}' only by letter case or accents",
                                path=path, other=other)
