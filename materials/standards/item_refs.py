"""How a chapter names the standard items it trains: ``key``, or ``<standard-id>:<key>`` when a
book declares several standards."""
from __future__ import annotations

from typing import Iterable, Mapping

from ..errors import AmbiguousItemRef, MaterialsError, UndeclaredStandard, UnknownStandardItem
from .standard import Standard


def _resolve_one(ref: str, declared: Mapping[str, Standard]) -> tuple[str, str]:
    if not isinstance(ref, str) or not ref.strip():
        raise UnknownStandardItem(f"empty standard item reference {ref!r}", ref=str(ref), standard="", key="")
    ref = ref.strip()
    if ":" in ref:
        sid, key = ref.split(":", 1)
        if sid not in declared:
            raise UndeclaredStandard(f"{ref}: the book does not declare the standard {sid}", ref=ref, standard=sid,
                                     declared=", ".join(declared))
    else:
        key = ref
        if len(declared) == 0:
            raise UndeclaredStandard(f"{ref}: the book declares no standard", ref=ref, standard="", declared="")
        if len(declared) > 1:
            raise AmbiguousItemRef(f"{ref}: the book declares several standards; write <standard-id>:{ref}",
                                   ref=ref, declared=", ".join(declared))
        sid = next(iter(declared))
    if key not in declared[sid].by_key:
        raise UnknownStandardItem(f"{ref}: {sid} has no item {key}", ref=ref, standard=sid, key=key)
    return sid, key


def resolve_refs(refs: Iterable[str], declared: Mapping[str, Standard]) -> list[tuple[str, str]]:
    """Turn front-matter refs into (standard id, item key); raise on the first bad one.

    A ref is ``key`` when the book declares exactly one standard, else
    ``<standard-id>:<key>``.
    """
    return [_resolve_one(ref, declared) for ref in refs]


def partition_refs(refs: Iterable[str], declared: Mapping[str, Standard]
                   ) -> tuple[list[tuple[str, str]], list[MaterialsError]]:
    """Like ``resolve_refs`` but keep going: (resolved, one error per bad ref)."""
    good: list[tuple[str, str]] = []
    bad: list[MaterialsError] = []
    for ref in refs:
        try:
            good.append(_resolve_one(ref, declared))
        except (UnknownStandardItem, UndeclaredStandard, AmbiguousItemRef) as exc:
            bad.append(exc)
    return good, bad
