"""The 1EdTech CASE 1.1 REST service over the library's standards: every endpoint, read-only, public.

Learning platforms and certificate bodies fetch the standards a college
teaches to, by the identifiers of their CASE packages (the publisher's, for
an imported standard; stable UUIDv5s for the library's own):

    GET /ims/case/v1p1/CFDocuments                   limit, offset, sort, orderBy, filter, fields
    GET /ims/case/v1p1/CFDocuments/<id>              with its CFPackageURI
    GET /ims/case/v1p1/CFPackages/<id>               the whole package, named by its document
    GET /ims/case/v1p1/CFItems/<id>                  with its CFDocumentURI
    GET /ims/case/v1p1/CFItemAssociations/<id>       the item and every association from or to it
    GET /ims/case/v1p1/CFAssociations/<id>
    GET /ims/case/v1p1/CFItemTypes/<id>              the type and those below it (hierarchyCode)
    GET /ims/case/v1p1/CFSubjects/<id>               likewise
    GET /ims/case/v1p1/CFConcepts/<id>               likewise
    GET /ims/case/v1p1/CFLicenses/<id>
    GET /ims/case/v1p1/CFAssociationGroupings/<id>
    GET /ims/case/v1p1/CFRubrics/<id>
    GET /ims/case/v1p1/discovery/imscasev1p1_openapi3_v1p0.json    this list, as OpenAPI 3

Public (standards are published documents) and JSON only: every error, an
unknown endpoint included, is CASE's ``imsx_StatusInfo`` with the status the
specification lists (400 bad selection, sort or filter; 404 unknown object;
405 anything but GET; 429 too many requests; 500). Conversions are cached
per standard blob id (``server.standards.exchange``).
"""
from __future__ import annotations

import logging
import re
from typing import Any, Callable
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from materials.standards.case import CF_TYPES, identifier_key, natural_key
from server.errors import UserError
from server.permissions import public
from server.standards import exchange, service as catalog

log = logging.getLogger(__name__)

blueprint = Blueprint("case", __name__, url_prefix="/ims/case/v1p1")

DEFAULT_LIMIT = 100
DEFAULT_RATE_LIMIT = "600 per minute"
MAX_IDENTIFIER = 500
# the fields of a CFDocument as this service answers it (the package's, plus CFPackageURI)
DOCUMENT_FIELDS = ("identifier", "uri", "frameworkType", "caseVersion", "creator", "title", "lastChangeDateTime",
                   "officialSourceURL", "publisher", "description", "subject", "subjectURI", "language", "version",
                   "adoptionStatus", "statusStartDate", "statusEndDate", "licenseURI", "notes", "extensions",
                   "CFPackageURI")
_FILTER = re.compile(r"^\s*([A-Za-z]+)\s*(!=|>=|<=|=|>|<|~)\s*'((?:[^']|'')*)'\s*$")
_MINOR_BY_STATUS = {400: "invalid_selection_field", 401: "unauthorisedrequest", 403: "forbidden",
                    404: "unknownobject", 405: "forbidden", 429: "server_busy", 500: "internal_server_error"}


def status_info(minor: str, description: str, status: int = 404, field: str = "sourcedId") -> Response:
    """CASE's error body: imsx_codeMajor failure, severity error, and the minor code for the field."""
    response = jsonify({
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {"imsx_codeMinorField": [
            {"imsx_codeMinorFieldName": field, "imsx_codeMinorFieldValue": minor},
        ]},
    })
    response.status_code = status
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


class CaseRefusal(Exception):
    """A request the service answers with an ``imsx_StatusInfo`` (raised anywhere in a view)."""

    def __init__(self, status: int, minor: str, description: str, field: str = "sourcedId"):
        super().__init__(description)
        self.status, self.minor, self.description, self.field = status, minor, description, field


@blueprint.errorhandler(CaseRefusal)
def _refused(error: CaseRefusal) -> Response:
    response = status_info(error.minor, error.description, error.status, error.field)
    if error.status == 405:
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
    return response


@blueprint.errorhandler(CSRFError)  # by name: the platform's own CSRF page would answer first
@blueprint.errorhandler(HTTPException)
def _http(error: HTTPException) -> Response:
    status = error.code or 500
    if request.method not in ("GET", "HEAD", "OPTIONS"):  # the CSRF check or routing refused a write
        response = status_info("forbidden", "the CASE service is read-only: only GET is allowed", 405)
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
        return response
    response = status_info(_MINOR_BY_STATUS.get(status, "invalid_selection_field"),
                           error.description or error.name, status)
    if status == 429:
        retry = error.get_response().headers.get("Retry-After")
        response.headers["Retry-After"] = retry or "60"
    return response


@blueprint.errorhandler(UserError)
def _user_error(error: UserError) -> Response:
    """The platform's own refusals (the library unavailable…) in CASE's form and with a status CASE lists."""
    status = 500 if error.status >= 500 else error.status
    return status_info(_MINOR_BY_STATUS.get(status, "invalid_selection_field"), error.code, status)


@blueprint.errorhandler(Exception)
def _internal(error: Exception) -> Response:
    log.exception("the CASE service failed")
    return status_info("internal_server_error", "the CASE service failed; the error is logged", 500)


@blueprint.before_request
def _rate_limit() -> None:
    """Other systems may harvest the service; one address may not starve the platform."""
    limiter = current_app.extensions.get("jointbook.limiter")
    if limiter is not None:
        with limiter.limit(lambda: current_app.config.get("CASE_RATE_LIMIT") or DEFAULT_RATE_LIMIT):
            pass


def _base_url() -> str:
    return request.url_root.rstrip("/")


def _json(data: Any, headers: dict[str, str] | None = None) -> Response:
    response = jsonify(data)
    response.headers["Access-Control-Allow-Origin"] = "*"  # read-only public data for other systems
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _entries() -> list[catalog.Entry]:
    return [e for e in catalog.entries() if e.standard is not None]


def _packages() -> list[dict]:
    return [exchange.case_package(e, _base_url()) for e in _entries()]


def _find(cf_type: str, identifier: str) -> tuple[dict, dict]:
    """The package holding the object of ``cf_type`` named ``identifier``, and the object itself."""
    if not identifier.strip() or len(identifier) > MAX_IDENTIFIER or any(ord(c) < 32 for c in identifier):
        raise CaseRefusal(404, "invalid_uuid", f"{identifier[:80]!r} is not an identifier")
    entries = _entries()
    owner = exchange.case_index(entries).get((cf_type, identifier_key(identifier)))
    found = next((e for e in entries if e.standard.id == owner), None)
    if found is None:
        raise CaseRefusal(404, "unknownobject", f"there is no {cf_type[2:-1]} with the identifier {identifier[:80]}")
    package = exchange.case_package(found, _base_url())
    wanted = identifier_key(identifier)
    obj = next(o for o in exchange.objects_of(package, cf_type) if identifier_key(str(o.get("identifier"))) == wanted)
    return package, obj


def _document_link(package: dict) -> dict:
    doc = package["CFDocument"]
    return {"title": doc["title"], "identifier": doc["identifier"], "uri": doc["uri"]}


def rest_document(package: dict) -> dict:
    """A CFDocument as the service answers it: the package's, with its CFPackageURI."""
    doc = dict(package["CFDocument"])
    doc["CFPackageURI"] = {"title": doc["title"], "identifier": doc["identifier"],
                           "uri": f"{_base_url()}{blueprint.url_prefix}/CFPackages/{doc['identifier']}"}
    return doc


def rest_item(package: dict, item: dict) -> dict:
    """A CFItem as the service answers it: the package's, with the CFDocumentURI of its document."""
    return dict(item, CFDocumentURI=_document_link(package))


# ------------------------------------------------------------------------------- documents

def _int_arg(name: str, default: int, least: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = least - 1
    if value < least:
        raise CaseRefusal(400, "invalid_selection_field", f"{name} must be a whole number of at least {least}", name)
    return value


def _comparable(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _predicate(text: str) -> Callable[[dict], bool]:
    match = _FILTER.match(text)
    if match is None:
        raise CaseRefusal(400, "invalid_filter_field", f"cannot read the filter {text[:80]!r}: write field='value'",
                          "filter")
    name, op, value = match.group(1), match.group(2), match.group(3).replace("''", "'")
    if name not in DOCUMENT_FIELDS:
        raise CaseRefusal(400, "invalid_filter_field", f"{name} is not a field of CFDocument", "filter")
    tests: dict[str, Callable[[str, str], bool]] = {
        "=": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, "~": lambda a, b: b.casefold() in a.casefold()}
    compare = tests[op]
    return lambda doc: compare(_comparable(doc.get(name)), value)


def _filtered(docs: list[dict], expression: str) -> list[dict]:
    """1EdTech's filter: predicates ``field op 'value'`` joined by AND or by OR."""
    if re.search(r"\sAND\s", expression) and re.search(r"\sOR\s", expression):
        raise CaseRefusal(400, "invalid_filter_field", "a filter joins its parts with AND or with OR, not both",
                          "filter")
    joiner = "OR" if re.search(r"\sOR\s", expression) else "AND"
    parts = [_predicate(p) for p in re.split(rf"\s{joiner}\s", expression)]
    combine = any if joiner == "OR" else all
    return [d for d in docs if combine(p(d) for p in parts)]


@blueprint.route("/CFDocuments")
@public
def documents():
    docs = [rest_document(p) for p in _packages()]
    expression = request.args.get("filter")
    if expression:
        docs = _filtered(docs, expression)
    sort = request.args.get("sort")
    order = request.args.get("orderBy", "asc")
    if order not in ("asc", "desc"):
        raise CaseRefusal(400, "invalid_sort_field", "orderBy is asc or desc", "orderBy")
    if sort:
        if sort not in DOCUMENT_FIELDS:
            raise CaseRefusal(400, "invalid_sort_field", f"{sort[:80]} is not a field of CFDocument", "sort")
        docs.sort(key=lambda d: natural_key(_comparable(d.get(sort))), reverse=order == "desc")
    total = len(docs)
    offset, limit = _int_arg("offset", 0, 0), _int_arg("limit", DEFAULT_LIMIT, 1)
    docs = docs[offset:offset + limit]
    wanted = [f.strip() for f in request.args.get("fields", "").split(",") if f.strip()]
    unknown = [f for f in wanted if f not in DOCUMENT_FIELDS]
    if unknown:
        raise CaseRefusal(400, "invalid_selection_field", f"{unknown[0][:80]} is not a field of CFDocument", "fields")
    if wanted:
        docs = [{k: v for k, v in d.items() if k in wanted} for d in docs]
    return _json({"CFDocuments": docs}, {"X-Total-Count": str(total), **_page_links(total, offset, limit)})


def _page_links(total: int, offset: int, limit: int) -> dict[str, str]:
    """RFC 8288 ``Link`` to the first, previous, next and last pages, as 1EdTech paging has it."""
    def page(start: int) -> str:
        args = request.args.to_dict()
        args.update(offset=str(start), limit=str(limit))
        return f"{request.base_url}?{urlencode(args)}"
    last = max(0, (total - 1) // limit * limit)
    links = [f'<{page(0)}>; rel="first"', f'<{page(last)}>; rel="last"']
    if offset + limit < total:
        links.append(f'<{page(offset + limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{page(max(0, offset - limit))}>; rel="prev"')
    return {"Link": ", ".join(links)}


@blueprint.route("/CFDocuments/<path:identifier>")
@public
def document(identifier: str):
    package, _ = _find("CFDocuments", identifier)
    return _json(rest_document(package))


@blueprint.route("/CFPackages/<path:identifier>")
@public
def package(identifier: str):
    found, _ = _find("CFDocuments", identifier)  # a package is named by its document's identifier
    return _json(found)


# ------------------------------------------------------------------------------- items and links

@blueprint.route("/CFItems/<path:identifier>")
@public
def item(identifier: str):
    package, found = _find("CFItems", identifier)
    return _json(rest_item(package, found))


@blueprint.route("/CFItemAssociations/<path:identifier>")
@public
def item_associations(identifier: str):
    """The item and every association from or to it, in its own package and in the other standards'."""
    package, found = _find("CFItems", identifier)
    wanted = identifier_key(found["identifier"])
    links = []
    for other in [package] + [p for p in _packages() if p["CFDocument"]["identifier"] != package["CFDocument"]["identifier"]]:
        links.extend(a for a in other.get("CFAssociations", [])
                     if wanted in (identifier_key(str(a["originNodeURI"].get("identifier"))),
                                   identifier_key(str(a["destinationNodeURI"].get("identifier")))))
    return _json({"CFItem": rest_item(package, found), "CFAssociations": links})


@blueprint.route("/CFAssociations/<path:identifier>")
@public
def association(identifier: str):
    package, found = _find("CFAssociations", identifier)
    return _json(dict(found, CFDocumentURI=_document_link(package)))


# ------------------------------------------------------------------------------- definitions

def _with_children(package: dict, cf_type: str, found: dict) -> list[dict]:
    """The definition, then those below it: their hierarchyCode starts with its own and a dot."""
    code = found.get("hierarchyCode")
    below = []
    if isinstance(code, str) and code:
        below = [o for o in exchange.objects_of(package, cf_type)
                 if isinstance(o.get("hierarchyCode"), str) and o["hierarchyCode"].startswith(code + ".")]
        below.sort(key=lambda o: natural_key(o["hierarchyCode"]))
    return [found] + below


def _set_view(cf_type: str) -> Callable[[str], Response]:
    def view(identifier: str) -> Response:
        package, found = _find(cf_type, identifier)
        return _json({cf_type: _with_children(package, cf_type, found)})
    return view


def _one_view(cf_type: str) -> Callable[[str], Response]:
    def view(identifier: str) -> Response:
        return _json(_find(cf_type, identifier)[1])
    return view


for _cf_type in CF_TYPES:
    _view = _set_view(_cf_type) if _cf_type in ("CFItemTypes", "CFSubjects", "CFConcepts") else _one_view(_cf_type)
    _view.__name__ = _view.__qualname__ = _cf_type[2:].lower()
    blueprint.add_url_rule(f"/{_cf_type}/<path:identifier>", view_func=public(_view))
_rubric = _one_view("CFRubrics")
_rubric.__name__ = _rubric.__qualname__ = "rubrics"
blueprint.add_url_rule("/CFRubrics/<path:identifier>", view_func=public(_rubric))


# ------------------------------------------------------------------------------- service discovery

_OFFICIAL = "https://purl.imsglobal.org/spec/case/v1p1/schema/json/case_v1p1_cfpackage-jsonschema1.json"
# path, operationId, response payload, what it answers
_OPERATIONS = (
    ("/CFDocuments", "getAllCFDocuments", "CFDocumentSet", "every standard's CFDocument"),
    ("/CFDocuments/{sourcedId}", "getCFDocument", "CFDocument", "a CFDocument with its CFPackageURI"),
    ("/CFPackages/{sourcedId}", "getCFPackage", "CFPackage", "the package of a document"),
    ("/CFItems/{sourcedId}", "getCFItem", "CFItem", "a CFItem with its CFDocumentURI"),
    ("/CFItemAssociations/{sourcedId}", "getCFItemAssociations", "CFAssociationSet",
     "the item and every association from or to it"),
    ("/CFAssociations/{sourcedId}", "getCFAssociation", "CFAssociation", "a CFAssociation"),
    ("/CFItemTypes/{sourcedId}", "getCFItemType", "CFItemTypeSet", "the item type and those below it"),
    ("/CFSubjects/{sourcedId}", "getCFSubject", "CFSubjectSet", "the subject and those below it"),
    ("/CFConcepts/{sourcedId}", "getCFConcept", "CFConceptSet", "the concept and those below it"),
    ("/CFLicenses/{sourcedId}", "getCFLicense", "CFLicense", "a licence"),
    ("/CFAssociationGroupings/{sourcedId}", "getCFAssociationGrouping", "CFAssociationGrouping",
     "an association grouping"),
    ("/CFRubrics/{sourcedId}", "getCFRubric", "CFRubric", "a rubric"),
)
_PAYLOADS = {
    "CFDocument": ("CFPckgDocument", ["identifier", "uri", "creator", "title", "lastChangeDateTime", "CFPackageURI"]),
    "CFItem": ("CFPckgItem", ["identifier", "fullStatement", "uri", "lastChangeDateTime", "CFDocumentURI"]),
    "CFAssociation": ("CFPckgAssociation", ["identifier", "associationType", "uri", "originNodeURI",
                                            "destinationNodeURI", "lastChangeDateTime"]),
    "CFPackage": ("", ["CFDocument"]),
    "CFLicense": ("CFLicense", ["identifier", "uri", "title", "licenseText", "lastChangeDateTime"]),
    "CFAssociationGrouping": ("CFAssociationGrouping", ["identifier", "uri", "title", "lastChangeDateTime"]),
    "CFRubric": ("CFRubric", ["identifier", "uri", "lastChangeDateTime"]),
}


def openapi_document(base_url: str) -> dict:
    """The OpenAPI 3 description of this service, with this server's address (CASE 1.1 service discovery).

    The payloads are those of the official CASE 1.1 JSON Schema (named in each description); the
    REST forms add CFPackageURI to a CFDocument and CFDocumentURI to a CFItem."""
    schemas: dict[str, Any] = {}
    for name, (official, required) in _PAYLOADS.items():
        where = f"{_OFFICIAL}#/$defs/{official}" if official else _OFFICIAL
        schemas[name] = {"type": "object", "required": required, "description": f"As {where}."}
    for name, key, item in (("CFDocumentSet", "CFDocuments", "CFDocument"), ("CFItemTypeSet", "CFItemTypes", None),
                            ("CFSubjectSet", "CFSubjects", None), ("CFConceptSet", "CFConcepts", None)):
        element = {"$ref": f"#/components/schemas/{item}"} if item else {
            "type": "object", "description": f"As {_OFFICIAL}#/$defs/{key[:-1]}."}
        schemas[name] = {"type": "object", "required": [key], "properties": {key: {"type": "array", "items": element}}}
    schemas["CFAssociationSet"] = {"type": "object", "required": ["CFItem", "CFAssociations"], "properties": {
        "CFItem": {"$ref": "#/components/schemas/CFItem"},
        "CFAssociations": {"type": "array", "items": {"$ref": "#/components/schemas/CFAssociation"}}}}
    schemas["imsx_StatusInfo"] = {"type": "object", "required": ["imsx_codeMajor", "imsx_severity"], "properties": {
        "imsx_codeMajor": {"type": "string", "enum": ["success", "processing", "failure", "unsupported"]},
        "imsx_severity": {"type": "string", "enum": ["status", "warning", "error"]},
        "imsx_description": {"type": "string"},
        "imsx_codeMinor": {"type": "object"}}}
    status = {"$ref": "#/components/responses/StatusInfo"}
    paths: dict[str, Any] = {}
    for path, operation, payload, summary in _OPERATIONS:
        parameters: list[dict[str, Any]] = []
        if "{sourcedId}" in path:
            parameters.append({"name": "sourcedId", "in": "path", "required": True, "schema": {"type": "string"},
                               "description": "the object's identifier (a UUID, or the publisher's own)"})
        else:
            parameters += [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT}},
                {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
                {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(DOCUMENT_FIELDS)}},
                {"name": "orderBy", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
                {"name": "filter", "in": "query", "schema": {"type": "string"}},
                {"name": "fields", "in": "query", "schema": {"type": "string"}},
            ]
        paths[path] = {"get": {
            "operationId": operation, "summary": summary, "tags": ["CASE"], "parameters": parameters,
            "responses": {"200": {"description": summary, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{payload}"}}}},
                **{code: status for code in ("400", "404", "405", "429", "500")}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "CASE 1.1 service of this Jointbook platform", "version": "1.1",
                 "description": "The 1EdTech CASE 1.1 REST binding, read-only, over the library's standards."},
        "servers": [{"url": f"{base_url}{blueprint.url_prefix}"}],
        "paths": paths,
        "components": {"schemas": schemas, "responses": {"StatusInfo": {
            "description": "the refusal, as imsx_StatusInfo",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/imsx_StatusInfo"}}}}}},
    }


@blueprint.route("/discovery/imscasev1p1_openapi3_v1p0.json")
@public
def discovery():
    return _json(openapi_document(_base_url()))


@blueprint.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@blueprint.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@public
def unknown(rest: str):
    """Anything else under the service: CASE's 404 (or 405 for a write), never the platform's page."""
    if request.method != "GET":
        raise CaseRefusal(405, "forbidden", "the CASE service is read-only: only GET is allowed")
    raise CaseRefusal(404, "unknownobject", f"the CASE 1.1 service has no endpoint /{rest[:80]}", "endpoint")
