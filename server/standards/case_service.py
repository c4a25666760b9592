"""A read-only 1EdTech CASE 1.1 REST service over the library's standards.

Learning platforms and certificate bodies fetch the standards a college
teaches to, by the stable UUIDv5 identifiers of ``materials.standards.case``:

    GET /ims/case/v1p1/CFDocuments
    GET /ims/case/v1p1/CFDocuments/<id>
    GET /ims/case/v1p1/CFPackages/<id>
    GET /ims/case/v1p1/CFItems/<id>
    GET /ims/case/v1p1/CFAssociations/<id>

Public (standards are published documents) and JSON only. An unknown or
malformed identifier gets CASE's own error form (``imsx_StatusInfo``) with
HTTP 404. Conversions are cached per standard blob id
(``server.standards.exchange.case_package``).
"""
from __future__ import annotations
import re
from typing import Any
from flask import Blueprint, Response, jsonify, request
from server.permissions import public
from server.standards import exchange, service as catalog


blueprint = Blueprint("case", __name__, url_prefix="/ims/case/v1p1")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def status_info(minor: str, description: str, status: int = 404) -> Response:
    """CASE's error body: imsx_codeMajor failure, severity error, and the minor code for the field."""
    response = jsonify({
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {"imsx_codeMinorField": [
            {"imsx_codeMinorFieldName": "sourcedId", "imsx_codeMinorFieldValue": minor},
        ]},
    })
    response.status_code = status
    return response


def _base_url() -> str:
    return request.url_root.rstrip("/")


def _json(data: Any) -> Response:
    response = jsonify(data)
    response.headers["Access-Control-Allow-Origin"] = "*"  # read-only public data for other systems
    return response


def _lookup(identifier: str, cf_type: str) -> tuple[catalog.Entry, dict] | Response:
    """The entry and CASE package holding ``identifier`` of ``cf_type``, or the CASE error response."""
    if not _UUID.match(identifier):
        return status_info("invalid_sourcedid", f"{identifier[:80]} is not a CASE identifier (a UUID)")
    entries = [e for e in catalog.entries() if e.standard is not None]
    found = exchange.case_index(entries).get(identifier.lower())
    if found is None or found[0] != cf_type:
        return status_info("unknownobject", f"there is no {cf_type[2:-1]} with the identifier {identifier}")
    owner = next(e for e in entries if e.standard.id == found[1])
    return owner, exchange.case_package(owner, _base_url())


@blueprint.route("/CFDocuments")
@public
def documents():
    entries = [e for e in catalog.entries() if e.standard is not None]
    return _json({"CFDocuments": [exchange.case_package(e, _base_url())["CFDocument"] for e in entries]})


@blueprint.route("/CFDocuments/<identifier>")
@public
def document(identifier: str):
    found = _lookup(identifier, "CFDocuments")
    return found if isinstance(found, Response) else _json(found[1]["CFDocument"])


@blueprint.route("/CFPackages/<identifier>")
@public
def package(identifier: str):
    found = _lookup(identifier, "CFDocuments")  # a package is named by its document's identifier
    return found if isinstance(found, Response) else _json(found[1])


@blueprint.route("/CFItems/<identifier>")
@public
def item(identifier: str):
    found = _lookup(identifier, "CFItems")
    if isinstance(found, Response):
        return found
    wanted = identifier.lower()
    return _json(next(i for i in found[1]["CFItems"] if i["identifier"] == wanted))


@blueprint.route("/CFAssociations/<identifier>")
@public
def association(identifier: str):
    found = _lookup(identifier, "CFAssociations")
    if isinstance(found, Response):
        return found
    wanted = identifier.lower()
    return _json(next(a for a in found[1]["CFAssociations"] if a["identifier"] == wanted))
