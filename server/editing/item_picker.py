"""The standard items the editor offers a chapter: search and browse the book's declared standards,
with the chapters already covering each item, and the label of each chosen item.
"""
from __future__ import annotations

from typing import Any, Iterable

from materials import MaterialsError
from materials.standards.item_refs import partition_refs
from materials.standards.statements import statement_html


def standard_items(lib: Any, book: str, rev: str, query: str = "", limit: int = 50,
                   under: str | None = None) -> list[dict[str, Any]]:
    """Items of the book's declared standards matching ``query`` (code, key or words), with their coverage.

    With ``under`` set, the picker browses the standard's tree instead: the
    children of that item ("" for the top: items without a parent).
    """
    loaded = lib.book(book, rev)
    everything = lib.standards(rev)
    declared = {sid: everything[sid] for sid in loaded.config.standards if sid in everything}
    covered: dict[tuple[str, str], list[str]] = {}
    titles: dict[tuple[str, str], list[str]] = {}  # the same chapters as their authors call them
    for chapter in loaded.chapters:
        good, _ = partition_refs(chapter.meta.all_refs(), declared)
        for ref in good:
            covered.setdefault(ref, []).append(chapter.filename)
            titles.setdefault(ref, []).append(chapter.meta.title or chapter.filename)
    words = [w.casefold() for w in (query or "").split() if w]
    out: list[dict[str, Any]] = []
    for sid, standard in declared.items():
        levels = {level.key: level.label for level in standard.levels}
        for item in standard.items:
            if under is not None:
                parent = item.parent or ""
                if parent != under.split(":")[-1]:
                    continue
            else:
                haystack = f"{item.key} {item.code} {item.text} {levels.get(item.level, '')}".casefold()
                if words and not all(w in haystack for w in words):
                    continue
            out.append({
                "key": item.key if len(declared) == 1 else f"{sid}:{item.key}",
                "standard": sid,
                "code": item.code,
                "text": item.text,
                "html": statement_html(item.text),
                "level": item.level,
                "level_label": levels.get(item.level, item.level),
                "kind": item.kind,
                "kind_label": str(standard.kinds.get(item.kind, item.kind)),
                "chapters": covered.get((sid, item.key), []),
                "chapter_titles": titles.get((sid, item.key), []),
                "children": len(standard.children.get(item.key, ())),
            })
            if len(out) >= limit:
                return out
    return out


def item_labels(lib: Any, book: str, rev: str, refs: Iterable[str]) -> dict[str, str]:
    """``ref -> "code text"`` for the chips the editor shows."""
    try:
        loaded = lib.book(book, rev, chapters=False)
        everything = lib.standards(rev)
    except MaterialsError:
        return {}
    declared = {sid: everything[sid] for sid in loaded.config.standards if sid in everything}
    labels = {}
    for ref in refs:
        good, _ = partition_refs([ref], declared)
        if good:
            sid, key = good[0]
            item = declared[sid].by_key[key]
            labels[ref] = f"{item.code} {item.text}"
    return labels
