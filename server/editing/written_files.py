"""What a file must be to enter a book, whichever way it comes: the chapter editor, the image
upload, or the files of a change request's commit.

Chapters are text in the library's one form that the library can read back; images are checked
by content (an SVG is cleaned); settings and standards are read by the library's own parsers.
A refusal is a ``UserError`` and nothing is written.
"""
from __future__ import annotations

import re

from flask import current_app

from materials import Write, normalise_text, parse_chapter
from materials.books import parse_book_config
from materials.errors import InvalidPath
from materials.paths import asset_name, book_file_path, crosswalk_file_path, standard_file_path
from materials.standards.reading import parse_standard
from materials.standards.crosswalk import parse_crosswalk
from materials.svg import clean_svg
from server.errors import UserError

IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
               "webp": "image/webp", "svg": "image/svg+xml"}
DEFAULT_ASSET_MAX_BYTES = 5 * 1024 * 1024


def max_asset_bytes() -> int:
    return int(current_app.config.get("ASSET_MAX_BYTES") or DEFAULT_ASSET_MAX_BYTES)


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def check_asset(name: str, data: bytes, max_bytes: int) -> tuple[str, bytes]:
    """An upload's safe name and the bytes to store: size and type by content checked, SVG cleaned."""
    if len(data) > max_bytes:
        raise UserError("asset.too_large", status=413, size=len(data), limit=max_bytes // 1024)
    if not data:
        raise UserError("asset.empty", status=422)
    try:
        name = asset_name(name)
    except InvalidPath as error:
        raise UserError("asset.type", status=415, name=error.path) from None
    ext = name.rsplit(".", 1)[1]
    if ext == "svg":
        return name, clean_svg(data)
    if _sniff(data) != ext:
        raise UserError("asset.type", status=415, name=name)
    return name, data


def check_chapter_text(text: str, path: str) -> str:
    """A whole chapter file in the library's one form; refuse what the library could not read."""
    text = normalise_text(text)
    if re.search(r"^(<{7}|>{7})( |$)", text, re.MULTILINE):
        raise UserError("chapter.markers", status=422)
    parse_chapter(text, path)
    return text


def check_written_files(book: str, changes: list) -> list:
    """``changes`` to ``book`` as its chapter, settings and image endpoints would write them.

    Every path passes the one rule of which files a book holds (``materials.paths``); every
    file is read as its endpoint reads it, YAML by the library's safe loader only, and refused
    as that endpoint refuses it. Nothing is written here.
    """
    return [_checked_write(book, change) if isinstance(change, Write) else change for change in changes]


def _checked_write(book: str, change: Write) -> Write:
    if change.path.startswith("standards/"):
        path = standard_file_path(change.path)
        parse_standard(change.content, path)
        return Write(path, change.data)
    if change.path.startswith("crosswalks/"):
        path = crosswalk_file_path(change.path)
        parse_crosswalk(change.content, path)
        return Write(path, change.data)
    path = book_file_path(book, change.path)
    folder = path[len(f"books/{book}/"):].partition("/")[0]
    if folder == "assets":
        return Write(path, check_asset(path.rsplit("/", 1)[1], change.content, max_asset_bytes())[1])
    try:
        text = change.content.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError("request.invalid", status=400, detail=f"{path}: not UTF-8 text") from None
    if folder == "chapters":
        return Write(path, check_chapter_text(text, path))
    parse_book_config(text, path)
    return Write(path, text)
