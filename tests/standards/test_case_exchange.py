"""CASE packages in and out: foreign 1.1 and 1.0 packages, malformed input, exact round trips."""
from __future__ import annotations

import copy
import json
import uuid

import pytest

from materials.standards.case import (
    MAX_IMPORT_BYTES, NAMESPACE, CaseBadUUID, CaseCycle, CaseDuplicateCode, CaseFieldMissing, CaseNotJSON,
    CaseTooLarge, check_case, from_case, load_case_bytes, to_case,
)
from materials.coverage import coverage
from materials.standards.reading import parse_standard
from materials.standards.writing import dump_standard

from .conftest import SMALL_ID, SMALL_PATH

U = {name: f"0c6c4a5e-1e6f-4c56-9d1b-6f5d2d1f{n:04d}" for n, name in enumerate(
    ["doc", "domain1", "domain2", "cluster11", "cluster12", "std111", "std112", "std121", "a1", "a2", "a3",
     "a4", "a5", "a6", "a7", "a8"])}
DOC = U["doc"]


def item(ident: str, code: str, text: str, kind: str, level: str | None = "10") -> dict:
    row = {"identifier": ident, "fullStatement": text, "humanCodingScheme": code, "CFItemType": kind,
           "uri": f"https://case.example.org/CFItems/{ident}", "lastChangeDateTime": "2020-05-01T00:00:00+00:00"}
    if level:
        row["educationLevel"] = [level]
    return row


def child(ident: str, origin: str, dest: str, seq: int | None) -> dict:
    row = {"identifier": ident, "associationType": "isChildOf",
           "originNodeURI": {"title": "o", "identifier": origin, "uri": f"https://case.example.org/{origin}"},
           "destinationNodeURI": {"title": "d", "identifier": dest, "uri": f"https://case.example.org/{dest}"},
           "uri": f"https://case.example.org/CFAssociations/{ident}", "lastChangeDateTime": "2020-05-01T00:00:00+00:00"}
    if seq is not None:
        row["sequenceNumber"] = seq
    return row


def foreign_package() -> dict:
    """Domain → Cluster → Standard, listed out of order; sequenceNumber decides the order."""
    return {
        "CFDocument": {"identifier": DOC, "uri": "https://case.example.org/doc", "creator": "State Board",
                       "title": "Welding Technology", "lastChangeDateTime": "2020-05-01T00:00:00+00:00",
                       "version": "2020", "language": "en", "caseVersion": "1.1", "adoptionStatus": "Adopted"},
        "CFItems": [
            item(U["std121"], "1.2.1", "Weld a fillet joint", "Skill"),
            item(U["cluster12"], "1.2", "Joints", "Task"),
            item(U["std112"], "1.1.2", "Explain arc physics", "Knowledge"),
            item(U["std111"], "1.1.1", "Strike an arc", "Skill"),
            item(U["cluster11"], "1.1", "Arc basics", "Task"),
            item(U["domain2"], "2", "Safety", "Function", level="11"),
            item(U["domain1"], "1", "Welding", "Function"),
        ],
        "CFAssociations": [
            child(U["a1"], U["domain2"], DOC, 2),
            child(U["a2"], U["domain1"], DOC, 1),
            child(U["a3"], U["cluster12"], U["domain1"], 2),
            child(U["a4"], U["cluster11"], U["domain1"], 1),
            child(U["a5"], U["std112"], U["cluster11"], 2),
            child(U["a6"], U["std111"], U["cluster11"], 1),
            child(U["a7"], U["std121"], U["cluster12"], 1),
            {"identifier": U["a8"], "associationType": "exactMatchOf",
             "originNodeURI": {"title": "x", "identifier": U["std111"], "uri": "u"},
             "destinationNodeURI": {"title": "y", "identifier": "elsewhere:123", "uri": "u"},
             "uri": "u", "lastChangeDateTime": "2020-05-01T00:00:00+00:00"},
        ],
    }


def test_case_11_package_with_three_levels_of_hierarchy_is_imported_in_sequence_order():
    std = from_case(foreign_package())
    assert [i.code for i in std.items] == ["1", "1.1", "1.1.1", "1.1.2", "1.2", "1.2.1", "2"]
    by_code = {i.code: i for i in std.items}
    assert by_code["1.1.1"].parent == by_code["1.1"].key
    assert by_code["1.1"].parent == by_code["1"].key
    assert by_code["1"].parent is None and by_code["2"].parent is None
    assert by_code["1.1.1"].text == "Strike an arc"
    # levels from educationLevel, kinds from CFItemType (common names mapped to S/K so coverage counts them)
    assert [lv.key for lv in std.levels] == ["10", "11"]
    assert by_code["1.1.1"].kind == "S" and by_code["1.1.2"].kind == "K"
    assert std.kinds == {"F": "Function", "C": "Task", "S": "Skill", "K": "Knowledge"}
    assert by_code["1.1.1"].key == "10.S.1.1.1"
    assert std.title == "Welding Technology" and std.edition == "2020" and std.issuer == "State Board"
    result = coverage({std.id: std}, [std.id], {"ch1.md": ["10.S.1.1.1"]})
    assert result.standards[std.id].level("10").covered == 1


def test_foreign_package_takes_the_id_the_administrator_gives():
    std = from_case(foreign_package(), standard_id="welding-tech@2020")
    assert std.id == "welding-tech@2020" and std.scheme == "custom"


def test_case_10_package_is_imported():
    package = {
        "CFDocument": {"identifier": DOC, "uri": "https://case.example.org/doc", "creator": "Board",
                       "title": "Electrical Basics", "lastChangeDateTime": "2017-01-01T00:00:00+00:00",
                       "CFPackageURI": {"title": "Electrical Basics", "identifier": DOC, "uri": "https://case.example.org/pkg"},
                       "adoptionStatus": "Deprecated"},
        "CFItems": [
            {"identifier": U["domain1"], "fullStatement": "Circuits", "humanCodingScheme": "A",
             "CFItemType": "Domain", "uri": "u1", "lastChangeDateTime": "2017-01-01T00:00:00+00:00",
             "CFDocumentURI": {"title": "Electrical Basics", "identifier": DOC, "uri": "u"}},
            {"identifier": U["std111"], "fullStatement": "Measure voltage", "humanCodingScheme": "A.1",
             "CFItemType": "Standard", "uri": "u2", "lastChangeDateTime": "2017-01-01T00:00:00+00:00"},
        ],
        "CFAssociations": [child(U["a1"], U["std111"], U["domain1"], 1), child(U["a2"], U["domain1"], DOC, 1)],
    }
    std = from_case(package)
    assert [(i.code, i.kind, i.level, i.text) for i in std.items] == [
        ("A", "Domain", "all", "Circuits"), ("A.1", "Standard", "all", "Measure voltage")]
    assert std.items[1].parent == std.items[0].key
    assert std.status == "superseded"
    assert std.edition == "2017"


def test_package_without_a_document_is_rejected():
    with pytest.raises(CaseFieldMissing) as info:
        from_case({"CFItems": []})
    assert info.value.params["field"] == "CFDocument"


def test_item_without_full_statement_is_rejected():
    package = foreign_package()
    del package["CFItems"][2]["fullStatement"]
    with pytest.raises(CaseFieldMissing) as info:
        from_case(package)
    assert info.value.params == {"where": "CFItems[2].fullStatement", "field": "fullStatement"}


def test_is_child_of_cycle_is_rejected():
    package = foreign_package()
    package["CFAssociations"][1] = child(U["a2"], U["domain1"], U["std111"], 1)  # Welding under Strike an arc
    with pytest.raises(CaseCycle) as info:
        from_case(package)
    assert "1.1.1" in info.value.params["items"]


def test_duplicate_codes_are_kept_apart_with_a_warning():
    package = foreign_package()
    package["CFItems"][0]["humanCodingScheme"] = "1.1.1"  # two Skills 1.1.1 of level 10, as CASE allows
    report = check_case(package)
    assert report.ok
    (warning,) = [p for p in report.problems if p.code == "case.duplicate_code"]
    assert warning.severity == "warning" and warning.where == "CFItems[0].humanCodingScheme"
    keys = [i.key for i in report.standard.items if i.code == "1.1.1"]
    assert len(keys) == 2 and len(set(keys)) == 2


def test_an_identifier_that_is_not_text_is_rejected():
    package = foreign_package()
    package["CFItems"][3]["identifier"] = 1234
    with pytest.raises(CaseBadUUID) as info:
        from_case(package)
    assert info.value.params["value"] == "1234"


def test_unique_identifiers_that_are_not_uuids_are_kept():
    package = foreign_package()
    package["CFItems"][3]["identifier"] = "item-1.1.1"
    package["CFAssociations"][5]["originNodeURI"]["identifier"] = "item-1.1.1"
    std = from_case(package)
    assert std.by_key["10.S.1.1.1"].case["identifier"] == "item-1.1.1"
    assert std.by_key["10.S.1.1.1"].parent == "10.C.1.1"


def test_is_child_of_into_another_framework_is_kept_as_an_external_reference():
    package = foreign_package()
    elsewhere = str(uuid.uuid4())
    package["CFAssociations"][6] = child(U["a7"], U["std121"], elsewhere, 1)
    std = from_case(package)
    item = next(i for i in std.items if i.code == "1.2.1")
    assert item.parent is None
    (link,) = [a for a in std.associations if a.type == "isChildOf"]
    assert link.origin == item.key and link.destination.identifier == elsewhere
    assert link.case["identifier"] == U["a7"]


def test_oversized_upload_is_rejected_before_parsing():
    with pytest.raises(CaseTooLarge):
        load_case_bytes(b"[" * (MAX_IMPORT_BYTES + 1))  # would be a RecursionError if it were parsed


def test_upload_that_is_not_json_is_rejected():
    with pytest.raises(CaseNotJSON):
        load_case_bytes(b"<CFPackage/>")


def test_export_identifiers_are_stable_uuid5(small):
    first = to_case(small, changed_at="2024-01-01T00:00:00Z")
    again = to_case(small, changed_at="2024-01-01T00:00:00Z")
    assert first == again
    assert first["CFDocument"]["identifier"] == str(uuid.uuid5(NAMESPACE, SMALL_ID))
    assert all(uuid.UUID(i["identifier"]).version == 5 for i in first["CFItems"])


def test_export_carries_codes_types_levels_and_sibling_sequence(small):
    package = to_case(small, base_url="https://books.example.edu/")
    items = {i["humanCodingScheme"] + i["CFItemType"]: i for i in package["CFItems"]}
    assert items["2.1.1技能要求"]["educationLevel"] == ["L4"]
    assert items["2.1.1技能要求"]["uri"].startswith("https://books.example.edu/ims/case/v1p1/CFItems/")
    by_origin = {a["originNodeURI"]["identifier"]: a for a in package["CFAssociations"]}
    k212 = by_origin[items["2.1.2相关知识要求"]["identifier"]]
    assert k212["associationType"] == "isChildOf"
    assert k212["destinationNodeURI"]["identifier"] == items["2.1工作内容"]["identifier"]
    assert k212["sequenceNumber"] == 3  # third child of 2.1 (S.2.1.1, K.2.1.1, K.2.1.2)
    root = by_origin[items["3职业功能"]["identifier"]]
    assert root["destinationNodeURI"]["identifier"] == package["CFDocument"]["identifier"]
    assert root["sequenceNumber"] == 3  # F.1, F.2, F.3 hang off the document


def test_yaml_to_case_to_yaml_is_exact(small):
    text = parse_standard(dump_standard(small), SMALL_PATH)
    raw = json.dumps(to_case(text), ensure_ascii=False).encode("utf-8")
    back = load_case_bytes(raw)
    assert back == small
    assert dump_standard(back) == dump_standard(small)


def test_our_export_without_extensions_still_imports_as_the_same_tree(small):
    package = copy.deepcopy(to_case(small))
    del package["CFDocument"]["extensions"]
    for row in package["CFItems"]:
        del row["extensions"]
    std = from_case(package, standard_id=SMALL_ID)
    assert [(i.key, i.kind, i.level, i.parent, i.text) for i in std.items] == \
        [(i.key, i.kind, i.level, i.parent, i.text) for i in small.items]
