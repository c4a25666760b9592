"""The dry run of a CASE import: every problem at once with its JSON path, and what would change."""
from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import pytest

from materials.standards.case import CaseFieldMissing, check_case, from_case
from materials.standards.report import compare

FULL = json.loads((Path(__file__).parent / "packages" / "full_model.json").read_text("utf-8"))


def full() -> dict:
    return copy.deepcopy(FULL)


def places(report) -> dict[str, tuple[str, str]]:
    return {p.where: (p.code, p.severity) for p in report.problems}


def test_every_problem_is_reported_at_once_with_its_json_path():
    package = full()
    del package["CFItems"][1]["fullStatement"]
    package["CFItems"][3]["identifier"] = 17
    package["CFItems"][5]["identifier"] = package["CFItems"][4]["identifier"]
    package["CFAssociations"][2]["associationType"] = "isParentOf"
    package["CFItems"][6]["colour"] = "red"
    report = check_case(package)
    assert report.standard is None and not report.ok
    assert places(report) == {
        "CFItems[1].fullStatement": ("case.field_missing", "error"),
        "CFItems[3].identifier": ("case.bad_identifier", "error"),
        "CFItems[5].identifier": ("case.duplicate_identifier", "error"),
        "CFItems[6].colour": ("case.field_left_out", "warning"),
        "CFAssociations[2].associationType": ("case.association_left_out", "warning"),
    }
    with pytest.raises(CaseFieldMissing) as info:
        from_case(package)
    assert len(info.value.problems) == 5  # the first is raised, all of them travel with it


def test_a_bad_identifier_in_an_association_that_is_left_out_does_not_refuse_the_file():
    package = full()
    package["CFAssociations"].append({"identifier": 42, "associationType": "isRelatedTo",
                                      "originNodeURI": {"identifier": "?"}, "destinationNodeURI": {}})
    package["CFAssociations"].append({"identifier": "not a uuid at all", "associationType": "likes",
                                      "originNodeURI": {"identifier": "x"}, "destinationNodeURI": {"identifier": "y"}})
    report = check_case(package)
    assert report.ok
    n = len(FULL["CFAssociations"])
    assert places(report) == {f"CFAssociations[{n}].identifier": ("case.association_left_out", "warning"),
                              f"CFAssociations[{n + 1}].associationType": ("case.association_left_out", "warning")}
    assert len(report.standard.associations) == len(from_case(full()).associations)


def test_fields_case_does_not_define_are_left_out_with_a_warning():
    package = full()
    package["CFItems"][6]["colour"] = "red"
    report = check_case(package)
    assert report.ok and places(report) == {"CFItems[6].colour": ("case.field_left_out", "warning")}
    assert "colour" not in report.standard.items[6].case


def test_a_broken_document_still_reports_the_items():
    package = full()
    del package["CFDocument"]["title"]
    package["CFItems"][0]["fullStatement"] = ""
    report = check_case(package)
    assert set(places(report)) == {"CFDocument.title", "CFItems[0].fullStatement"}


def test_the_report_says_what_would_be_created_changed_and_left_alone():
    earlier = from_case(full())
    package = full()
    package["CFItems"][2]["fullStatement"] = "Perform the start-up checklist of the cell"
    package["CFItems"].pop(4)                                   # A.1.3 dropped
    package["CFItems"].append({**FULL["CFItems"][7], "identifier": "new-item", "humanCodingScheme": "B.1.2",
                               "fullStatement": "Check the gear backlash", "uri": "https://case.example.org/new"})
    package["CFAssociations"] = [a for a in package["CFAssociations"]
                                 if a["originNodeURI"]["identifier"] != FULL["CFItems"][4]["identifier"]
                                 and a["destinationNodeURI"]["identifier"] != FULL["CFItems"][4]["identifier"]]
    report = compare(check_case(package), earlier)
    by_code = {i.key: i.code for i in report.standard.items} | {i.key: i.code for i in earlier.items}
    assert [by_code[k] for k in report.created] == ["B.1.2"]
    assert [by_code[k] for k in report.changed] == ["A.1.1"]
    assert [by_code[k] for k in report.removed] == ["A.1.3"]
    assert len(report.unchanged) == len(earlier.items) - 2
    assert report.as_dict()["replaces"] == earlier.id and report.as_dict()["ok"]


def test_the_report_is_plain_json():
    package = full()
    package["CFItems"][6]["colour"] = "red"
    data = json.loads(json.dumps(check_case(package).as_dict()))
    assert data["problems"] == [{"where": "CFItems[6].colour", "code": "case.field_left_out", "severity": "warning",
                                 "message": "CFItems[6]: colour is not a CASE 1.1 field; left out",
                                 "params": {"where": "CFItems[6].colour", "field": "colour"}}]


def test_a_renamed_document_version_is_a_different_standard():
    package = full()
    package["CFDocument"]["version"] = "2024"
    assert from_case(package).id != from_case(full()).id
    assert dataclasses.replace(from_case(package), id="x@1") != from_case(full())
