"""Which paths may be read and written.

Every path that reaches the library passes through here first, so that no
user text can escape its book, reach ``.git``, smuggle a control character or
collide with an existing name on a case-insensitive checkout. ``book_file_path``
is the one rule of which files a book holds; every way files enter a book
(the chapter and image endpoints, change request commits) asks it.
"""
from __future__ import annotations

import re
import unicodedata

from .errors import InvalidChapterName, InvalidPath, PathCollision, PathOutsideBook

MAX_PATH_BYTES = 1024
MAX_COMPONENT_BYTES = 255
BOOK_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# NTFS / HFS+ spellings that a checkout would treat as .git
_GIT_ALIASES = {".git", "git~1"}
# A chapter's name inside chapters/: up to MAX_CHAPTER_FOLDERS folders, then a .md file, every part in ASCII
# letters, digits, "-", "_" and ".", starting with a letter or digit (chapter_tree/binary_tree.md). Plain
# ASCII, so no look-alike (Ｘ.md, ．．), invisible character, ".." or ".git" gets in, and every URL, file
# system and site build carries the name as it is. A folder does not end in ".md" or "." (so a/b.md/history
# reads one way only) and is not a page's pictures folder (x.assets).
MAX_CHAPTER_FOLDERS = 4
CHAPTER_FOLDER = r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}(?<!\.md)(?<!\.assets)(?<!\.)"
CHAPTER_FILE = r"[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.md"
CHAPTER_NAME = re.compile(rf"(?:{CHAPTER_FOLDER}/){{0,{MAX_CHAPTER_FOLDERS}}}{CHAPTER_FILE}")
BOOK_SETTINGS = "book.yml"
IMAGE_EXTENSIONS = ("png", "jpg", "gif", "webp", "svg")


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
        # NFKC: full-width look-alikes (．．, ．ｇｉｔ, ／) read as what they imitate
        compatible = unicodedata.normalize("NFKC", part)
        if part in (".", "..") or compatible in (".", ".."):
            raise PathOutsideBook("'.' and '..' are not allowed in paths", path=path, reason="dot")
        if fold(part).rstrip(" .") in _GIT_ALIASES or compatible.casefold().rstrip(" .") in _GIT_ALIASES:
            raise InvalidPath("'.git' may not be written", path=path, reason="git")
        if "/" in compatible or "\\" in compatible:
            raise InvalidPath("a name may not imitate a folder separator", path=path, reason="look_alike")
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


def validate_chapter_name(filename: str) -> str:
    """``filename`` if it is a ``CHAPTER_NAME``; ``InvalidChapterName`` otherwise."""
    if not isinstance(filename, str) or not CHAPTER_NAME.fullmatch(filename):
        raise InvalidChapterName(f"a chapter is a .md file in chapters/ (at most {MAX_CHAPTER_FOLDERS} folders deep), "
                                 "named in ASCII letters and digits",
                                 path=str(filename)[:130], filename=str(filename)[:130], reason="chapter_name")
    return filename


def chapter_path(book: str, filename: str) -> str:
    """The repository path of a chapter file: ``chapters/<name>``, sub-folders allowed."""
    return book_path(book, f"chapters/{validate_chapter_name(filename)}")


def chapter_folder(filename: str) -> str:
    """The folder of a chapter inside ``chapters/`` (``""`` for a chapter directly in it)."""
    return filename.rpartition("/")[0]


def from_chapter(filename: str, path: str) -> str:
    """``path`` (from the book's folder, ``assets/x.png``) as a relative link written in chapter ``filename``."""
    return "../" * (filename.count("/") + 1) + path

def asset_name(filename: str) -> str:
    """The name an uploaded image is stored under: no folder, no leading dot or dash, NFKC letters.

    Refuses (``InvalidPath``, reason ``image_type``) a name without an image extension.
    """
    name = unicodedata.normalize("NFKC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    stem, dot, ext = name.rpartition(".")
    ext = ext.lower()
    ext = "jpg" if ext == "jpeg" else ext
    if not dot or ext not in IMAGE_EXTENSIONS:
        raise InvalidPath("an image is a .png, .jpg, .gif, .webp or .svg file", path=name[:100] or "?",
                          reason="image_type")
    stem = re.sub(r"[^\w.-]+", "-", stem).strip(".-_")[:80] or "image"
    if stem.casefold().rstrip(" .") in _GIT_ALIASES:
        stem = "image"
    return f"{stem}.{ext}"


def book_file_path(book: str, path: str) -> str:
    """``path`` (from the library's root) in NFC if a change to ``book`` may write it; refused otherwise.

    A book holds its settings (``book.yml``), its chapters (``chapters/<CHAPTER_NAME>``, in folders
    or not) and its images (``assets/<name>``, flat, a name ``asset_name`` keeps as it is).
    """
    validate_book_slug(book)
    prefix = f"books/{book}/"
    if not isinstance(path, str) or not path.startswith(prefix):
        raise PathOutsideBook(f"{path} is outside the book {book}", path=str(path), book=book)
    relative = path[len(prefix):]
    folder, _, name = relative.partition("/")
    if folder == "chapters":
        return chapter_path(book, name)
    checked = book_path(book, relative)
    if relative == BOOK_SETTINGS:
        return checked
    if folder == "assets" and "/" not in name:
        try:
            if asset_name(name) == name:
                return checked
        except InvalidPath:
            pass
        raise InvalidPath("an image name has no folder, no leading dot or dash and an image extension",
                          path=path, reason="asset_name")
    raise InvalidPath("a book holds book.yml, chapters/ and assets/ only", path=path, reason="book_layout")


def standard_file_path(path: str) -> str:
    """``path`` in NFC if it names a standard edition's file: ``standards/<id>.yml``, directly in the folder."""
    checked = validate_path(path)
    folder, _, name = checked.partition("/")
    if folder != "standards" or "/" in name or not name.endswith(".yml"):
        raise InvalidPath("a standard is a .yml file directly in standards/", path=checked, reason="standard_file")
    return checked


def crosswalk_file_path(path: str) -> str:
    """``path`` in NFC if it names a crosswalk between two standards: ``crosswalks/<source>~<target>.yml``."""
    checked = validate_path(path)
    folder, _, name = checked.partition("/")
    source, sep, target = name[:-4].partition("~") if name.endswith(".yml") else ("", "", "")
    if folder != "crosswalks" or "/" in name or not sep or "~" in target or not source or not target:
        raise InvalidPath("a crosswalk is a .yml file directly in crosswalks/", path=checked, reason="crosswalk_file")
    return checked


def check_no_collision(existing: list[str] | set[str], name: str, path: str) -> None:
    """Refuse a new name that differs from an existing sibling only by case or normalisation."""
    f = fold(name)
    for other in existing:
        if other != name and fold(other) == f:
            raise PathCollision(f"'{name}' differs from existing '{other}' only by letter case or accents",
                                path=path, other=other)
