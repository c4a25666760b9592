"""An uploaded standard waiting for its importer to read the dry-run report and confirm.

The upload is kept as a file in the instance (``standard-imports/``), named
by a random token that only its importer's pages know, for a day; the
report is worked out again when it is shown and when it is confirmed, so
it always speaks of the library as it is then.
"""
from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from server.errors import UserError

KEEP_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,40}$")


@dataclass(frozen=True)
class PendingImport:
    token: str
    user_id: int
    book: str
    kind: str  # "case" or "csv"
    filename: str
    meta: dict[str, Any]
    standard_id: str
    direct: bool
    created: float
    data: bytes


def _folder() -> Path:
    folder = Path(current_app.config["JOINTBOOK_INSTANCE"]) / "standard-imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _paths(token: str) -> tuple[Path, Path]:
    if not TOKEN.match(token or ""):
        raise UserError("standard.import_not_found", status=404)
    folder = _folder()
    return folder / f"{token}.json", folder / f"{token}.upload"


def keep(user_id: int, book: str, kind: str, filename: str, data: bytes, *, meta: dict[str, Any] | None = None,
         standard_id: str = "", direct: bool = False, now: float | None = None) -> PendingImport:
    """Keep an upload until it is confirmed or cancelled (or a day has passed)."""
    now = time.time() if now is None else now
    _forget_old(now)
    token = secrets.token_urlsafe(18)
    record, upload = _paths(token)
    upload.write_bytes(data)
    record.write_text(json.dumps({"user_id": user_id, "book": book, "kind": kind, "filename": filename[:200],
                                  "meta": meta or {}, "standard_id": standard_id, "direct": direct,
                                  "created": now}, ensure_ascii=False), encoding="utf-8")
    return PendingImport(token, user_id, book, kind, filename[:200], meta or {}, standard_id, direct, now, data)


def find(token: str, user_id: int, book: str, now: float | None = None) -> PendingImport:
    """The importer's own waiting upload on this book; 404 ``import.not_found`` for anyone else's or a gone one."""
    record, upload = _paths(token)
    try:
        fields = json.loads(record.read_text(encoding="utf-8"))
        data = upload.read_bytes()
    except (OSError, ValueError):
        raise UserError("standard.import_not_found", status=404) from None
    now = time.time() if now is None else now
    if fields["user_id"] != user_id or fields["book"] != book or now - fields["created"] > KEEP_SECONDS:
        raise UserError("standard.import_not_found", status=404)
    return PendingImport(token=token, data=data, **fields)


def waiting(user_id: int, book: str, now: float | None = None) -> list[PendingImport]:
    """The person's uploads on this book still waiting for confirmation, newest first."""
    now = time.time() if now is None else now
    found = []
    for record in _folder().glob("*.json"):
        try:
            found.append(find(record.stem, user_id, book, now))
        except UserError:
            continue
    return sorted(found, key=lambda p: p.created, reverse=True)


def forget(token: str) -> None:
    for path in _paths(token):
        path.unlink(missing_ok=True)


def _forget_old(now: float) -> None:
    for record in _folder().glob("*.json"):
        try:
            if now - record.stat().st_mtime > KEEP_SECONDS:
                forget(record.stem)
        except (OSError, UserError):
            continue
