"""The catalog of the library's qualification standards: list, search, read one as a tree.

Standard files are large and immutable per edition, so each is parsed once
per blob id; the catalog pages, the CASE exchange (``exchange``), imports
(``imports``) and the alignment pages all read the standards from here.
"""


from __future__ import annotations
import hashlib
import json
import os
import re
import tempfile
import threading
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Iterable
from cachetools import LRUCache, cached
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from materials import MaterialsError
from materials.standards.editions import superseded_by
from materials.standards.reading import parse_standard
from materials.standards.standard import Item, Standard
from materials.standards.validation import standard_from_data
from materials.standards.writing import standard_to_data
from server.errors import UserError
from server.library import library


STANDARDS_DIR = "standards"
STATUS_LABELS = {"current": _l("Current"), "superseded": _l("Superseded"), "withdrawn": _l("Withdrawn")}
_CACHE_SIZE = 64


@dataclass(frozen=True)
class Entry:
    """One standard file of the library: parsed, or the error that keeps it from parsing."""

    path: str
    blob: str
    standard: Standard | None
    problem: MaterialsError | None = None

    @property
    def id(self) -> str:
        return self.standard.id if self.standard else self.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


_lock = threading.Lock()


@cached(LRUCache(maxsize=_CACHE_SIZE), key=lambda lib, path, blob: blob + path, lock=_lock)
def _parse(lib: Any, path: str, blob: str) -> Standard | MaterialsError:
    """The standard in ``blob`` (or why it does not parse), kept by blob id and path: same bytes, same result.

    A big standard's YAML takes seconds to read, and every web process would read it again after a
    start; so what was read is also kept as checked plain data in the instance (``cache/standards``),
    by blob id, and a process reads that instead."""
    kept = _kept(path, blob)
    if kept is not None:
        return kept
    try:
        std = parse_standard(lib.objects.read(blob)[1], path)
    except MaterialsError as exc:
        return exc
    _keep(path, blob, std)
    return std


def _kept_file(blob: str) -> Path | None:
    if not has_app_context() or not re.fullmatch(r"[0-9a-f]{40,64}", blob):
        return None
    return Path(current_app.config["JOINTBOOK_INSTANCE"]) / "cache" / "standards" / f"{blob}.json"


def _kept(path: str, blob: str) -> Standard | None:
    file = _kept_file(blob)
    if file is None or not file.is_file():
        return None
    try:
        return standard_from_data(json.loads(file.read_text(encoding="utf-8")), path)
    except (OSError, ValueError, MaterialsError):
        return None  # unreadable or from an older model: read the YAML again


def _keep(path: str, blob: str, std: Standard) -> None:
    file = _kept_file(blob)
    if file is None:
        return
    data = standard_to_data(std)
    try:
        text = json.dumps(data, ensure_ascii=False)
        if standard_from_data(json.loads(text), path) != std:  # only what reads back the same is kept
            return
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, file)
    except (OSError, TypeError, ValueError, MaterialsError):
        return


def remember(path: str, text: str, std: Standard) -> None:
    """What an import has just written and read back: the catalog needs not read it again."""
    data = text.encode("utf-8")
    blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    with _lock:
        _parse.cache[blob + path] = std
    _keep(path, blob, std)


def forget_parsed() -> None:
    """Empty this process's parsed standards (what a web process that has just started holds)."""
    with _lock:
        _parse.cache.clear()


def entries(rev: str = "main") -> list[Entry]:
    """Every standard file on ``rev``, sorted by id; broken files are listed with their problem."""
    lib = library()
    out = []
    for path, blob in sorted(lib.files(rev, STANDARDS_DIR).items()):
        if not path.endswith((".yml", ".yaml")):
            continue
        parsed = _parse(lib, path, blob)
        if isinstance(parsed, Standard):
            out.append(Entry(path, blob, parsed))
        else:
            out.append(Entry(path, blob, None, parsed))
    return sorted(out, key=lambda e: e.id)


def standards(rev: str = "main") -> dict[str, Standard]:
    """Id -> parsed standard, for every file that parses."""
    return {e.standard.id: e.standard for e in entries(rev) if e.standard is not None}


def entry(standard_id: str, rev: str = "main") -> Entry:
    """The entry of one standard (404 ``standard.not_found`` when the library has none)."""
    for found in entries(rev):
        if found.standard is not None and found.standard.id == standard_id:
            return found
    raise UserError("standard.not_found", status=404, standard=standard_id)


def standard(standard_id: str, rev: str = "main") -> Standard:
    parsed = entry(standard_id, rev).standard
    assert parsed is not None
    return parsed


# ---------------------------------------------------------------- the catalog

def counts(std: Standard) -> dict[str, int]:
    """Item count per kind key, plus "total"."""
    out: dict[str, int] = {k: 0 for k in std.kinds}
    for item in std.items:
        out[item.kind] = out.get(item.kind, 0) + 1
    out["total"] = len(std.items)
    return out


@dataclass(frozen=True)
class Hit:
    """A standard that matches a search, and which of its items matched (all when the title did)."""

    standard: Standard
    title_matched: bool
    items: tuple[Item, ...]


def _terms(query: str) -> list[str]:
    return [t for t in query.casefold().split() if t]


def _matches(text: str, terms: list[str]) -> bool:
    folded = text.casefold()
    return all(t in folded for t in terms)


def search(query: str, within: Iterable[Standard], limit: int = 50) -> list[Hit]:
    """Standards whose title/code/issuer, or whose items' code/key/text, contain every word of ``query``.

    Case-folded substring matching: Chinese needs no word splitting for it,
    and "制动机" finds "制动机检查与试验" as a teacher expects.
    """
    terms = _terms(query)
    if not terms:
        return []
    hits = []
    for std in within:
        head = " ".join((std.id, std.title, std.code, std.issuer, std.scheme))
        title_matched = _matches(head, terms)
        items = tuple(i for i in std.items if _matches(f"{i.key} {i.code} {i.text}", terms))[:limit]
        if title_matched or items:
            hits.append(Hit(std, title_matched, items))
    return hits


@dataclass
class Node:
    """An item of the tree view with its children, in the standard's order."""

    item: Item
    label: str
    children: list["Node"] = field(default_factory=list)


def tree(std: Standard) -> list[tuple[Any, list[Node]]]:
    """(level, roots) per level, lowest first: F → C → S/K as the standard prints it."""
    children = std.children
    by_key = std.by_key

    def build(key: str) -> Node:
        item = by_key[key]
        return Node(item, std.kinds.get(item.kind, item.kind), [build(k) for k in children.get(key, ())])

    roots_by_level: dict[str, list[Node]] = {lv.key: [] for lv in std.levels}
    for key in children.get(None, ()):
        roots_by_level[by_key[key].level].append(build(key))
    return [(lv, roots_by_level[lv.key]) for lv in std.levels]


def editions(std: Standard, all_standards: dict[str, Standard]) -> dict[str, list[str]]:
    """The supersession chain: ``older`` editions this one replaces (transitively) and ``newer`` ones."""
    older: list[str] = []
    stack = [s.id for s in std.supersedes]
    while stack:
        sid = stack.pop(0)
        if sid in older or sid == std.id:
            continue
        older.append(sid)
        if sid in all_standards:
            stack.extend(s.id for s in all_standards[sid].supersedes)
    newer: list[str] = []
    forward = superseded_by(all_standards)
    current = std.id
    while current in forward and forward[current] not in newer and forward[current] != std.id:
        current = forward[current]
        newer.append(current)
    return {"older": older, "newer": newer}
