"""CASE kept faithfully: a package covering the whole CASE 1.1 model survives import → export → import."""
from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import pytest
from jsonschema import Draft201909Validator

from materials.standards.case import EXTENSION, check_case, document_identifier, from_case, to_case
from materials.standards.reading import parse_standard
from materials.standards.standard import ASSOCIATION_TYPES, NodeRef
from materials.standards.writing import dump_standard

HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / "schema" / "case_v1p1_cfpackage-jsonschema1.json").read_text("utf-8"))
FULL = json.loads((HERE / "packages" / "full_model.json").read_text("utf-8"))
BASE = "https://books.example.edu"


def json_copy(value):
    return json.loads(json.dumps(value))


@pytest.fixture(scope="module")
def validator():
    return Draft201909Validator(SCHEMA, format_checker=Draft201909Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def imported():
    return from_case(copy.deepcopy(FULL))


def without_ours(value):
    """An ``extensions`` object as the publisher wrote it (ours is added beside theirs)."""
    return {k: v for k, v in value.items() if k != EXTENSION} if isinstance(value, dict) else value


def assert_every_field_kept(original: dict, exported: dict, where: str) -> None:
    for name, value in original.items():
        assert name in exported, f"{where}.{name} was lost"
        got = exported[name]
        if name == "extensions":
            got = without_ours(got)
        assert got == value, f"{where}.{name}: {got!r} != {value!r}"


def by_id(rows: list) -> dict:
    return {row["identifier"]: row for row in rows}


def test_the_test_package_is_valid_case_11(validator):
    assert list(validator.iter_errors(FULL)) == []
    used = {a["associationType"] for a in FULL["CFAssociations"]}
    assert set(ASSOCIATION_TYPES) <= used and any(t.startswith("ext:") for t in used)
    assert set(FULL["CFDefinitions"]) >= {"CFConcepts", "CFSubjects", "CFLicenses", "CFItemTypes",
                                          "CFAssociationGroupings"} and FULL["CFRubrics"]


def test_import_export_import_is_equal(imported):
    exported = json_copy(to_case(imported, base_url=BASE))
    again = from_case(exported)
    assert again == imported
    # and through the library's own file
    assert parse_standard(dump_standard(imported), f"standards/{imported.id}.yml") == imported
    assert from_case(json_copy(to_case(again))) == imported


def test_every_case_field_of_the_package_comes_back_in_the_export(imported, validator):
    exported = json_copy(to_case(imported, base_url=BASE))
    assert list(validator.iter_errors(exported)) == []
    assert_every_field_kept(FULL["CFDocument"], exported["CFDocument"], "CFDocument")
    items = by_id(exported["CFItems"])
    assert set(items) == {i["identifier"] for i in FULL["CFItems"]}
    for row in FULL["CFItems"]:
        assert_every_field_kept(row, items[row["identifier"]], f"CFItems[{row['identifier']}]")
    associations = by_id(exported["CFAssociations"])
    assert set(associations) == {a["identifier"] for a in FULL["CFAssociations"]}  # 22 in, 22 out
    for row in FULL["CFAssociations"]:
        assert_every_field_kept(row, associations[row["identifier"]], f"CFAssociations[{row['identifier']}]")
    for name, rows in FULL["CFDefinitions"].items():
        if name == "extensions":
            assert exported["CFDefinitions"]["extensions"] == rows
            continue
        kept = by_id(exported["CFDefinitions"][name])
        for row in rows:
            assert_every_field_kept(row, kept[row["identifier"]], f"CFDefinitions.{name}")
    assert exported["CFRubrics"] == FULL["CFRubrics"]
    assert exported["extensions"] == FULL["extensions"]


def test_the_model_holds_what_teachers_and_coverage_use(imported):
    items = {i.code: i for i in imported.items}
    assert imported.title == "Industrial Robot Operation and Maintenance"
    assert imported.case["CFDocument"]["adoptionStatus"] == "Draft" and imported.status == "current"
    assert items["A.1.2"].level == "13" and items["A.1.2"].case["educationLevel"] == ["13", "14", "PS"]
    assert items["A"].case["abbreviatedStatement"] == "Operate robots"
    assert items["A"].case["listEnumeration"] == "1" and items["A"].case["notes"] == "Covers all robot classes."
    assert items["A.1.2"].parent == items["A.1"].key  # sequence 2 under A.1 beats the cross-listing's 5
    second = [a for a in imported.associations if a.type == "isChildOf"]
    assert [(a.origin, a.destination) for a in second] == [(items["A.1.2"].key, items["B.1"].key)]
    assert second[0].case["CFAssociationGroupingURI"]["title"] == "Cross-listed"
    exact = [a for a in imported.associations if a.type == "exactMatchOf"]
    assert exact[0].origin == items["A.1.1"].key and isinstance(exact[0].destination, NodeRef)
    assert exact[1].destination == items["A.1.1"].key and exact[1].origin.target_type == "CASE"
    outside = [a for a in imported.associations if isinstance(a.origin, NodeRef) and isinstance(a.destination, NodeRef)]
    assert len(outside) == 1
    assert {"CFSubjects", "CFConcepts", "CFLicenses", "CFItemTypes", "CFAssociationGroupings"} <= \
        set(imported.case["CFDefinitions"])


def test_identifiers_and_uris_are_the_publishers(imported):
    exported = to_case(imported, base_url=BASE)
    assert exported["CFDocument"]["identifier"] == FULL["CFDocument"]["identifier"] == document_identifier(imported)
    assert exported["CFDocument"]["uri"] == FULL["CFDocument"]["uri"]
    assert [i["uri"] for i in exported["CFItems"]] == [i["uri"] for i in FULL["CFItems"]]
    skill = next(i for i in exported["CFItems"] if i["humanCodingScheme"] == "A.1.1")
    assert skill["CFItemTypeURI"]["identifier"] == next(
        t["identifier"] for t in FULL["CFDefinitions"]["CFItemTypes"] if t["title"] == "Skill")
    # no item type of our own is added beside the publisher's
    assert len(exported["CFDefinitions"]["CFItemTypes"]) == len(FULL["CFDefinitions"]["CFItemTypes"])


def test_importing_the_same_document_twice_gives_the_same_standard():
    first, second = from_case(copy.deepcopy(FULL)), from_case(copy.deepcopy(FULL))
    assert first.id == second.id and first == second
    assert document_identifier(first) == FULL["CFDocument"]["identifier"]


def test_non_uuid_identifiers_that_are_unique_are_kept():
    package = copy.deepcopy(FULL)
    renames = {row["identifier"]: f"OS:{n}/robot item" for n, row in enumerate(package["CFItems"])}
    renames[package["CFDocument"]["identifier"]] = "doc-robots-2023"
    text = json.dumps(package)
    for old, new in renames.items():
        text = text.replace(old, new)
    package = json.loads(text)
    std = from_case(package)
    assert {i.case["identifier"] for i in std.items} == {v for k, v in renames.items() if v.startswith("OS:")}
    assert std.id.startswith("case-doc-robots-2023@")
    assert all(" " not in i.key and ":" not in i.key for i in std.items)
    assert from_case(json_copy(to_case(std))) == std


def test_a_level_edited_after_the_import_wins_in_the_export(imported):
    items = list(imported.items)
    n = next(k for k, i in enumerate(items) if i.code == "A.1.2")
    items[n] = dataclasses.replace(items[n], level="14")
    edited = dataclasses.replace(imported, items=tuple(items))
    row = next(i for i in to_case(edited)["CFItems"] if i["humanCodingScheme"] == "A.1.2")
    assert row["educationLevel"] == ["13", "14", "PS"]  # 14 is among the publisher's levels: kept as given
    items[n] = dataclasses.replace(items[n], level="PL")
    edited = dataclasses.replace(imported, items=tuple(items),
                                 levels=imported.levels + (dataclasses.replace(imported.levels[0], key="PL"),))
    row = next(i for i in to_case(edited)["CFItems"] if i["humanCodingScheme"] == "A.1.2")
    assert row["educationLevel"] == ["PL"]


def test_a_parent_edited_after_the_import_moves_the_association(imported):
    items = list(imported.items)
    n = next(k for k, i in enumerate(items) if i.code == "B.1.1")
    a1 = next(i.key for i in items if i.code == "A.1")
    items[n] = dataclasses.replace(items[n], parent=a1)
    edited = dataclasses.replace(imported, items=tuple(items))
    package = to_case(edited)
    link = next(a for a in package["CFAssociations"] if a["associationType"] == "isChildOf"
                and a["originNodeURI"]["identifier"] == items[n].case["identifier"])
    assert link["destinationNodeURI"]["identifier"] == next(i.case["identifier"] for i in items if i.code == "A.1")
    assert link["identifier"] == items[n].case["isChildOf"]["identifier"]


def test_the_dry_run_of_a_good_package_has_no_problem():
    report = check_case(copy.deepcopy(FULL))
    assert report.ok and report.problems == []


def test_the_standard_file_keeps_only_what_the_export_cannot_derive(imported):
    """The document's timestamp, URIs under the publisher's prefix and sibling positions are written once."""
    for item in imported.items:
        assert not {"lastChangeDateTime", "uri"} & set(item.case), item.key
        assert not {"lastChangeDateTime", "uri", "sequenceNumber", "originNodeURI", "destinationNodeURI"} & \
            set(item.case["isChildOf"]), item.key
    assert sorted(a.case.get("sequenceNumber", 0) for a in imported.associations if "sequenceNumber" in a.case) == [1, 5]
    assert from_case(json_copy(to_case(imported))) == imported


def test_the_standard_id_comes_from_the_document_and_its_version(imported):
    assert imported.id == f"case-{FULL['CFDocument']['identifier']}@2023-rev-2"  # version "2023 rev. 2"
    assert imported.case["CFDocument"]["version"] == "2023 rev. 2"


def test_a_status_or_code_edited_after_the_import_wins_in_the_export(imported):
    assert to_case(imported)["CFDocument"]["adoptionStatus"] == "Draft"  # current: the publisher's Draft stays
    edited = dataclasses.replace(imported, status="superseded")
    assert to_case(edited)["CFDocument"]["adoptionStatus"] == "Deprecated"
    assert from_case(json_copy(to_case(edited))).status == "superseded"
    items = list(imported.items)
    items[0] = dataclasses.replace(items[0], case=dict(items[0].case, humanCodingScheme=" A "), code="A")
    spaced = dataclasses.replace(imported, items=tuple(items))
    assert to_case(spaced)["CFItems"][0]["humanCodingScheme"] == " A "  # as the publisher wrote it
    items[0] = dataclasses.replace(items[0], code="Z")
    assert to_case(dataclasses.replace(imported, items=tuple(items)))["CFItems"][0]["humanCodingScheme"] == "Z"
