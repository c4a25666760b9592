"""The library's qualification standards as the server shows and exchanges them.

Standard files are large and immutable per edition, so each is parsed once
per blob id, and its CASE 1.1 package is converted once per blob id too; the
catalog, the CASE REST service and the alignment pages all read from here.
Imports never write files: they become a commit on a draft branch (or on
main where the admin and the book's policy allow), through ``materials``.
"""


from __future__ import annotations
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable
from cachetools import LRUCache, cached
from materials import MaterialsError, NotFound, Write
from materials.standards.case import case_identifier, to_case
from materials.standards.editions import superseded_by
from materials.standards.reading import parse_standard
from materials.standards.standard import Item, Standard
from materials.standards.writing import dump_standard
from server.accounts.service import git_author
from server.errors import UserError
from server.library import library


STANDARDS_DIR = "standards"
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


@cached(LRUCache(maxsize=_CACHE_SIZE), key=lambda lib, path, blob: blob + path, lock=threading.Lock())
def _parse(lib: Any, path: str, blob: str) -> Standard | MaterialsError:
    """The standard in ``blob`` (or why it does not parse), kept by blob id and path: same bytes, same result."""
    try:
        return parse_standard(lib.objects.read(blob)[1], path)
    except MaterialsError as exc:
        return exc


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


# ------------------------------------------------------------------- CASE 1.1

@cached(LRUCache(maxsize=_CACHE_SIZE), key=lambda found, base_url: (found.blob, base_url or ""),
        lock=threading.Lock())
def case_package(found: Entry, base_url: str | None) -> dict:
    """The CASE 1.1 CFPackage of a standard, converted once per blob id (and base URL)."""
    assert found.standard is not None
    lib = library()
    try:
        changed = lib.log("main", found.path, limit=1)[0].authored_at
    except (MaterialsError, IndexError):
        changed = None
    return to_case(found.standard, base_url=base_url, changed_at=changed)


@cached(LRUCache(maxsize=_CACHE_SIZE), key=lambda found: tuple(e.blob for e in found), lock=threading.Lock())
def case_index(found: list[Entry]) -> dict[str, tuple[str, str, str | None]]:
    """CASE identifier -> (CF type, standard id, item key / association key) for every standard,
    kept by the blob ids of the standards."""
    index: dict[str, tuple[str, str, str | None]] = {}
    for e in found:
        std = e.standard
        if std is None:
            continue
        index[case_identifier(std.id)] = ("CFDocuments", std.id, None)
        for item in std.items:
            index[case_identifier(std.id, item.key)] = ("CFItems", std.id, item.key)
            assoc = f"{item.key}>{item.parent or ''}"
            index[case_identifier(std.id, assoc, what="isChildOf")] = ("CFAssociations", std.id, assoc)
    return index


# -------------------------------------------------------------------- imports

IMPORT_BRANCH = "imports/{username}/{standard}"


@dataclass(frozen=True)
class Imported:
    """Where an imported standard went: ``main`` (direct) or a draft branch to review."""

    standard: str
    branch: str
    sha: str
    direct: bool
    url: str | None = None  # the change request's page, when it went into one


def standard_yaml(std: Standard) -> str:
    """The file an imported standard is saved as (read back to prove it round-trips)."""
    text = dump_standard(std)
    path = f"{STANDARDS_DIR}/{std.id}.yml"
    if parse_standard(text, path) != std:  # never store something that would read back differently
        raise UserError("standard.import_round_trip", status=422, standard=std.id)
    return text


def import_standard(std: Standard, user: Any, direct: bool, book: str | None = None) -> Imported:
    """Save ``std`` as ``standards/<id>.yml``: on main when ``direct``, else as a change request.

    An edition is immutable: an id already on main is refused. Imported for a
    book, it arrives as a change request on that book, reviewed like any
    change; without a book, on the draft branch ``imports/<username>/<id>``.
    """
    lib = library()
    path = f"{STANDARDS_DIR}/{std.id}.yml"
    main = lib.resolve("main")
    if lib.exists(main, path) or std.id in standards():
        raise UserError("standard.exists", status=409, standard=std.id)
    text = standard_yaml(std)
    message = f"Import the standard {std.id}\n\n{std.title}"
    if not direct and book is not None:
        from flask import url_for
        from flask_babel import gettext as _

        from server.change_requests.service import commit_to_cr, open_cr

        cr = open_cr(user, book, _("Import the standard %(id)s", id=std.id), std.title)
        saved = commit_to_cr(user, cr, [Write(path, text)], message)
        return Imported(std.id, cr.branch, saved.sha, False,
                        url=url_for("change_requests.show", book=book, number=cr.number))
    branch = IMPORT_BRANCH.format(username=user.username, standard=std.id)
    base = main if direct else (lib.branch_head(branch) or main)
    return commit_proposal([Write(path, text)], user, branch, message, direct, subject=std.id, base=base)


def commit_proposal(changes: list, user: Any, branch: str, message: str, direct: bool, subject: str = "", *,
                    base: str) -> Imported:
    """One commit of ``changes`` made against ``base``: on main when ``direct``, else on the draft
    ``branch`` (created from main)."""
    lib = library()
    author = git_author(user)
    if direct:
        saved = lib.commit("main", changes, author, message, base=base)
        return Imported(subject, "main", saved.sha, True)
    if lib.branch_head(branch) is None:
        lib.create_branch(branch, "main")
    saved = lib.commit(branch, changes, author, message, base=base)
    return Imported(subject, branch, saved.sha, False)


def branch_standard(branch: str, standard_id: str) -> Standard:
    """A standard as it stands on a draft branch (to show an import before it is merged)."""
    lib = library()
    path = f"{STANDARDS_DIR}/{standard_id}.yml"
    try:
        return parse_standard(lib.read(branch, path), path)
    except NotFound:
        raise UserError("standard.not_found", status=404, standard=standard_id) from None


SAFE_FILENAME = re.compile(r"[^A-Za-z0-9.@-]+")


def download_name(standard_id: str, extension: str) -> str:
    return SAFE_FILENAME.sub("-", standard_id) + "." + extension


# --------------------------------------------------------------- upload forms

IMPORT_FORMATS = ("case", "csv")


def standard_from_upload(kind: str, raw: bytes, meta: dict[str, Any] | None = None,
                         standard_id: str | None = None) -> Standard:
    """Read an uploaded CASE 1.0/1.1 package or a filled CSV sheet (+ its metadata); typed errors otherwise."""
    from materials.standards.case import MAX_IMPORT_BYTES, CaseTooLarge, load_case_bytes
    from materials.standards.spreadsheet import standard_from_csv

    if kind == "case":
        if len(raw) > MAX_IMPORT_BYTES:  # refused before anything is parsed
            raise CaseTooLarge("the file is too large", path="CASE package", limit=MAX_IMPORT_BYTES, size=len(raw))
        return load_case_bytes(raw, standard_id=standard_id or None)
    if kind == "csv":
        return standard_from_csv(raw, dict(meta or {}))
    raise UserError("request.invalid", status=422, detail=f"format: {kind}")


def may_import_directly(user: Any, book: str) -> bool:
    """Straight onto main only for an administrator, and only where the book's policy allows direct commits."""
    from review.policy import ReviewPolicy

    if not getattr(user, "is_admin", False):
        return False
    try:
        config = library().book(book, "main", chapters=False).config
        return ReviewPolicy.from_config(config.review).direct_commits
    except Exception:  # an unreadable policy never grants a direct commit
        return False


def error_rows(error: BaseException) -> list[dict[str, Any]]:
    """Where (row / line / JSON place) and what, for the table of import errors."""
    from server.errors import describe

    params = getattr(error, "params", {}) or {}
    where = params.get("row") or getattr(error, "line", None) or params.get("where") or ""
    return [{"where": str(where), "code": getattr(error, "code", ""), "message": describe(error)}]
