"""Front-matter item references and edition supersession."""
from __future__ import annotations

import dataclasses

import pytest

from materials.errors import AmbiguousItemRef, UndeclaredStandard, UnknownStandardItem
from materials.standards.editions import migration_proposal, superseded_by
from materials.standards.item_refs import resolve_refs
from materials.standards.standard import Item, Supersession

from .conftest import SMALL_ID


def test_bare_key_resolves_when_the_book_declares_one_standard(small):
    assert resolve_refs(["L4.S.2.1.1"], {SMALL_ID: small}) == [(SMALL_ID, "L4.S.2.1.1")]


def test_qualified_ref_resolves(small):
    assert resolve_refs([f"{SMALL_ID}:L5.K.1.1.1"], {SMALL_ID: small}) == [(SMALL_ID, "L5.K.1.1.1")]


def test_unknown_key_is_a_typed_error(small):
    with pytest.raises(UnknownStandardItem) as info:
        resolve_refs(["L4.S.9.9.9"], {SMALL_ID: small})
    assert info.value.code == "standard.unknown_item" and info.value.params["key"] == "L4.S.9.9.9"


def test_ref_to_a_standard_the_book_does_not_declare(small):
    with pytest.raises(UndeclaredStandard) as info:
        resolve_refs(["esco-skills@1.2:abc"], {SMALL_ID: small})
    assert info.value.params["standard"] == "esco-skills@1.2"


def test_bare_key_with_two_declared_standards_is_ambiguous(small):
    other = dataclasses.replace(small, id="other@2019")
    with pytest.raises(AmbiguousItemRef):
        resolve_refs(["L4.S.2.1.1"], {SMALL_ID: small, "other@2019": other})


def _new_edition(small, equivalent: bool):
    items = tuple(
        dataclasses.replace(i, key=i.key.replace("L4.S.3.1.1", "L4.S.3.1.5")) for i in small.items
    ) + (Item("L4.S.2.1.2", "2.1.2", "S", "L4", "L4.C.2.1", "能完成机车试风"),)
    return dataclasses.replace(small, id="cn-noss-6-23-01-03@2025", edition="2025", items=items,
                               supersedes=(Supersession(SMALL_ID, equivalent),))


def test_superseded_by_maps_the_old_edition_to_the_new(small):
    new = _new_edition(small, True)
    assert superseded_by({small.id: small, new.id: new}) == {SMALL_ID: new.id}


def test_migration_uses_replaced_by_then_same_key_then_same_code(small):
    old_items = tuple(dataclasses.replace(i, replaced_by=("L4.S.2.1.1", "L4.S.2.1.2")) if i.key == "L4.S.2.1.1" else i
                      for i in small.items)
    old = dataclasses.replace(small, items=old_items)
    proposal = migration_proposal(old, _new_edition(small, True))
    assert proposal["L4.S.2.1.1"] == ["L4.S.2.1.1", "L4.S.2.1.2"]   # replaced_by
    assert proposal["L5.K.1.1.1"] == ["L5.K.1.1.1"]                 # same key
    assert proposal["L4.S.3.1.1"] == ["L4.S.3.1.5"]                 # renamed, same level/kind/code


def test_migration_of_a_non_equivalent_edition_is_left_to_a_person(small):
    proposal = migration_proposal(small, _new_edition(small, False))
    assert proposal["L5.K.1.1.1"] == []
