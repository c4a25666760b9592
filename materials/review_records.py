"""Signed textbook-review records (教材审核), kept in the library beside the release they judged.

A record is a YAML file ``books/<book>/reviews/<version>/<number>.yml`` on
``main``: what the panel decided about the release tag ``<book>/v<version>``
(its commit and book tree are written into the record, so the record and the
exact text it judged cannot drift apart), followed by the members'
signatures. Each signature carries the SHA-256 of the record's text above the
``signatures:`` line, which is what the member signed.

Once written a record never changes: every write of the library (a commit, a
merge, a fast-forward) compares the records of the branch before and after and
refuses to change or delete one (``SignedRecordChanged``); a new record may be
added. ``install_push_guard`` puts the same rule into the repository's
``pre-receive`` hook, so a ``git push`` into the library that alters a record
is refused by git itself.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

import yaml

from .changes import Author, Write
from .errors import MaterialsError, NotFound
from .objects import ObjectStore
from .paths import validate_book_slug, validate_path

RECORDS_DIR = "reviews"
SIGNATURES = "signatures:"
_VERSION = re.compile(r"^[0-9][0-9A-Za-z.-]{0,39}$")


class SignedRecordChanged(MaterialsError):
    """A write that would change or delete a signed review record."""

    code = "review_record.immutable"


def record_path(book: str, version: str, number: int) -> str:
    """Where the record of review ``number`` of ``version`` lives."""
    validate_book_slug(book)
    if not isinstance(version, str) or not _VERSION.match(version):
        raise MaterialsError(f"“{version}” is not a release version", version=str(version)[:40])
    return validate_path(f"books/{book}/{RECORDS_DIR}/{version}/{int(number)}.yml")


def dump(data: dict[str, Any]) -> str:
    """The one text form of a record's fields (LF, keys in the given order, Chinese as is)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)


def digest(text: str) -> str:
    """What a member signs: the SHA-256 of the record's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_text(signed: str, signatures: list[dict[str, Any]]) -> str:
    """The file: the signed text, then the signatures (each holding ``digest(signed)``)."""
    if not signed.endswith("\n") or SIGNATURES in signed.split("\n"):
        raise MaterialsError("a record's text ends with a line break and has no signatures section")
    return signed + dump({"signatures": signatures})


def split_record(text: str) -> tuple[str, list[dict[str, Any]]]:
    """The signed text and the signatures of a record file."""
    head, sep, _rest = text.partition("\n" + SIGNATURES + "\n")
    if not sep:
        return text, []
    data = yaml.safe_load(text[len(head) + 1:]) or {}
    return head + "\n", list(data.get("signatures") or [])


def verify(text: str) -> bool:
    """Does every signature of the record hold the hash of its signed text?"""
    signed, signatures = split_record(text)
    return bool(signatures) and all(s.get("sha256") == digest(signed) for s in signatures)


def write_record(lib, book: str, version: str, number: int, text: str, author: Author, message: str) -> str:
    """Add a record to ``main`` (never replacing one); the commit's id."""
    path = record_path(book, version, number)
    base = lib.resolve("main")
    if lib.exists(base, path):
        if lib.read_text(base, path) == text:
            return base
        raise SignedRecordChanged(f"{path} is a signed review record and cannot be changed", path=path)
    return lib.commit("main", [Write(path, text)], author, message, base=base).sha


def read_record(lib, book: str, version: str, number: int, rev: str = "main") -> str:
    path = record_path(book, version, number)
    try:
        return lib.read_text(rev, path)
    except NotFound:
        raise NotFound(f"no review record {path}", path=path) from None


def _records(objects: ObjectStore, tree: str | None) -> dict[str, str]:
    """book -> the id of its reviews/ tree, for every book of ``tree`` that has records."""
    found: dict[str, str] = {}
    if tree is None:
        return found
    books = objects.tree(tree).get("books")
    if books is None or not books.is_tree:
        return found
    for name, entry in objects.tree(books.sha).items():
        if not entry.is_tree:
            continue
        reviews = objects.tree(entry.sha).get(RECORDS_DIR)
        if reviews is not None and reviews.is_tree:
            found[name] = reviews.sha
    return found


def _files(objects: ObjectStore, tree: str, at: str) -> dict[str, str]:
    out: dict[str, str] = {}
    stack = [(tree, at)]
    while stack:
        sha, prefix = stack.pop()
        for name, entry in objects.tree(sha).items():
            if entry.is_tree:
                stack.append((entry.sha, f"{prefix}{name}/"))
            else:
                out[prefix + name] = entry.sha
    return out


def check_records_kept(objects: ObjectStore, old_tree: str | None, new_tree: str | None) -> None:
    """Refuse ``new_tree`` if it changes or drops a record ``old_tree`` holds (added ones are fine)."""
    before = _records(objects, old_tree)
    if not before:
        return
    after = _records(objects, new_tree)
    for book, sha in before.items():
        if after.get(book) == sha:
            continue  # the same reviews/ tree: nothing changed
        kept = _files(objects, after[book], "") if book in after else {}
        for path, blob in _files(objects, sha, "").items():
            if kept.get(path) != blob:
                full = f"books/{book}/{RECORDS_DIR}/{path}"
                raise SignedRecordChanged(f"{full} is a signed review record and cannot be changed", path=full)


PUSH_GUARD = """#!/bin/sh
# Jointbook: signed textbook-review records (books/*/reviews/) are never changed or deleted.
zero=0000000000000000000000000000000000000000
while read old new ref; do
  [ "$old" = "$zero" ] && continue
  if [ "$new" = "$zero" ]; then
    changed=$(git ls-tree -r --name-only "$old" -- books | grep -E '^books/[^/]+/reviews/' | head -n 1)
  else
    changed=$(git diff-tree -r --no-renames --diff-filter=MDT --name-only "$old" "$new" -- books \\
      | grep -E '^books/[^/]+/reviews/' | head -n 1)
  fi
  if [ -n "$changed" ]; then
    echo "refused: $changed is a signed review record and cannot be changed" >&2
    exit 1
  fi
done
exit 0
"""


def install_push_guard(git_dir: str | Path) -> Path:
    """Write the ``pre-receive`` hook that refuses pushes altering a record (idempotent)."""
    hook = Path(git_dir) / "hooks" / "pre-receive"
    if hook.exists() and hook.read_text(errors="replace") == PUSH_GUARD:
        return hook
    hook.parent.mkdir(parents=True, exist_ok=True)
    tmp = hook.with_name(f".pre-receive.{os.getpid()}")
    tmp.write_text(PUSH_GUARD)
    tmp.chmod(0o755)
    os.replace(tmp, hook)
    return hook
