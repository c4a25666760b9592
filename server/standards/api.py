"""Qualification standards and book alignment, for programs: the same data the pages show."""


from __future__ import annotations
import base64
import binascii
import json
from typing import Any
from flask import request
from flask_login import current_user
from materials.standards.writing import standard_to_data
from server.alignment import service as aligning
from server.standards import service as catalog
from server.api.registry import endpoint, schema
from server.api.schemas import BOOK_PARAM
from server.audit.service import record
from server.database import db
from server.errors import UserError
from server.permissions import Ability, book_access, signed_in


STANDARD_ID_PARAM = {"type": "string", "maxLength": 160}
KIND_QUERY = {"type": "string", "maxLength": 20}
LEVEL_QUERY = {"type": "string", "maxLength": 40}

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
        "format": {"type": "string", "enum": list(catalog.IMPORT_FORMATS)},
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
ALIGNMENT = schema("Alignment", {
    "type": "object", "required": ["book", "revision", "standards", "levels", "chapters", "items"],
    "properties": {
        "book": {"type": "string"}, "title": {"type": "string"}, "revision": {"type": "string"},
        "standards": {"type": "array", "items": {"type": "object"}},
        "unknown_standards": {"type": "array", "items": {"type": "string"}},
        "levels": {"type": "array", "items": {"type": "object", "required": ["standard", "level", "covered", "total"],
                                              "properties": {"percent": {"type": ["number", "null"]}}}},
        "chapters": {"type": "array", "items": {"type": "object"}},
        "items": {"type": "array", "items": {"type": "object"}},
        "unresolved": {"type": "object"},
    },
})
CAPABILITIES = schema("Capabilities", {
    "type": "object", "required": ["book", "posts"],
    "properties": {"book": {"type": "string"}, "revision": {"type": "string"},
                   "posts": {"type": "array", "items": {"type": "object"}}},
})
MIGRATION = schema("Migration", {
    "type": "object", "required": ["old", "new", "items", "undecided"],
    "properties": {"old": {"type": "string"}, "new": {"type": "string"},
                   "undecided": {"type": "array", "items": {"type": "string"}},
                   "items": {"type": "array", "items": {"type": "object"}}},
})
MIGRATION_LIST = schema("MigrationList", {
    "type": "object", "required": ["book", "migrations"],
    "properties": {"book": {"type": "string"}, "migrations": {"type": "array", "items": MIGRATION}},
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
    from server.standards.views import export_response

    found = catalog.entry(standard_id)
    return export_response(found.standard, format, request.url_root.rstrip("/"), found)


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

    aligning.book_alignment(book)  # 404 for an unknown book
    if body["format"] == "case":
        if "package" not in body:
            raise UserError("request.invalid", status=422, detail="package: a CASE package is required")
        raw = json.dumps(body["package"], ensure_ascii=False).encode("utf-8")
        std = catalog.standard_from_upload("case", raw, standard_id=body.get("standard_id"))
    else:
        std = catalog.standard_from_upload("csv", _decode_sheet(body), body.get("meta") or {})
    direct = bool(body.get("direct")) and catalog.may_import_directly(current_user, book)
    done = catalog.import_standard(std, current_user, direct, book=book)
    record("standard.import", std.id, book=book, branch=done.branch, commit=done.sha, format=body["format"])
    db().commit()
    url = done.url or url_for("standards.show", standard_id=std.id, **({} if done.direct else {"branch": done.branch}))
    return {"standard": std.id, "branch": done.branch, "commit": done.sha, "direct": done.direct, "url": url}


@endpoint("GET", "/books/{book}/alignment", summary="The book's alignment: coverage per level and the matrix",
          params={"book": BOOK_PARAM},
          query={"standard": STANDARD_ID_PARAM, "level": LEVEL_QUERY, "kind": KIND_QUERY,
                 "gaps_first": {"type": "boolean", "default": True}},
          response=ALIGNMENT, tags=["alignment"], errors=(404,))
@book_access(Ability.read)
def get_alignment(book: str, standard: str | None, level: str | None, kind: str | None,
                  gaps_first: bool) -> dict[str, Any]:
    alignment = aligning.book_alignment(book)
    return aligning.matrix_json(alignment, aligning.matrix_rows(alignment, standard, level, kind, gaps_first))


@endpoint("GET", "/books/{book}/alignment/capabilities",
          summary="Post — capability — course: which chapters build each work area's capabilities",
          params={"book": BOOK_PARAM}, response=CAPABILITIES, tags=["alignment"], errors=(404,))
@book_access(Ability.read)
def get_capabilities(book: str) -> dict[str, Any]:
    return aligning.capabilities_json(aligning.book_alignment(book))


@endpoint("GET", "/books/{book}/alignment/migrations",
          summary="Migration proposals for the superseded editions the book declares",
          params={"book": BOOK_PARAM}, response=MIGRATION_LIST, tags=["alignment"], errors=(404,))
@book_access(Ability.read)
def list_migrations(book: str) -> dict[str, Any]:
    alignment = aligning.book_alignment(book)
    return {"book": book, "migrations": [aligning.migration_json(aligning.migration(alignment, old))
                                         for old in alignment.superseded if old in alignment.standards]}


@endpoint("POST", "/books/{book}/alignment/migrations/{standard_id}",
          summary="Apply a migration proposal: rewrite the chapters' item refs and book.yml's standards",
          description="Opened as a change request (branch cr/<n>) whose checks and reviews run as for any "
                      "edit, or committed on main when an administrator asks for it and the book allows direct "
                      "commits.",
          params={"book": BOOK_PARAM, "standard_id": STANDARD_ID_PARAM},
          body={"type": "object", "additionalProperties": False, "properties": {"direct": {"type": "boolean"}}},
          response=IMPORT_RESULT, status=201, tags=["alignment"], errors=(404, 409))
@book_access(Ability.write)
def apply_migration(book: str, standard_id: str, body: dict[str, Any]) -> dict[str, Any]:
    done = aligning.apply_migration(book, standard_id, current_user, bool(body.get("direct")))
    db().commit()
    out = {"standard": done.standard, "branch": done.branch, "commit": done.sha, "direct": done.direct}
    if done.url:
        out["url"] = done.url
    return out
