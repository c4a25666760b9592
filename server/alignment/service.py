"""A book's alignment to its standards, as the alignment pages and API show it.

The coverage rules live in ``materials.coverage``; this module gathers what
they need from the library (chapter refs, parsed once per chapter blob),
shapes the matrix (chapters × items, filtered by level and kind, gaps
first), the "post — capability — course" view, and the migration of a book
from a superseded edition to the one that replaces it.
"""


from __future__ import annotations
import re
import threading
from dataclasses import dataclass, field, replace
from typing import Any
from cachetools import LRUCache, cached
from materials import MaterialsError, Write, parse_chapter, revise_chapter
from materials.books import parse_book_config
from materials.paths import validate_book_slug
from materials.coverage import Coverage, coverage
from materials.standards.editions import migration_proposal, superseded_by
from materials.standards.item_refs import partition_refs
from materials.standards.standard import Item, Standard
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
    cov = coverage(all_standards, declared, {c.filename: c.refs for c in chapters})
    replaced = superseded_by(all_standards)
    superseded = {sid: replaced[sid] for sid in declared if sid in replaced}
    return BookAlignment(book, config.title, commit, declared, chapters, found, all_standards, cov,
                         superseded)


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

    @property
    def covered(self) -> bool:
        return bool(self.chapters)

    @property
    def gap(self) -> bool:
        return self.item.kind in LEAF_KINDS and not self.chapters


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
                            depths[item.key], tuple(by_item.get((sid, item.key), ()))))
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
                   "level": r.item.level, "text": r.item.text, "chapters": list(r.chapters), "gap": r.gap}
                  for r in rows],
        "unresolved": {chapter: [{"code": e.code, "ref": e.params.get("ref", ""), "message": e.message}
                                 for e in errors]
                       for chapter, errors in alignment.coverage.unresolved.items()},
    }


# ------------------------------------------------- post — capability — course

@dataclass
class Capability:
    """A 工作内容 / task (C) with the chapters that build it and how much of it they cover."""

    item: Item
    chapters: list[str]
    covered: int
    total: int


@dataclass
class Post:
    """A 职业功能 / work area (F) of one level, with its capabilities."""

    standard: str
    item: Item
    level_label: str
    capabilities: list[Capability]


def capabilities(alignment: BookAlignment) -> list[Post]:
    """For each top-level F item, its C items and the chapters (book order) naming them or anything under them."""
    numbers = alignment.chapter_numbers()
    posts: list[Post] = []
    for sid, std in alignment.standards.items():
        labels = {lv.key: lv.label for lv in std.levels}
        by_item = alignment.coverage.by_item
        for fkey in std.children.get(None, ()):
            f = std.by_key[fkey]
            if f.kind != "F":
                continue
            caps = []
            for ckey in std.children.get(fkey, ()):
                c = std.by_key[ckey]
                below = [ckey]
                stack = list(std.children.get(ckey, ()))
                while stack:
                    k = stack.pop()
                    below.append(k)
                    stack.extend(std.children.get(k, ()))
                chapters = {ch for k in below for ch in by_item.get((sid, k), ())}
                leaves = [k for k in below if std.by_key[k].kind in LEAF_KINDS]
                caps.append(Capability(c, sorted(chapters, key=lambda ch: numbers.get(ch, 0)),
                                       sum(1 for k in leaves if by_item.get((sid, k))), len(leaves)))
            posts.append(Post(sid, f, labels.get(f.level, f.level), caps))
    return posts


def capabilities_json(alignment: BookAlignment) -> dict[str, Any]:
    return {"book": alignment.book, "revision": alignment.rev, "posts": [
        {"standard": p.standard, "key": p.item.key, "code": p.item.code, "level": p.item.level, "text": p.item.text,
         "capabilities": [{"key": c.item.key, "code": c.item.code, "text": c.item.text, "chapters": c.chapters,
                           "covered": c.covered, "total": c.total} for c in p.capabilities]}
        for p in capabilities(alignment)]}


# ------------------------------------------------------------------- migration

@dataclass(frozen=True)
class MigrationRow:
    old_key: str
    old_text: str
    new_keys: tuple[str, ...]
    chapters: tuple[str, ...]


@dataclass(frozen=True)
class Migration:
    """Move a book from the superseded edition ``old`` to ``new``: the item mapping for the items in use."""

    old: Standard
    new: Standard
    rows: tuple[MigrationRow, ...]

    @property
    def undecided(self) -> list[str]:
        return [r.old_key for r in self.rows if not r.new_keys]


def migration(alignment: BookAlignment, old_id: str) -> Migration:
    """The proposal for the declared edition ``old_id`` (404 when nothing supersedes it)."""
    new_id = alignment.superseded.get(old_id)
    if new_id is None or old_id not in alignment.standards:
        raise UserError("alignment.not_superseded", status=404, standard=old_id)
    old, new = alignment.standards[old_id], alignment.all_standards[new_id]
    proposal = migration_proposal(old, new)
    rows = []
    for item in old.items:
        chapters = tuple(alignment.coverage.by_item.get((old_id, item.key), ()))
        if chapters:
            rows.append(MigrationRow(item.key, item.text, tuple(proposal.get(item.key, ())), chapters))
    return Migration(old, new, tuple(rows))


def migration_json(m: Migration) -> dict[str, Any]:
    return {"old": m.old.id, "new": m.new.id, "undecided": m.undecided,
            "items": [{"old": r.old_key, "text": r.old_text, "new": list(r.new_keys), "chapters": list(r.chapters)}
                      for r in m.rows]}


def _id_pattern(standard_id: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z0-9.@-])" + re.escape(standard_id) + r"(?![A-Za-z0-9.@-])")


def migration_changes(alignment: BookAlignment, m: Migration) -> list[Write]:
    """The file writes that apply ``m``: every chapter's refs rewritten, book.yml's standards list updated."""
    lib = library()
    book = alignment.book
    if m.new.id in alignment.declared:
        raise UserError("alignment.migration_declared", status=409, standard=m.new.id)
    declared_after = [m.new.id if sid == m.old.id else sid for sid in alignment.declared]
    qualified = len(declared_after) > 1
    mapping = {r.old_key: r.new_keys for r in m.rows if r.new_keys}

    def rewrite(refs: tuple[str, ...]) -> tuple[str, ...]:
        out: list[str] = []
        for ref in refs:
            resolved, _bad = partition_refs([ref], alignment.standards)
            if resolved and resolved[0][0] == m.old.id and resolved[0][1] in mapping:
                out.extend(f"{m.new.id}:{k}" if qualified else k for k in mapping[resolved[0][1]])
            else:
                out.append(ref)
        return tuple(dict.fromkeys(out))

    changes: list[Write] = []
    for chapter in alignment.chapters:
        if not any(chapter.filename in r.chapters for r in m.rows):
            continue
        path = f"books/{book}/chapters/{chapter.filename}"
        text = lib.read(alignment.rev, path).decode("utf-8")
        meta, body = parse_chapter(text, path)
        updated = replace(meta, standards=rewrite(meta.standards),
                          sections={anchor: rewrite(refs) for anchor, refs in meta.sections.items()})
        if updated != meta:
            changes.append(Write(path, revise_chapter(text, updated, body)))
    book_path = f"books/{book}/book.yml"
    text = lib.read(alignment.rev, book_path).decode("utf-8")
    new_text = _id_pattern(m.old.id).sub(m.new.id, text)
    if tuple(parse_book_config(new_text, book_path).standards) != tuple(declared_after):
        raise UserError("alignment.migration_book_yml", status=409, book=book)
    changes.append(Write(book_path, new_text))
    return changes


def apply_migration(book: str, old_id: str, user: Any, direct: bool = False) -> standards_catalog.Imported:
    """Commit the migration of ``book`` off ``old_id`` as a change request (or onto main where allowed).

    The change request is opened through ``server.change_requests`` so its
    checks (alignment among them) and reviews run as for any edit.
    """
    from server.change_requests import service as change_requests
    from server.audit.service import record

    alignment = book_alignment(book)
    m = migration(alignment, old_id)
    changes = migration_changes(alignment, m)
    direct = direct and standards_catalog.may_import_directly(user, book)
    lines = [f"- {r.old_key} → {', '.join(r.new_keys) or '(decide by hand)'}" for r in m.rows]
    title = f"Move {book} from {m.old.id} to {m.new.id}"
    message = title + "\n\n" + "\n".join(lines)
    if direct:
        done = standards_catalog.commit_proposal(changes, user, "main", message, True, subject=m.new.id,
                                                 base=alignment.rev)
    else:
        row = change_requests.open_cr(user, book, title, "\n".join(lines))
        saved = change_requests.commit_to_cr(user, row, changes, message, base=alignment.rev)
        done = standards_catalog.Imported(m.new.id, row.branch, saved.sha, False, change_requests.cr_url(row))
    record("alignment.migrate", book, old=m.old.id, new=m.new.id, branch=done.branch, commit=done.sha)
    return done
