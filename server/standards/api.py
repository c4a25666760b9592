"""Qualification standards, for programs: the same data the pages show."""


from __future__ import annotations
import base64
import binascii
import json
from typing import Any
from flask import request
from flask_login import current_user
from materials.standards.writing import standard_to_data
from server.standards import exchange, imports, service as catalog
from server.api.registry import endpoint, schema
from server.api.schemas import BOOK_PARAM
from server.database import db
from server.errors import UserError
from server.library import book_title
from server.permissions import Ability, book_access, signed_in


STANDARD_ID_PARAM = {"type": "string", "maxLength": 160}

STANDARD_SUMMARY = schema("StandardSummary", {
    "type": "object",
    "required": ["id", "title", "scheme", "edition", "status", "counts"],
    "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "scheme": {"type": "string"},
        "code": {"type": "string"}, "edition": {"type": "string"}, "status": {"type": "string"},
        "issuer": {"type": "string"}, "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "matched_items": {"type": "array", "items": {"type": "object"}},
    },
})
STANDARD_LIST = schema("StandardList", {
    "type": "object", "required": ["standards"],
    "properties": {"standards": {"type": "array", "items": STANDARD_SUMMARY},
                   "broken": {"type": "array", "items": {"type": "object"}}},
})
STANDARD = schema("Standard", {
    "type": "object", "required": ["standard", "counts", "editions", "case_identifier"],
    "properties": {"standard": {"type": "object"}, "counts": {"type": "object"},
                   "editions": {"type": "object"}, "case_identifier": {"type": "string"}},
})
IMPORT_REQUEST = schema("StandardImport", {
    "type": "object", "required": ["format"], "additionalProperties": False,
    "properties": {
        "format": {"type": "string", "enum": list(imports.IMPORT_FORMATS)},
        "package": {"type": "object", "description": "a CASE 1.0/1.1 CFPackage (format case)"},
        "csv": {"type": "string", "description": "the filled sheet as text (format csv)"},
        "csv_base64": {"type": "string", "description": "the sheet's bytes, base64 (e.g. GBK from Excel)"},
        "meta": {"type": "object", "description": "id, title, scheme, edition, status, language, ... (format csv)"},
        "standard_id": {"type": "string", "maxLength": 160, "description": "id for a foreign CASE package"},
        "direct": {"type": "boolean", "description": "commit onto main (admins, where the book allows)"},
    },
})
IMPORT_RESULT = schema("StandardImportResult", {
    "type": "object", "required": ["standard", "branch", "commit", "direct"],
    "properties": {"standard": {"type": "string"}, "branch": {"type": "string"}, "commit": {"type": "string"},
                   "direct": {"type": "boolean"}, "url": {"type": "string"}},
})
def summary_json(std: Any, matched: tuple = ()) -> dict[str, Any]:
    out = {"id": std.id, "title": std.title, "scheme": std.scheme, "code": std.code, "edition": std.edition,
           "status": std.status, "issuer": std.issuer, "counts": catalog.counts(std)}
    if matched:
        out["matched_items"] = [{"key": i.key, "code": i.code, "kind": i.kind, "level": i.level, "text": i.text}
                                for i in matched]
    return out


@endpoint("GET", "/standards", summary="The standards catalog, or a search over titles and item texts",
          query={"q": {"type": "string", "maxLength": 200}}, response=STANDARD_LIST, tags=["standards"],
          errors=(503,))
@signed_in
def list_standards(q: str | None) -> dict[str, Any]:
    entries = catalog.entries()
    broken = [{"path": e.path, "code": e.problem.code, "message": str(e.problem)} for e in entries if e.problem]
    if q and q.strip():
        hits = catalog.search(q, [e.standard for e in entries if e.standard])
        return {"standards": [summary_json(h.standard, h.items) for h in hits], "broken": broken}
    return {"standards": [summary_json(e.standard) for e in entries if e.standard], "broken": broken}


@endpoint("GET", "/standards/{standard_id}", summary="One standard: all its fields, items and weights",
          params={"standard_id": STANDARD_ID_PARAM}, response=STANDARD, tags=["standards"], errors=(404,))
@signed_in
def get_standard(standard_id: str) -> dict[str, Any]:
    from materials.standards.case import case_identifier

    std = catalog.standard(standard_id)
    return {"standard": standard_to_data(std), "counts": catalog.counts(std),
            "editions": catalog.editions(std, catalog.standards()), "case_identifier": case_identifier(std.id)}


@endpoint("GET", "/standards/{standard_id}/export", summary="Download a standard as CASE 1.1 JSON, CSV or YAML",
          params={"standard_id": STANDARD_ID_PARAM},
          query={"format": {"type": "string", "enum": ["case", "csv", "yaml"], "default": "case"}},
          tags=["standards"], errors=(404,))
@signed_in
def export_standard(standard_id: str, format: str):
    found = catalog.entry(standard_id)
    return exchange.export_response(found.standard, format, request.url_root.rstrip("/"), found)


def _decode_sheet(body: dict[str, Any]) -> bytes:
    if "csv_base64" in body:
        try:
            return base64.b64decode(body["csv_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise UserError("request.invalid", status=422, detail="csv_base64: not base64") from None
    if "csv" not in body:
        raise UserError("request.invalid", status=422, detail="csv: a CSV sheet is required")
    return body["csv"].encode("utf-8")


@endpoint("POST", "/books/{book}/standards/import", summary="Import a standard (CASE package or CSV sheet)",
          description="Validated by the materials rules; saved as standards/<id>.yml on the draft branch "
                      "imports/<username>/<id>, or on main when an administrator asks for it and the book's "
                      "policy allows direct commits. Nothing is written when the input is refused.",
          params={"book": BOOK_PARAM}, body=IMPORT_REQUEST, response=IMPORT_RESULT, status=201,
          tags=["standards"], errors=(404, 409, 413, 422))
@book_access(Ability.maintain)
def import_standard(book: str, body: dict[str, Any]) -> dict[str, Any]:
    from flask import url_for

    book_title(book)  # 404 for an unknown book
    if body["format"] == "case":
        if "package" not in body:
            raise UserError("request.invalid", status=422, detail="package: a CASE package is required")
        raw = json.dumps(body["package"], ensure_ascii=False).encode("utf-8")
        std = imports.standard_from_upload("case", raw, standard_id=body.get("standard_id"))
    else:
        std = imports.standard_from_upload("csv", _decode_sheet(body), body.get("meta") or {})
    direct = bool(body.get("direct")) and imports.may_import_directly(current_user, book)
    done = imports.import_standard(std, current_user, direct, book=book, source=body["format"])
    db().commit()
    url = done.url or url_for("standards.show", standard_id=std.id, **({} if done.direct else {"branch": done.branch}))
    return {"standard": std.id, "branch": done.branch, "commit": done.sha, "direct": done.direct, "url": url}
