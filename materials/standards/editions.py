"""A new edition of a standard supersedes an old one: which supersedes which, and where a
chapter aligned to the old edition's items should move."""
from __future__ import annotations

from typing import Iterable, Mapping

from .standard import Standard


def superseded_by(standards: Mapping[str, Standard] | Iterable[Standard]) -> dict[str, str]:
    """Old edition id -> the id of the edition that supersedes it (by its ``supersedes`` list)."""
    values = standards.values() if isinstance(standards, Mapping) else standards
    out: dict[str, str] = {}
    for std in sorted(values, key=lambda s: s.id):
        for old in std.supersedes:
            out.setdefault(old.id, std.id)
    return out


def migration_proposal(old: Standard, new: Standard,
                       exact: Mapping[str, list[str]] | None = None) -> dict[str, list[str]]:
    """For each item of ``old``, the items of ``new`` a chapter aligned to it should move to.

    ``replaced_by`` on the old item wins. Then the exact matches of a
    crosswalk between the two editions (``exact``: old key -> new keys,
    ``crosswalk.exact_mapping``), which maintainers reviewed. Otherwise, when the new edition
    declares itself equivalent to the old one (or the item says
    ``equivalent: true``), the item with the same key, failing that the items
    with the same level, kind and code. An empty list means "decide by hand".
    """
    declared_equivalent = any(s.id == old.id and s.equivalent for s in new.supersedes)
    by_code: dict[tuple[str, str, str], list[str]] = {}
    for item in new.items:
        if item.code:
            by_code.setdefault((item.level, item.kind, item.code), []).append(item.key)
    proposal: dict[str, list[str]] = {}
    for item in old.items:
        if item.replaced_by:
            proposal[item.key] = [k for k in item.replaced_by if k in new.by_key]
            continue
        if exact and exact.get(item.key):
            proposal[item.key] = [k for k in exact[item.key] if k in new.by_key]
            continue
        equivalent = declared_equivalent if item.equivalent is None else item.equivalent
        if not equivalent:
            proposal[item.key] = []
        elif item.key in new.by_key:
            proposal[item.key] = [item.key]
        else:
            proposal[item.key] = list(by_code.get((item.level, item.kind, item.code), [])) if item.code else []
    return proposal
