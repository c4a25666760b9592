"""Validators for every payload of the CASE 1.1 REST service, built from the vendored official schema.

The official CFPackage JSON Schema defines the package forms of every CASE
object. The REST binding answers three of them with one more field, which
the package forms forbid: CFDocument with a required CFPackageURI, CFItem
with a required CFDocumentURI, CFAssociation with an optional one. Those are
made here by copying the official definition and adding the field; the sets
(CFDocumentSet, CFAssociationSet, CFItemTypeSet…) wrap them as the binding
says. imsx_StatusInfo comes from ``standards/schema/case_v1p1_imsx_statusinfo.json``.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

from jsonschema import Draft201909Validator

HERE = Path(__file__).parent / "standards" / "schema"
PACKAGE = json.loads((HERE / "case_v1p1_cfpackage-jsonschema1.json").read_text("utf-8"))
STATUS_INFO = json.loads((HERE / "case_v1p1_imsx_statusinfo.json").read_text("utf-8"))


def _with_uri(definition: str, field: str, required: bool) -> dict:
    out = copy.deepcopy(PACKAGE["$defs"][definition])
    out["properties"][field] = {"$ref": "#/$defs/LinkURI"}
    if required:
        out["required"] = out["required"] + [field]
    return out


def _set(name: str, item: str, min_items: int = 1) -> dict:
    return {"type": "object", "properties": {name: {"type": "array", "minItems": min_items,
                                                    "items": {"$ref": f"#/$defs/{item}"}}},
            "required": [name], "additionalProperties": False}


DEFS = copy.deepcopy(PACKAGE["$defs"])
DEFS.update({
    "CFDocument": _with_uri("CFPckgDocument", "CFPackageURI", True),
    "CFItem": _with_uri("CFPckgItem", "CFDocumentURI", True),
    "CFAssociation": _with_uri("CFPckgAssociation", "CFDocumentURI", False),
    "CFDocumentSet": _set("CFDocuments", "CFDocument", 0),
    "CFAssociationSet": {"type": "object", "properties": {
        "CFItem": {"$ref": "#/$defs/CFItem"},
        "CFAssociations": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/CFPckgAssociation"}}},
        "required": ["CFItem", "CFAssociations"], "additionalProperties": False},
    "CFItemTypeSet": _set("CFItemTypes", "CFItemType"),
    "CFSubjectSet": _set("CFSubjects", "CFSubject"),
    "CFConceptSet": _set("CFConcepts", "CFConcept"),
})


def validator(name: str) -> Draft201909Validator:
    """A validator of one REST payload: CFDocument, CFItem, CFAssociationSet, CFPackage, imsx_StatusInfo…"""
    if name == "imsx_StatusInfo":
        schema = STATUS_INFO
    elif name == "CFPackage":
        schema = PACKAGE
    else:
        schema = {"$schema": PACKAGE["$schema"], "$ref": f"#/$defs/{name}", "$defs": DEFS}
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def problems(name: str, payload: object, *, uuids: bool = True) -> list[str]:
    """What ``payload`` breaks of the schema of ``name``. ``uuids=False`` forgives identifiers that are
    not UUIDs, which a publisher may use (OpenSALT accepts them) and which are then served as given."""
    return [f"{list(e.path)}: {e.message}" for e in validator(name).iter_errors(payload)
            if uuids or not (e.validator == "format" and e.validator_value == "uuid")]
