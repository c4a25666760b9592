"""The CASE 1.1 REST service, as another system (an LMS, a certificate body) calls it without signing in.

Every payload is checked against the official CASE 1.1 schema (``tests/case_rest_schema.py``).
"""
from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from case_rest_schema import problems
from materials import OVERWRITE, Author, Library, Write
from materials.standards.case import case_identifier, from_case, to_case
from materials.standards.writing import dump_standard
from server.database import engine

STARTER = "sample-noss-locomotive-maintenance@2026"
BASE = "/ims/case/v1p1"
FULL = json.loads((Path(__file__).parents[1] / "standards" / "packages" / "full_model.json").read_text("utf-8"))
F = {"doc": FULL["CFDocument"], **{i["humanCodingScheme"]: i for i in FULL["CFItems"]}}
DEFS = FULL["CFDefinitions"]


def non_uuid_package() -> dict:
    """The same framework as an OpenSALT-like publisher with identifiers that are not UUIDs."""
    text = json.dumps(FULL)
    for n, row in enumerate(FULL["CFItems"]):
        text = text.replace(row["identifier"], f"OS:{n}/robot item")
    text = text.replace(FULL["CFDocument"]["identifier"], "doc-robots-2023")
    return json.loads(text)


@pytest.fixture(scope="module")
def service(tmp_path_factory, database_of, start_app):
    """One app whose library holds the starter standard and two imported frameworks (UUIDs and not)."""
    directory = tmp_path_factory.mktemp("case")
    with database_of("sqlite", directory) as url:
        app = start_app(directory, url)
        lib = Library(app.config["LIBRARY_PATH"])
        writes = [Write(f"standards/{s.id}.yml", dump_standard(s))
                  for s in (from_case(copy.deepcopy(FULL)), from_case(non_uuid_package()))]
        lib.commit("main", writes, Author("Admin", "admin@example.org", "school"), "Import two frameworks",
                   base=OVERWRITE)
        yield app.test_client()
        engine(app).dispose()


def get(client, path: str, schema: str, status: int = 200, *, uuids: bool = True):
    response = client.get(f"{BASE}/{path}")
    assert response.status_code == status, (path, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    assert problems(schema, response.json, uuids=uuids) == []
    return response


def minor(response) -> str:
    return response.json["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]


def test_documents_list_every_standard_by_its_identifier(service):
    response = get(service, "CFDocuments", "CFDocumentSet", uuids=False)  # doc-robots-2023 is no UUID
    documents = {d["identifier"]: d for d in response.json["CFDocuments"]}
    assert set(documents) == {case_identifier(STARTER), F["doc"]["identifier"], "doc-robots-2023"}
    assert response.headers["X-Total-Count"] == "3"
    starter = documents[case_identifier(STARTER)]
    assert starter["title"].startswith("机车检修工国家职业技能标准")
    assert starter["uri"] == f"http://localhost{BASE}/CFDocuments/{case_identifier(STARTER)}"
    assert starter["CFPackageURI"]["uri"] == f"http://localhost{BASE}/CFPackages/{case_identifier(STARTER)}"
    assert documents[F["doc"]["identifier"]]["uri"] == F["doc"]["uri"]  # the publisher's URI is served
    assert documents[F["doc"]["identifier"]]["adoptionStatus"] == "Draft"


def test_documents_are_paged_sorted_filtered_and_trimmed(service):
    titles = [d["title"] for d in get(service, "CFDocuments?sort=identifier&orderBy=desc", "CFDocumentSet",
                                      uuids=False).json["CFDocuments"]]
    assert len(titles) == 3
    ids = [d["identifier"] for d in get(service, "CFDocuments?sort=identifier", "CFDocumentSet",
                                        uuids=False).json["CFDocuments"]]
    assert ids == sorted(ids) and ids[::-1] == [d["identifier"] for d in get(
        service, "CFDocuments?sort=identifier&orderBy=desc", "CFDocumentSet", uuids=False).json["CFDocuments"]]
    page = get(service, "CFDocuments?sort=identifier&limit=1&offset=1", "CFDocumentSet", uuids=False)
    assert [d["identifier"] for d in page.json["CFDocuments"]] == ids[1:2] and page.headers["X-Total-Count"] == "3"
    links = {rel: url.strip("<>") for url, rel in (part.split("; ") for part in page.headers["Link"].split(", "))}
    assert links['rel="next"'].endswith("sort=identifier&limit=1&offset=2")
    assert links['rel="prev"'].endswith("offset=0") and links['rel="last"'].endswith("offset=2")
    assert service.get(links['rel="next"'].removeprefix("http://localhost")).json["CFDocuments"][0]["identifier"] == ids[2]
    drafts = service.get(f"{BASE}/CFDocuments?filter=adoptionStatus='Draft'").json["CFDocuments"]
    assert {d["identifier"] for d in drafts} == {F["doc"]["identifier"], "doc-robots-2023"}
    either = service.get(f"{BASE}/CFDocuments?filter=" + quote("identifier='doc-robots-2023' OR title~'机车'"))
    assert len(either.json["CFDocuments"]) == 2
    trimmed = service.get(f"{BASE}/CFDocuments?fields=identifier,title&limit=2").json["CFDocuments"]
    assert len(trimmed) == 2 and all(set(d) == {"identifier", "title"} for d in trimmed)


@pytest.mark.parametrize("query,code", [
    ("limit=0", "invalid_selection_field"), ("limit=ten", "invalid_selection_field"),
    ("offset=-1", "invalid_selection_field"), ("fields=title,colour", "invalid_selection_field"),
    ("sort=colour", "invalid_sort_field"), ("orderBy=up", "invalid_sort_field"),
    ("filter=colour='red'", "invalid_filter_field"), ("filter=title", "invalid_filter_field"),
])
def test_a_bad_selection_gets_a_400_status_info(service, query, code):
    response = get(service, f"CFDocuments?{query}", "imsx_StatusInfo", 400)
    assert minor(response) == code


def test_a_document_and_its_package_by_the_publishers_identifier(service):
    ident = F["doc"]["identifier"]
    document = get(service, f"CFDocuments/{ident}", "CFDocument").json
    assert document["identifier"] == ident and document["subject"] == ["Mechatronics", "Robotics"]
    package_path = document["CFPackageURI"]["uri"].split(BASE + "/", 1)[1]
    package = get(service, package_path, "CFPackage").json
    assert len(package["CFItems"]) == len(FULL["CFItems"])
    assert len(package["CFAssociations"]) == len(FULL["CFAssociations"])
    assert package["CFRubrics"] == FULL["CFRubrics"]


def test_an_item_by_its_publishers_identifier_in_either_case(service):
    wanted = F["A.1.1"]
    item = get(service, f"CFItems/{wanted['identifier'].upper()}", "CFItem").json
    assert item["identifier"] == wanted["identifier"] and item["uri"] == wanted["uri"]
    assert item["abbreviatedStatement"] == "Start-up"
    assert item["CFDocumentURI"] == {"title": F["doc"]["title"], "identifier": F["doc"]["identifier"],
                                     "uri": F["doc"]["uri"]}


def test_identifiers_that_are_not_uuids_are_served(service):
    item = get(service, "CFItems/" + quote("OS:2/robot item"), "CFItem", uuids=False).json
    assert item["fullStatement"] == F["A.1.1"]["fullStatement"]
    assert item["CFDocumentURI"]["identifier"] == "doc-robots-2023"


def test_an_items_associations_in_both_directions(service):
    wanted = F["A.1.1"]["identifier"]
    found = get(service, f"CFItemAssociations/{wanted}", "CFAssociationSet").json
    assert found["CFItem"]["identifier"] == wanted
    kinds = sorted((a["associationType"], a["originNodeURI"]["identifier"] == wanted) for a in found["CFAssociations"])
    assert kinds == sorted([("isChildOf", True), ("isPeerOf", True), ("exactMatchOf", True), ("exactMatchOf", False),
                            ("exemplar", True), ("isTranslationOf", True)])


def test_an_association_with_its_document(service):
    wanted = next(a for a in FULL["CFAssociations"] if a["associationType"] == "precedes")
    found = get(service, f"CFAssociations/{wanted['identifier']}", "CFAssociation").json
    assert found["originNodeURI"] == wanted["originNodeURI"] and found["sequenceNumber"] == 1
    assert found["CFDocumentURI"]["identifier"] == F["doc"]["identifier"]


@pytest.mark.parametrize("collection,schema,name,expected", [
    ("CFSubjects", "CFSubjectSet", "Mechatronics", ["Mechatronics", "Robotics"]),
    ("CFConcepts", "CFConceptSet", "Safety", ["Safety", "Lockout"]),
    ("CFItemTypes", "CFItemTypeSet", "Skill", ["Skill"]),
])
def test_a_definition_and_those_below_it(service, collection, schema, name, expected):
    wanted = next(d for d in DEFS[collection] if d["title"] == name)
    found = get(service, f"{collection}/{wanted['identifier']}", schema).json
    assert [d["title"] for d in found[collection]] == expected
    assert found[collection][0] == wanted


@pytest.mark.parametrize("collection,schema", [
    ("CFLicenses", "CFLicense"), ("CFAssociationGroupings", "CFAssociationGrouping"),
])
def test_a_licence_and_a_grouping(service, collection, schema):
    for wanted in DEFS[collection]:
        assert get(service, f"{collection}/{wanted['identifier']}", schema).json == wanted


def test_a_rubric(service):
    wanted = FULL["CFRubrics"][0]
    assert get(service, f"CFRubrics/{wanted['identifier']}", "CFRubric").json == wanted


def test_every_link_of_the_platforms_own_package_resolves(service):
    """The starter's package points at its document, items, associations and item types: each answers."""
    package = get(service, f"CFPackages/{case_identifier(STARTER)}", "CFPackage").json
    uris = {package["CFDocument"]["uri"]} | {i["uri"] for i in package["CFItems"]} | \
        {i["CFItemTypeURI"]["uri"] for i in package["CFItems"]} | {a["uri"] for a in package["CFAssociations"]} | \
        {t["uri"] for t in package["CFDefinitions"]["CFItemTypes"]}
    assert len(uris) > 160
    for uri in sorted(uris):
        assert uri.startswith(f"http://localhost{BASE}/")
        response = service.get(uri.removeprefix("http://localhost"))
        assert response.status_code == 200, uri


@pytest.mark.parametrize("path,code", [
    ("CFDocuments/00000000-0000-4000-8000-000000000000", "unknownobject"),
    ("CFPackages/00000000-0000-4000-8000-000000000000", "unknownobject"),
    ("CFItems/00000000-0000-4000-8000-000000000000", "unknownobject"),
    ("CFItemAssociations/00000000-0000-4000-8000-000000000000", "unknownobject"),
    ("CFAssociations/00000000-0000-4000-8000-000000000000", "unknownobject"),
    ("CFItemTypes/not-a-uuid", "unknownobject"),
    ("CFSubjects/x", "unknownobject"), ("CFConcepts/x", "unknownobject"), ("CFLicenses/x", "unknownobject"),
    ("CFAssociationGroupings/x", "unknownobject"), ("CFRubrics/x", "unknownobject"),
    ("CFItems/" + "x" * 600, "invalid_uuid"),
    ("CFWidgets/1", "unknownobject"), ("", "unknownobject"),
])
def test_unknown_objects_and_endpoints_get_a_404_status_info(service, path, code):
    response = get(service, path, "imsx_StatusInfo", 404)
    assert response.json["imsx_codeMajor"] == "failure" and response.json["imsx_severity"] == "error"
    assert minor(response) == code


def test_an_identifier_of_another_type_is_unknown_there(service):
    item_id = case_identifier(STARTER, "L4.S.2.1.1")
    assert minor(get(service, f"CFDocuments/{item_id}", "imsx_StatusInfo", 404)) == "unknownobject"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_writes_get_a_405_status_info(service, method):
    response = getattr(service, method)(f"{BASE}/CFDocuments", json={})
    assert response.status_code == 405 and response.mimetype == "application/json"
    assert problems("imsx_StatusInfo", response.json) == [] and "GET" in response.headers["Allow"]


def test_too_many_requests_get_a_429_status_info(make_app):
    client = make_app(CASE_RATE_LIMIT="2 per minute").test_client()
    assert [client.get(f"{BASE}/CFDocuments").status_code for _ in range(3)] == [200, 200, 429]
    response = client.get(f"{BASE}/CFDocuments")
    assert response.status_code == 429 and problems("imsx_StatusInfo", response.json) == []
    assert minor(response) == "server_busy" and response.headers["Retry-After"]


def test_a_failure_inside_gets_a_500_status_info(make_app):
    app = make_app()
    shutil.rmtree(app.config["LIBRARY_PATH"])  # the library is gone from under the running platform
    response = app.test_client().get(f"{BASE}/CFDocuments")
    assert response.status_code == 500 and response.mimetype == "application/json"
    assert problems("imsx_StatusInfo", response.json) == [] and minor(response) == "internal_server_error"


def test_service_discovery_describes_every_endpoint_the_service_answers(service):
    from openapi_spec_validator import validate

    from server.standards.case_service import blueprint

    document = service.get(f"{BASE}/discovery/imscasev1p1_openapi3_v1p0.json").json
    validate(document)
    assert document["servers"] == [{"url": f"http://localhost{BASE}"}]
    served = {rule.rule.removeprefix(BASE).replace("<path:identifier>", "{sourcedId}")
              for rule in service.application.url_map.iter_rules()
              if rule.endpoint.startswith(blueprint.name + ".") and rule.endpoint not in ("case.unknown", "case.discovery")}
    assert set(document["paths"]) == served and len(served) == 12
