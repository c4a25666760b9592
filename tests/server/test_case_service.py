"""The CASE 1.1 REST service, as another system (an LMS, a certificate body) calls it without signing in."""
from __future__ import annotations

import pytest

from materials.standards.case import case_identifier

STARTER = "sample-noss-locomotive-maintenance@2026"
BASE = "/ims/case/v1p1"


@pytest.fixture
def other_system(reading_app):
    """An anonymous client: the CASE service is public."""
    return reading_app.test_client()


def test_documents_list_the_library_standards_by_their_stable_identifiers(other_system):
    response = other_system.get(f"{BASE}/CFDocuments")
    assert response.status_code == 200 and response.mimetype == "application/json"
    documents = response.json["CFDocuments"]
    assert [d["identifier"] for d in documents] == [case_identifier(STARTER)]
    assert documents[0]["title"].startswith("机车检修工国家职业技能标准")
    assert documents[0]["uri"] == f"http://localhost{BASE}/CFDocuments/{case_identifier(STARTER)}"


def test_one_document_and_its_package(other_system):
    ident = case_identifier(STARTER)
    document = other_system.get(f"{BASE}/CFDocuments/{ident}").json
    assert document["identifier"] == ident and document["caseVersion"] == "1.1"
    package = other_system.get(f"{BASE}/CFPackages/{ident}").json
    assert package["CFDocument"]["identifier"] == ident
    assert len(package["CFItems"]) == 81 and len(package["CFAssociations"]) == 81


def test_an_item_and_its_parent_association(other_system):
    item_id = case_identifier(STARTER, "L4.S.2.1.1")
    item = other_system.get(f"{BASE}/CFItems/{item_id}").json
    assert item["fullStatement"] == "能按作业标准完成制动机“五步闸”试验并判断结果"
    assert item["humanCodingScheme"] == "2.1.1" and item["CFItemType"] == "技能要求"
    assoc_id = case_identifier(STARTER, "L4.S.2.1.1>L4.C.2.1", what="isChildOf")
    assoc = other_system.get(f"{BASE}/CFAssociations/{assoc_id}").json
    assert assoc["associationType"] == "isChildOf"
    assert assoc["originNodeURI"]["identifier"] == item_id
    assert assoc["destinationNodeURI"]["identifier"] == case_identifier(STARTER, "L4.C.2.1")


@pytest.mark.parametrize("path,minor", [
    ("CFDocuments/00000000-0000-4000-8000-000000000000", "unknownobject"),
    ("CFPackages/00000000-0000-4000-8000-000000000000", "unknownobject"),
    ("CFItems/00000000-0000-4000-8000-000000000000", "unknownobject"),
    ("CFAssociations/00000000-0000-4000-8000-000000000000", "unknownobject"),
    ("CFItems/not-a-uuid", "invalid_sourcedid"),
])
def test_unknown_identifiers_get_the_case_error_form(other_system, path, minor):
    response = other_system.get(f"{BASE}/{path}")
    assert response.status_code == 404
    body = response.json
    assert body["imsx_codeMajor"] == "failure" and body["imsx_severity"] == "error"
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == minor


def test_an_identifier_of_another_type_is_unknown_there(other_system):
    item_id = case_identifier(STARTER, "L4.S.2.1.1")
    response = other_system.get(f"{BASE}/CFDocuments/{item_id}")
    assert response.status_code == 404
    assert response.json["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "unknownobject"
