"""A book's images: the files of its ``assets/`` folder, uploaded (checked by ``written_files``;
the same picture twice is stored once) and deleted, each one commit.
"""
from __future__ import annotations

import hashlib
from typing import Any

from materials import Delete, Saved, Write, book_path
from server.editing import commit_messages
from server.editing.written_files import check_asset
from server.audit import service as audit
from server.database import db
from server.errors import UserError
from server.landing import commit_on, read_revision


def asset_files(lib: Any, book: str, rev: str) -> dict[str, str]:
    """Name (relative to assets/) -> blob id of every file in the book's assets folder."""
    prefix = f"books/{book}/assets/"
    return {path[len(prefix):]: blob for path, blob in lib.files(rev, prefix.rstrip("/")).items()}


def upload_asset(lib: Any, user: Any, book: str, branch: str, filename: str, data: bytes, max_bytes: int) -> tuple[str, Saved | None]:
    """Store an image in ``books/<book>/assets/``; the same picture twice is stored once."""
    name, data = check_asset(filename, data, max_bytes)
    rev = read_revision(lib, branch)
    existing = asset_files(lib, book, rev)
    if name in existing:
        if lib.read(rev, book_path(book, f"assets/{name}")) == data:
            return name, None
        stem, ext = name.rsplit(".", 1)
        name = f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}.{ext}"
    saved = commit_on(lib, user, branch, [Write(book_path(book, f"assets/{name}"), data)], commit_messages.image_added(name), rev)
    return name, saved


def delete_asset(lib: Any, user: Any, book: str, branch: str, name: str) -> Saved:
    path = book_path(book, f"assets/{name}")
    rev = read_revision(lib, branch)
    if not lib.exists(rev, path):
        raise UserError("asset.not_found", status=404, name=name)
    saved = commit_on(lib, user, branch, [Delete(path)], commit_messages.image_deleted(name), rev)
    audit.record("asset.delete", f"{book}/{name}", branch=branch)
    db().commit()
    return saved


def chapters_using(lib: Any, book: str, rev: str, name: str) -> list[str]:
    """Chapters that show the image, so a delete confirmation can warn about them."""
    needle = f"assets/{name}"
    prefix = f"books/{book}/chapters/"
    return sorted(path[len(prefix):] for path, data in lib.snapshot(rev, prefix.rstrip("/")).items()
                  if needle.encode() in data)
