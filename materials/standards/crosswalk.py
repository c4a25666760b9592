"""A crosswalk between two standards (书证融通): which items of one match which items of the other.

Teachers show how a 1+X certificate's skill requirements map onto the
occupational skill standard and the professional teaching standard. A
crosswalk is one YAML file of the library, ``crosswalks/<source>~<target>.yml``:

    title: 1+X 机车检修 ↔ 机车检修工
    source: cn-1x-locomotive@2021
    target: sample-noss-locomotive-maintenance@2026
    matches:
      - {source: L1.S.1, target: L5.S.1.1.1, kind: exact}

Each match is ``exact`` (the two items ask for the same thing: covering one
covers the other), ``partial`` (the source item asks for part of the target
one) or ``related``. In CASE they are ``exactMatchOf``, ``isPartOf`` and
``isRelatedTo`` associations from the source item to the target item, which a
CASE export of the source standard carries as references to the other
framework (``case_associations``). The file is read with the library's safe
YAML loader; every problem is reported at once, with its line or sheet row.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from ..errors import MaterialsError, YAMLInvalid
from ..yamlfile import dump_yaml, load_yaml
from .case import case_identifier, document_identifier
from .sheet_file import SheetError, column_letter, read_sheet
from .spreadsheet import normalise_code
from .standard import STANDARD_ID, Association, NodeRef, Standard

EXACT, PARTIAL, RELATED = "exact", "partial", "related"
KINDS = (EXACT, PARTIAL, RELATED)
CASE_TYPES = {EXACT: "exactMatchOf", PARTIAL: "isPartOf", RELATED: "isRelatedTo"}
CROSSWALKS_DIR = "crosswalks"
SEPARATOR = "~"  # a standard id never holds one (``STANDARD_ID``), so the file name splits back unambiguously
MAX_CROSSWALK_BYTES = 20 * 1024 * 1024
# what teachers write in the kind column of a sheet of pairs
KIND_WORDS = {"exact": EXACT, "exactmatchof": EXACT, "完全对应": EXACT, "对应": EXACT, "精确": EXACT, "等同": EXACT,
              "partial": PARTIAL, "ispartof": PARTIAL, "部分对应": PARTIAL, "部分": PARTIAL,
              "related": RELATED, "isrelatedto": RELATED, "相关": RELATED}
_FIELDS = ("title", "source", "target", "matches")


class CrosswalkInvalid(MaterialsError):
    code = "crosswalk.invalid"


class CrosswalkUnknownStandard(CrosswalkInvalid):
    code = "crosswalk.unknown_standard"


class CrosswalkUnknownItem(CrosswalkInvalid):
    code = "crosswalk.unknown_item"


class CrosswalkAmbiguousItem(CrosswalkInvalid):
    code = "crosswalk.ambiguous_item"


class CrosswalkKind(CrosswalkInvalid):
    code = "crosswalk.kind"


class CrosswalkDuplicate(CrosswalkInvalid):
    code = "crosswalk.duplicate"


@dataclass(frozen=True)
class Match:
    source: str  # item key in the source standard
    target: str  # item key in the target standard
    kind: str = EXACT


@dataclass(frozen=True)
class Crosswalk:
    source: str
    target: str
    title: str
    matches: tuple[Match, ...] = ()

    @property
    def id(self) -> str:
        return crosswalk_id(self.source, self.target)

    @property
    def path(self) -> str:
        return crosswalk_path(self.id)

    def counts(self) -> dict[str, int]:
        out = {kind: 0 for kind in KINDS}
        for m in self.matches:
            out[m.kind] += 1
        return out

    def exact_pairs(self) -> list[tuple[str, str]]:
        return [(m.source, m.target) for m in self.matches if m.kind == EXACT]


def crosswalk_id(source: str, target: str) -> str:
    return f"{source}{SEPARATOR}{target}"


def split_id(ident: str) -> tuple[str, str]:
    """(source, target) of a crosswalk id; ``CrosswalkInvalid`` for anything else."""
    source, sep, target = (ident or "").partition(SEPARATOR)
    if not sep or not STANDARD_ID.match(source) or not STANDARD_ID.match(target):
        raise CrosswalkInvalid(f"{ident!r} is not a crosswalk id like source@edition~target@edition",
                               field="id", detail=str(ident)[:200])
    return source, target


def crosswalk_path(ident: str) -> str:
    split_id(ident)
    return f"{CROSSWALKS_DIR}/{ident}.yml"


def is_crosswalk_path(path: str) -> bool:
    folder, _, name = path.partition("/")
    if folder != CROSSWALKS_DIR or "/" in name or not name.endswith(".yml"):
        return False
    try:
        split_id(name[:-4])
    except CrosswalkInvalid:
        return False
    return True


# ------------------------------------------------------------------ the file

def check_crosswalk(cw: Crosswalk, standards: Mapping[str, Standard], *, path: str = "",
                    lines: Mapping[int, int] | None = None) -> list[CrosswalkInvalid]:
    """Every problem of ``cw`` against the library's ``standards`` (unknown standards or items, a pair twice)."""
    problems: list[CrosswalkInvalid] = []
    for side, sid in (("source", cw.source), ("target", cw.target)):
        if sid not in standards:
            problems.append(CrosswalkUnknownStandard(f"the library has no standard {sid}", path=path, field=side,
                                                     standard=sid))
    if cw.source == cw.target:
        problems.append(CrosswalkInvalid("a crosswalk joins two different standards", path=path, field="target",
                                         detail=cw.target))
    seen: set[tuple[str, str]] = set()
    for n, m in enumerate(cw.matches):
        line = (lines or {}).get(n)
        for side, sid, key in (("source", cw.source, m.source), ("target", cw.target, m.target)):
            if sid in standards and key not in standards[sid].by_key:
                problems.append(CrosswalkUnknownItem(f"{sid} has no item {key}", path=path, line=line, field=side,
                                                     standard=sid, key=key))
        if m.kind not in KINDS:
            problems.append(CrosswalkKind(f"{m.kind!r} is not one of {', '.join(KINDS)}", path=path, line=line,
                                          field="kind", detail=m.kind))
        if (m.source, m.target) in seen:
            problems.append(CrosswalkDuplicate(f"{m.source} → {m.target} is listed twice", path=path, line=line,
                                               field="matches", detail=f"{m.source} → {m.target}"))
        seen.add((m.source, m.target))
    return problems


def parse_crosswalk(text: str | bytes, path: str, standards: Mapping[str, Standard] | None = None) -> Crosswalk:
    """Read a crosswalk file (safe YAML only); with ``standards``, also check its items exist.

    The first problem is raised, carrying every problem in ``problems``."""
    if isinstance(text, bytes):
        if len(text) > MAX_CROSSWALK_BYTES:
            raise CrosswalkInvalid("the crosswalk file is too large", path=path, detail="too large")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CrosswalkInvalid("the file is not UTF-8 text", path=path, detail="encoding") from None
    try:
        data, where = load_yaml(text, path)
    except YAMLInvalid as exc:
        raise CrosswalkInvalid(exc.message, path=path, line=exc.line, detail=exc.message) from None
    problems: list[CrosswalkInvalid] = []
    if not isinstance(data, dict):
        raise CrosswalkInvalid("a crosswalk is a mapping of title, source, target and matches", path=path, line=1,
                               field="", detail="mapping")
    for name in data:
        if name not in _FIELDS:
            problems.append(CrosswalkInvalid(f"unknown field {name}", path=path, line=where.of(name), field=str(name),
                                             detail=f"unknown field {name}"))
    for name in ("source", "target"):
        if not isinstance(data.get(name), str) or not STANDARD_ID.match(data[name]):
            problems.append(CrosswalkInvalid(f"{name} must be a standard id like slug@edition", path=path,
                                             line=where.of(name), field=name, detail=str(data.get(name, ""))))
    title = data.get("title", "")
    if not isinstance(title, str):
        problems.append(CrosswalkInvalid("title must be text", path=path, line=where.of("title"), field="title",
                                         detail="text"))
        title = ""
    rows = data.get("matches") or []
    if not isinstance(rows, list):
        problems.append(CrosswalkInvalid("matches must be a list", path=path, line=where.of("matches"),
                                         field="matches", detail="list"))
        rows = []
    matches, lines = [], {}
    for n, row in enumerate(rows):
        ok = isinstance(row, dict) and set(row) <= {"source", "target", "kind"} and all(
            isinstance(row.get(k), str) and row.get(k) for k in ("source", "target"))
        if not ok:
            problems.append(CrosswalkInvalid("each match is {source: key, target: key, kind: exact|partial|related}",
                                             path=path, line=where.of("matches", n), field="matches",
                                             detail=str(row)[:200]))
            continue
        lines[len(matches)] = where.of("matches", n)
        matches.append(Match(row["source"], row["target"], str(row.get("kind", EXACT))))
    cw = Crosswalk(str(data.get("source", "")), str(data.get("target", "")), title.strip(), tuple(matches))
    if not problems:
        problems = check_crosswalk(cw, standards, path=path, lines=lines) if standards is not None else [
            p for p in check_crosswalk(cw, {}, path=path, lines=lines) if not isinstance(p, CrosswalkUnknownStandard)
            and not isinstance(p, CrosswalkUnknownItem)]
    if problems:
        first = problems[0]
        first.problems = problems  # type: ignore[attr-defined]
        raise first
    return cw


def dump_crosswalk(cw: Crosswalk) -> str:
    """The file ``parse_crosswalk`` reads back into an equal crosswalk; matches in the source's order."""
    data: dict[str, Any] = {"title": cw.title, "source": cw.source, "target": cw.target,
                            "matches": [{"source": m.source, "target": m.target, "kind": m.kind} for m in cw.matches]}
    return dump_yaml(data)


def ordered(cw: Crosswalk, source: Standard, target: Standard) -> Crosswalk:
    """The same crosswalk with its matches in the source standard's order, then the target's."""
    s_order = {item.key: n for n, item in enumerate(source.items)}
    t_order = {item.key: n for n, item in enumerate(target.items)}
    matches = sorted(cw.matches, key=lambda m: (s_order.get(m.source, 1 << 30), t_order.get(m.target, 1 << 30)))
    return Crosswalk(cw.source, cw.target, cw.title, tuple(matches))


# --------------------------------------------------------------- a sheet of pairs

_HEADER_WORDS = {"source": "source", "源条目": "source", "证书条目": "source", "源": "source",
                 "target": "target", "目标条目": "target", "标准条目": "target", "目标": "target",
                 "kind": "kind", "关系": "kind", "对应关系": "kind", "类型": "kind"}


def item_finder(std: Standard) -> Callable[[str], list[str]]:
    """What a teacher writes for an item (its key, or its code as typed, full-width or not) -> the keys it names:
    one, several (a code the standard uses at several levels or kinds), or none."""
    codes: dict[str, list[str]] = {}
    for item in std.items:
        if item.code:
            codes.setdefault(normalise_code(item.code), []).append(item.key)
    keys = std.by_key

    def find(text: str) -> list[str]:
        text = text.strip()
        if text in keys:
            return [text]
        return list(codes.get(normalise_code(text), [])) if text else []
    return find


def matches_from_sheet(raw: bytes | str, source: Standard, target: Standard
                       ) -> tuple[list[Match], list[MaterialsError]]:
    """Pairs from a CSV or .xlsx sheet (source item, target item, kind), each item by its key or its code.

    A first row naming the columns (源条目/source, 目标条目/target, 关系/kind) is read as a header; without one
    the columns are in that order. Every problem comes back with its row and column."""
    try:
        sheet = read_sheet(raw)
    except SheetError as exc:
        return [], [exc]
    rows = list(sheet.rows)
    columns = {"source": 0, "target": 1, "kind": 2}
    if rows:
        names = [_HEADER_WORDS.get(unicodedata.normalize("NFKC", c).strip().lower()) for c in rows[0][1]]
        if "source" in names and "target" in names:
            columns = {name: names.index(name) for name in ("source", "target", "kind") if name in names}
            rows = rows[1:]
    finders = {"source": item_finder(source), "target": item_finder(target)}
    stds = {"source": source, "target": target}
    matches: list[Match] = []
    problems: list[MaterialsError] = []
    seen: set[tuple[str, str]] = set()
    for number, cells in rows:
        def cell(name: str) -> str:
            index = columns.get(name)
            return cells[index] if index is not None and index < len(cells) else ""
        found: dict[str, str] = {}
        for side in ("source", "target"):
            text, std = cell(side), stds[side]
            col = column_letter(columns[side])
            keys = finders[side](text)
            if len(keys) == 1:
                found[side] = keys[0]
            elif keys:
                problems.append(CrosswalkAmbiguousItem(
                    f"row {number}: the code {text} names several items of {std.id}; write the item's key",
                    path="CSV", row=number, cell=col, standard=std.id, key=text, where=f"row {number}"))
            else:
                problems.append(CrosswalkUnknownItem(f"row {number}: {std.id} has no item {text}", path="CSV",
                                                     row=number, cell=col, standard=std.id, key=text,
                                                     where=f"row {number}"))
        word = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell("kind"))).lower()
        kind = KIND_WORDS.get(word, EXACT if not word else None)
        if kind is None:
            problems.append(CrosswalkKind(f"row {number}: {cell('kind')!r} is not exact, partial or related",
                                          path="CSV", row=number, cell=column_letter(columns.get("kind", 2)),
                                          detail=cell("kind"), where=f"row {number}"))
        if len(found) == 2 and kind is not None:
            pair = (found["source"], found["target"])
            if pair in seen:
                problems.append(CrosswalkDuplicate(f"row {number}: {pair[0]} → {pair[1]} is listed twice", path="CSV",
                                                   row=number, detail=f"{pair[0]} → {pair[1]}", where=f"row {number}"))
                continue
            seen.add(pair)
            matches.append(Match(pair[0], pair[1], kind))
    return matches, problems


# ---------------------------------------------------------------- CASE and coverage

def case_associations(cw: Crosswalk, source: Standard, target: Standard) -> tuple[Association, ...]:
    """The matches as CASE associations of the source standard, each pointing at the target's item as a node
    of the other framework, by the identifier and URI the target's own CASE export gives it."""
    doc = document_identifier(target)
    prefix = None
    kept_uri = (target.case.get("CFDocument") or {}).get("uri")
    if isinstance(kept_uri, str) and kept_uri.endswith(doc) and len(kept_uri) > len(doc):
        prefix = kept_uri[: -len(doc)]
    out = []
    for m in cw.matches:
        item = target.by_key.get(m.target)
        if item is None or m.source not in source.by_key:
            continue
        ident = item.case.get("identifier") or case_identifier(target.id, item.key)
        uri = item.case.get("uri") or (prefix + ident if prefix and item.case.get("identifier") else f"urn:uuid:{ident}")
        out.append(Association(CASE_TYPES[m.kind], m.source, NodeRef(str(ident), str(uri), item.code or item.key)))
    return tuple(out)


def with_crosswalks(std: Standard, crosswalks: Iterable[Crosswalk], standards: Mapping[str, Standard]) -> Standard:
    """``std`` with the associations of every crosswalk from it added (the CASE export that includes them)."""
    from dataclasses import replace
    added: list[Association] = []
    have = {(a.type, a.origin, a.destination.identifier if isinstance(a.destination, NodeRef) else a.destination)
            for a in std.associations}
    for cw in crosswalks:
        if cw.source != std.id or cw.target not in standards:
            continue
        for a in case_associations(cw, std, standards[cw.target]):
            mark = (a.type, a.origin, a.destination.identifier)  # type: ignore[union-attr]
            if mark not in have:
                have.add(mark)
                added.append(a)
    return replace(std, associations=std.associations + tuple(added)) if added else std


@dataclass(frozen=True)
class Derivation:
    """An item covered through a crosswalk: the chapter names ``via`` (standard id, key), an exact match."""

    crosswalk: str
    via: tuple[str, str]


def exact_links(crosswalks: Iterable[Crosswalk], standards: Iterable[str]) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """(standard, key) -> [(crosswalk id, other standard, other key)] for every exact match whose two standards
    are both in ``standards``; an exact match holds both ways."""
    wanted = set(standards)
    out: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for cw in crosswalks:
        if cw.source not in wanted or cw.target not in wanted:
            continue
        for s, t in cw.exact_pairs():
            out.setdefault((cw.source, s), []).append((cw.id, cw.target, t))
            out.setdefault((cw.target, t), []).append((cw.id, cw.source, s))
    return out


def exact_mapping(crosswalks: Iterable[Crosswalk], old: str, new: str) -> dict[str, list[str]]:
    """Old edition's item -> the new edition's items a crosswalk between them marks as exact matches."""
    out: dict[str, list[str]] = {}
    for (sid, key), links in exact_links(crosswalks, (old, new)).items():
        if sid == old:
            for _cw, other, other_key in links:
                if other == new and other_key not in out.setdefault(key, []):
                    out[key].append(other_key)
    return out
