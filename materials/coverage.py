"""Which standard items a book covers, and which it misses, level by level.

The coverage rules (the alignment page, the review check and the site's
"standards alignment" page all read them from here):

* A chapter covers exactly the items its front matter names. Naming a
  职业功能 (F) or 工作内容 (C) item records it in the matrix, but does not
  cover the 技能要求 (S) / 相关知识要求 (K) items below it: a gap stays a
  gap until a chapter takes it up by name.
* Coverage of a level counts its S and K items. For a *cumulative* level
  (五级 ⊂ 四级 ⊂ …) the items of every lower level count too.
* Weighted coverage follows the standard's weight tables. Each row
  ``{table, level, item, percent}`` contributes ``percent × share``, where
  ``share`` is the fraction of the weighted item's descendant items that are
  covered: S descendants for a ``skill`` table (技能), K descendants for a
  ``knowledge`` table (知识), S and K for any other table. A weighted S or K
  item counts as 1 or 0; a weighted item with no such descendants counts as
  covered when a chapter names it directly. Weights are not cumulative: a
  level's weight table already describes that level.
* Through a crosswalk (``standards.crosswalk``), a chapter naming an item
  covers the items of the other declared standard marked as its *exact*
  matches. Such coverage is derived: it counts, and ``derived`` says which
  chapter, through which crosswalk and which named item, so the pages mark it.
  Partial and related matches never cover.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .errors import MaterialsError
from .standards.crosswalk import Crosswalk, Derivation, exact_links
from .standards.item_refs import partition_refs
from .standards.standard import Standard

__all__ = ["coverage", "Coverage", "StandardCoverage", "LevelCoverage", "table_kinds"]

SKILL, KNOWLEDGE = "S", "K"


@dataclass
class LevelCoverage:
    """One row of the "coverage by level" table."""

    standard: str
    level: str
    label: str
    cumulative: bool
    skills_covered: list[str] = field(default_factory=list)
    skills_missing: list[str] = field(default_factory=list)
    knowledge_covered: list[str] = field(default_factory=list)
    knowledge_missing: list[str] = field(default_factory=list)
    percent: float | None = None  # None when the level has no S/K item to cover
    weighted: dict[str, float] = field(default_factory=dict)  # weight table -> 0..100

    @property
    def total(self) -> int:
        return len(self.skills_covered) + len(self.skills_missing) + len(self.knowledge_covered) + len(self.knowledge_missing)

    @property
    def covered(self) -> int:
        return len(self.skills_covered) + len(self.knowledge_covered)

    def gaps(self) -> list[str]:
        """Missing item keys: skills first, then knowledge, in the standard's order."""
        return self.skills_missing + self.knowledge_missing

    def rows(self) -> list[tuple[str, bool]]:
        """(item key, covered) for every counted item, gaps first — what a teacher fixes first."""
        return ([(k, False) for k in self.gaps()]
                + [(k, True) for k in self.skills_covered + self.knowledge_covered])


@dataclass
class StandardCoverage:
    standard: str
    title: str
    levels: list[LevelCoverage]  # lowest level first, as in the standard

    def level(self, key: str) -> LevelCoverage:
        for row in self.levels:
            if row.level == key:
                return row
        raise KeyError(key)


@dataclass
class Coverage:
    """The whole alignment picture of one book at one revision."""

    matrix: dict[str, set[tuple[str, str]]]             # chapter -> {(standard id, item key)}
    by_item: dict[tuple[str, str], list[str]]           # every item of every declared standard -> chapters
    standards: dict[str, StandardCoverage]              # declared standard id -> coverage by level
    unresolved: dict[str, list[MaterialsError]] = field(default_factory=dict)  # chapter -> bad refs
    unknown_standards: list[str] = field(default_factory=list)  # declared but not in the library
    # item covered through a crosswalk -> chapter (not naming it itself) -> how (crosswalk id, the item the chapter names)
    derived: dict[tuple[str, str], dict[str, Derivation]] = field(default_factory=dict)

    def gaps(self, standard: str | None = None, level: str | None = None) -> list[tuple[str, str]]:
        """Uncovered S/K items as (standard id, key): lowest level first, each item once.

        Optionally for one standard and / or one level (for a cumulative
        level that includes the gaps of the levels below it).
        """
        out: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for sid, sc in self.standards.items():
            if standard is not None and sid != standard:
                continue
            for row in sc.levels:
                if level is not None and row.level != level:
                    continue
                for key in row.gaps():
                    if (sid, key) not in seen:
                        seen.add((sid, key))
                        out.append((sid, key))
        return out

    def uncovered_items(self) -> list[tuple[str, str]]:
        """Every item (any kind) no chapter names."""
        return [ref for ref, chapters in self.by_item.items() if not chapters]


def table_kinds(table: str) -> frozenset[str]:
    """Which item kinds a weight table weighs: skill tables S, knowledge tables K, others both."""
    name = table.lower()
    if "skill" in name or "技能" in name:
        return frozenset({SKILL})
    if "knowledge" in name or "知识" in name:
        return frozenset({KNOWLEDGE})
    return frozenset({SKILL, KNOWLEDGE})


def _descendants(std: Standard, key: str) -> list[str]:
    children = std.children
    out: list[str] = []
    stack = list(children.get(key, ()))
    while stack:
        k = stack.pop()
        out.append(k)
        stack.extend(children.get(k, ()))
    return out


def _standard_coverage(std: Standard, covered: set[str]) -> StandardCoverage:
    by_level: dict[str, list[tuple[str, str]]] = {lv.key: [] for lv in std.levels}
    for item in std.items:
        if item.kind in (SKILL, KNOWLEDGE):
            by_level[item.level].append((item.key, item.kind))
    weights_by_level: dict[str, list] = {}
    for w in std.weights:
        weights_by_level.setdefault(w.level, []).append(w)

    rows: list[LevelCoverage] = []
    for lv in std.levels:
        row = LevelCoverage(std.id, lv.key, lv.label, lv.cumulative)
        for included in std.levels_included(lv.key):
            for key, kind in by_level[included]:
                if kind == SKILL:
                    (row.skills_covered if key in covered else row.skills_missing).append(key)
                else:
                    (row.knowledge_covered if key in covered else row.knowledge_missing).append(key)
        if row.total:
            row.percent = 100.0 * row.covered / row.total
        for w in weights_by_level.get(lv.key, ()):
            row.weighted[w.table] = row.weighted.get(w.table, 0.0) + w.percent * _share(std, w.item, w.table, covered)
        rows.append(row)
    return StandardCoverage(std.id, std.title, rows)


def _share(std: Standard, key: str, table: str, covered: set[str]) -> float:
    kinds = table_kinds(table)
    item = std.by_key[key]
    if item.kind in (SKILL, KNOWLEDGE):
        return 1.0 if key in covered else 0.0
    below = _descendants(std, key)
    by_key = std.by_key
    relevant = [k for k in below if by_key[k].kind in kinds]
    if not relevant:
        relevant = [k for k in below if by_key[k].kind in (SKILL, KNOWLEDGE)]
    if not relevant:
        return 1.0 if key in covered else 0.0
    return sum(1 for k in relevant if k in covered) / len(relevant)


def coverage(standards: Mapping[str, Standard], declared: Iterable[str],
             chapter_refs: Mapping[str, Iterable[str]], crosswalks: Iterable[Crosswalk] = ()) -> Coverage:
    """Coverage of the ``declared`` standards by the chapters' item refs (see the module docstring).

    ``chapter_refs`` maps chapter filename -> the refs in its front matter
    (``key`` or ``<standard-id>:<key>``), in book order. Refs that do not
    resolve are reported in ``unresolved`` instead of raising, so one typo
    does not hide the whole picture. ``crosswalks`` add the derived coverage
    of exact matches between declared standards.
    """
    declared = list(dict.fromkeys(declared))
    found = {sid: standards[sid] for sid in declared if sid in standards}
    unknown = [sid for sid in declared if sid not in standards]

    by_item: dict[tuple[str, str], list[str]] = {}
    for sid, std in found.items():
        for item in std.items:
            by_item[(sid, item.key)] = []

    matrix: dict[str, set[tuple[str, str]]] = {}
    unresolved: dict[str, list[MaterialsError]] = {}
    covered: dict[str, set[str]] = {sid: set() for sid in found}
    for chapter, refs in chapter_refs.items():
        good, bad = partition_refs(refs, found)
        cells = set(good)
        matrix[chapter] = cells
        if bad:
            unresolved[chapter] = bad
        for ref in cells:
            by_item[ref].append(chapter)
            covered[ref[0]].add(ref[1])

    derived: dict[tuple[str, str], dict[str, Derivation]] = {}
    links = exact_links(crosswalks, found)
    if links:
        for ref in [r for r, chapters in by_item.items() if chapters and r in links]:
            for cw_id, other, other_key in links[ref]:
                if (other, other_key) not in by_item:
                    continue  # a crosswalk written for items the standard no longer has: nothing to derive
                for chapter in by_item[ref]:
                    if chapter not in by_item[(other, other_key)]:  # a chapter naming both covers it directly
                        derived.setdefault((other, other_key), {}).setdefault(chapter, Derivation(cw_id, ref))
        for (sid, key) in derived:
            covered[sid].add(key)

    return Coverage(
        matrix=matrix,
        by_item=by_item,
        standards={sid: _standard_coverage(std, covered[sid]) for sid, std in found.items()},
        unresolved=unresolved,
        unknown_standards=unknown,
        derived=derived,
    )
