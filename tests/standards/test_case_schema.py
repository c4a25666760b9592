"""Our CASE export validates against the official 1EdTech CASE 1.1 CFPackage JSON Schema (vendored)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft201909Validator

from materials.standards.case import to_case

SCHEMA = json.loads((Path(__file__).parent / "schema" / "case_v1p1_cfpackage-jsonschema1.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def validator():
    Draft201909Validator.check_schema(SCHEMA)
    return Draft201909Validator(SCHEMA, format_checker=Draft201909Validator.FORMAT_CHECKER)


def test_vendored_schema_is_the_official_case_11_package_schema():
    assert SCHEMA["$id"] == "https://purl.imsglobal.org/spec/case/v1p1/schema/json/case_v1p1_cfpackage-jsonschema1.json"


def test_export_validates_against_the_case_11_schema(small, validator):
    package = json.loads(json.dumps(to_case(small, base_url="https://books.example.edu")))
    errors = sorted(validator.iter_errors(package), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]


def test_export_with_urn_uris_and_no_issuer_validates(small, validator):
    import dataclasses
    package = json.loads(json.dumps(to_case(dataclasses.replace(small, issuer="", source_url=""))))
    assert list(validator.iter_errors(package)) == []


def test_the_schema_check_would_catch_a_broken_export(small, validator):
    package = json.loads(json.dumps(to_case(small)))
    package["CFItems"][0]["identifier"] = "not-a-uuid"
    del package["CFDocument"]["creator"]
    messages = [e.message for e in validator.iter_errors(package)]
    assert any("creator" in m for m in messages)
    assert any("not-a-uuid" in m for m in messages)
