"""A book's alignment to its standards, as the alignment pages and API show it.

The coverage rules live in ``materials.coverage``; this module gathers what
they need from the library (chapter refs, parsed once per chapter blob) and
shapes the matrix (chapters × items, filtered by level and kind, gaps
first). The "post — capability — course" view is ``capabilities``; moving a
book off a superseded edition is ``migration``.
"""


from __future__ import annotations
import threading
from dataclasses import dataclass, field
from typing import Any
from cachetools import LRUCache, cached
from materials import MaterialsError, parse_chapter
from materials.books import parse_book_config
from materials.paths import validate_book_slug
from materials.coverage import Coverage, coverage
from materials.standards.crosswalk import Crosswalk, Derivation
from materials.standards.editions import superseded_by
from materials.standards.standard import Item, Standard
from server.crosswalks import service as crosswalk_catalog
from server.standards import service as standards_catalog
from server.errors import UserError
from server.library import library


_CHAPTER_CACHE_SIZE = 20000
LEAF_KINDS = ("S", "K")


@dataclass(frozen=True)
class ChapterRefs:
    """What alignment needs from one chapter file: its title and the item refs it claims."""

    filename: str
    title: str
    refs: tuple[str, ...]
    problem: str | None = None


@dataclass
class BookAlignment:
    """Everything the alignment page of one book at one revision shows."""

    book: str
    title: str
    rev: str
    declared: list[str]
    chapters: list[ChapterRefs]
    standards: dict[str, Standard]          # declared standards found in the library
    all_standards: dict[str, Standard]
    coverage: Coverage
    superseded: dict[str, str] = field(default_factory=dict)  # declared old id -> id of the edition replacing it
    crosswalks: dict[str, Crosswalk] = field(default_factory=dict)  # every crosswalk of the library at ``rev``

    def chapter_numbers(self) -> dict[str, int]:
        return {c.filename: n for n, c in enumerate(self.chapters, 1)}


@cached(LRUCache(maxsize=_CHAPTER_CACHE_SIZE), key=lambda lib, path, blob: blob + path, lock=threading.Lock())
def _chapter_refs(lib: Any, path: str, blob: str) -> ChapterRefs:
    """The chapter's title and refs, kept by blob id and path: a book's pages read the same chapters again."""
    filename = path.rsplit("/", 1)[-1]
    text = lib.objects.read(blob)[1].decode("utf-8", "replace")
    try:
        meta, _body = parse_chapter(text, path)
        return ChapterRefs(filename, meta.title, tuple(meta.all_refs()))
    except MaterialsError as exc:
        return ChapterRefs(filename, filename[:-3], (), exc.message)


@cached(LRUCache(maxsize=64), key=lambda lib, path, blob: blob, lock=threading.Lock())
def _parsed_config(lib: Any, path: str, blob: str) -> Any:
    return parse_book_config(lib.objects.read(blob)[1].decode("utf-8"), path)


def _book_config(lib: Any, book: str, commit: str) -> Any:
    """book.yml parsed once per blob id (a 1,000-chapter navigation takes a while to read)."""
    validate_book_slug(book)
    path = f"books/{book}/book.yml"
    entry = lib.entry(commit, path)
    if entry is None:
        raise UserError("book.not_found", status=404, book=book)
    return _parsed_config(lib, path, entry.sha)


def book_alignment(book: str, rev: str = "main") -> BookAlignment:
    """The book's chapters (in navigation order), declared standards and coverage at ``rev``."""
    lib = library()
    commit = lib.resolve(rev)
    config = _book_config(lib, book, commit)
    files = lib.files(commit, f"books/{book}/chapters")
    order = [f"books/{book}/chapters/{name}" for name in config.chapter_files()]
    listed = set(order)
    order += sorted(p for p in files if p.endswith(".md") and p not in listed)
    chapters = [_chapter_refs(lib, p, files[p]) for p in order if p in files]
    all_standards = standards_catalog.standards(rev)
    declared = list(config.standards)
    found = {sid: all_standards[sid] for sid in declared if sid in all_standards}
    crosswalks = crosswalk_catalog.crosswalks(rev)
    cov = coverage(all_standards, declared, {c.filename: c.refs for c in chapters}, crosswalks.values())
    replaced = superseded_by(all_standards)
    superseded = {sid: replaced[sid] for sid in declared if sid in replaced}
    return BookAlignment(book, config.title, commit, declared, chapters, found, all_standards, cov,
                         superseded, crosswalks)


# ------------------------------------------------------------------- the matrix

@dataclass(frozen=True)
class Row:
    """One item of the matrix: which chapters name it, and whether it counts as a gap."""

    standard: str
    item: Item
    kind_label: str
    level_label: str
    depth: int
    chapters: tuple[str, ...]
    # chapters that cover the item through a crosswalk (they name an exact match), with how
    derived: tuple[tuple[str, Derivation], ...] = ()

    @property
    def covered(self) -> bool:
        return bool(self.chapters or self.derived)

    @property
    def gap(self) -> bool:
        return self.item.kind in LEAF_KINDS and not self.covered

    @property
    def derived_chapters(self) -> dict[str, Derivation]:
        return dict(self.derived)


def _depths(std: Standard) -> dict[str, int]:
    """Item key -> how deep it sits in the tree (roots 0); parents come before children in a file."""
    depth: dict[str, int] = {}
    by_key = std.by_key
    for item in std.items:
        chain, parent = [], item.key
        while parent is not None and parent not in depth and len(chain) < 100:
            chain.append(parent)
            parent = by_key[parent].parent
        base = -1 if parent is None else depth[parent]
        for n, key in enumerate(reversed(chain), 1):
            depth[key] = base + n
    return depth


def matrix_rows(alignment: BookAlignment, standard: str | None = None, level: str | None = None,
                kind: str | None = None, gaps_first: bool = True) -> list[Row]:
    """Items of the declared standards with the chapters naming each.

    ``level`` keeps the items that count for that level (for a cumulative
    level, the lower levels' items too); ``kind`` keeps one kind of item.
    Gaps (uncovered skill/knowledge items) come first, each group in the
    standard's order.
    """
    rows: list[Row] = []
    for sid, std in alignment.standards.items():
        if standard is not None and sid != standard:
            continue
        levels = set(std.levels_included(level)) if level in std.level_keys else None
        labels = {lv.key: lv.label for lv in std.levels}
        depths = _depths(std)
        by_item = alignment.coverage.by_item
        for item in std.items:
            if levels is not None and item.level not in levels:
                continue
            if kind and item.kind != kind:
                continue
            rows.append(Row(sid, item, std.kinds.get(item.kind, item.kind), labels.get(item.level, item.level),
                            depths[item.key], tuple(by_item.get((sid, item.key), ())),
                            tuple(alignment.coverage.derived.get((sid, item.key), {}).items())))
    if gaps_first:
        rows.sort(key=lambda r: not r.gap)  # stable: keeps the standard's order inside each group
    return rows


def levels_json(alignment: BookAlignment) -> list[dict[str, Any]]:
    out = []
    for sid, sc in alignment.coverage.standards.items():
        for row in sc.levels:
            out.append({
                "standard": sid, "level": row.level, "label": row.label, "cumulative": row.cumulative,
                "covered": row.covered, "total": row.total,
                "percent": None if row.percent is None else round(row.percent, 1),
                "weighted": {table: round(value, 1) for table, value in row.weighted.items()},
                "gaps": row.gaps(),
            })
    return out


def matrix_json(alignment: BookAlignment, rows: list[Row]) -> dict[str, Any]:
    """The alignment as plain data (the API's and the CSV export's source)."""
    return {
        "book": alignment.book,
        "title": alignment.title,
        "revision": alignment.rev,
        "standards": [{"id": sid, "title": std.title, "edition": std.edition, "status": std.status,
                       "superseded_by": alignment.superseded.get(sid)}
                      for sid, std in alignment.standards.items()],
        "unknown_standards": alignment.coverage.unknown_standards,
        "levels": levels_json(alignment),
        "chapters": [{"number": n, "filename": c.filename, "title": c.title,
                      "items": sorted(f"{s}:{k}" for s, k in alignment.coverage.matrix.get(c.filename, ()))}
                     for n, c in enumerate(alignment.chapters, 1)],
        "items": [{"standard": r.standard, "key": r.item.key, "code": r.item.code, "kind": r.item.kind,
                   "level": r.item.level, "text": r.item.text, "chapters": list(r.chapters), "gap": r.gap,
                   "derived": derived_json(r.derived)}
                  for r in rows],
        "unresolved": {chapter: [{"code": e.code, "ref": e.params.get("ref", ""), "message": e.message}
                                 for e in errors]
                       for chapter, errors in alignment.coverage.unresolved.items()},
    }


# ------------------------------------------------------------- 书证融通 matrix

@dataclass(frozen=True)
class CertificateMatch:
    """An item of another standard that a crosswalk matches with a certificate item."""

    crosswalk: str
    standard: Standard
    item: Item
    kind: str


@dataclass(frozen=True)
class CertificateRow:
    """One certificate item: its matches in the other standards, and the chapters that cover it."""

    standard: Standard
    item: Item
    kind_label: str
    matches: tuple[CertificateMatch, ...]
    chapters: tuple[str, ...]
    derived: tuple[tuple[str, Derivation], ...]

    @property
    def covered(self) -> bool:
        return bool(self.chapters or self.derived)


def certificate_standards(alignment: BookAlignment) -> list[Standard]:
    """The declared standards the 书证融通 matrix is about: the 1+X certificates, else the declared standards
    a crosswalk starts from."""
    found = list(alignment.standards.values())
    certificates = [s for s in found if s.scheme == "cn-1x"]
    if certificates:
        return certificates
    sources = {cw.source for cw in alignment.crosswalks.values()}
    return [s for s in found if s.id in sources]


def certificate_matrix(alignment: BookAlignment) -> list[CertificateRow]:
    """For each item of each certificate standard, which items of other standards the crosswalks match with it
    (either way) and which chapters cover it, directly or through an exact match."""
    known = alignment.all_standards
    links: dict[tuple[str, str], list[CertificateMatch]] = {}
    for cw in alignment.crosswalks.values():
        if cw.source not in known or cw.target not in known:
            continue
        source, target = known[cw.source], known[cw.target]
        for m in cw.matches:
            if m.source in source.by_key and m.target in target.by_key:
                links.setdefault((cw.source, m.source), []).append(
                    CertificateMatch(cw.id, target, target.by_key[m.target], m.kind))
                links.setdefault((cw.target, m.target), []).append(
                    CertificateMatch(cw.id, source, source.by_key[m.source], m.kind))
    rows = []
    by_item, derived = alignment.coverage.by_item, alignment.coverage.derived
    for std in certificate_standards(alignment):
        for item in std.items:
            ref = (std.id, item.key)
            rows.append(CertificateRow(std, item, std.kinds.get(item.kind, item.kind), tuple(links.get(ref, ())),
                                       tuple(by_item.get(ref, ())), tuple(derived.get(ref, {}).items())))
    return rows


def certificate_json(alignment: BookAlignment, rows: list[CertificateRow]) -> dict[str, Any]:
    """The 书证融通 matrix as plain data (the API's source)."""
    return {"book": alignment.book, "revision": alignment.rev,
            "certificates": [s.id for s in certificate_standards(alignment)],
            "items": [{"standard": r.standard.id, "key": r.item.key, "code": r.item.code, "text": r.item.text,
                       "matches": [{"crosswalk": m.crosswalk, "standard": m.standard.id, "key": m.item.key,
                                    "kind": m.kind} for m in r.matches],
                       "chapters": list(r.chapters),
                       "derived": derived_json(r.derived)} for r in rows]}


def derived_json(derived: tuple[tuple[str, Derivation], ...]) -> list[dict[str, str]]:
    """The chapters covering an item through a crosswalk: which, through which crosswalk, naming which item."""
    return [{"chapter": ch, "crosswalk": d.crosswalk, "via": f"{d.via[0]}:{d.via[1]}"} for ch, d in derived]
