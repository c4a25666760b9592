"""Qualification standards, for programs: the same data the pages show."""


from __future__ import annotations
import json
from typing import Any
from flask import request
from flask_login import current_user
from materials.standards.writing import standard_to_data
from server.standards import exchange, imports, service as catalog
from server.rest.registry import endpoint
from server.rest.schemas import BookName, StandardId, StandardImportResult
from server.standards import schemas
from server.database import db
from server.library import book_title
from server.permissions import Ability, book_access, signed_in


def summary_json(std: Any, matched: tuple = ()) -> dict[str, Any]:
    out = {"id": std.id, "title": std.title, "scheme": std.scheme, "code": std.code, "edition": std.edition,
           "status": std.status, "issuer": std.issuer, "counts": catalog.counts(std)}
    if matched:
        out["matched_items"] = [{"key": i.key, "code": i.code, "kind": i.kind, "level": i.level, "text": i.text}
                                for i in matched]
    return out


@endpoint("GET", "/standards", summary="The standards catalog, or a search over titles and item texts",
          query=schemas.StandardSearch, response=schemas.StandardList, tags=["standards"],
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
          params={"standard_id": StandardId}, response=schemas.Standard, tags=["standards"], errors=(404,))
@signed_in
def get_standard(standard_id: str) -> dict[str, Any]:
    from materials.standards.case import document_identifier

    std = catalog.standard(standard_id)
    return {"standard": standard_to_data(std), "counts": catalog.counts(std),
            "editions": catalog.editions(std, catalog.standards()), "case_identifier": document_identifier(std)}


@endpoint("GET", "/standards/{standard_id}/export", summary="Download a standard as CASE 1.1 JSON, CSV or YAML",
          params={"standard_id": StandardId}, query=schemas.ExportFormat,
          tags=["standards"], errors=(404,))
@signed_in
def export_standard(standard_id: str, format: str):
    found = catalog.entry(standard_id)
    return exchange.export_response(found.standard, format, request.url_root.rstrip("/"), found)


@endpoint("POST", "/books/{book}/standards/import", summary="Import a standard (CASE package or CSV sheet)",
          description="Validated by the materials rules; saved as standards/<id>.yml on the draft branch "
                      "imports/<username>/<id>, or on main when an administrator asks for it and the book's "
                      "policy allows direct commits. Nothing is written when the input is refused.",
          params={"book": BookName}, body=schemas.StandardImport, response=StandardImportResult, status=201,
          tags=["standards"], errors=(404, 409, 413, 422))
@book_access(Ability.maintain)
def import_standard(book: str, body: schemas.StandardImport) -> dict[str, Any]:
    from flask import url_for

    book_title(book)  # 404 for an unknown book
    if body.format == "case":
        raw = json.dumps(body.package, ensure_ascii=False).encode("utf-8")
        std = imports.standard_from_upload("case", raw, standard_id=body.standard_id)
    else:
        std = imports.standard_from_upload("csv", body.sheet, body.meta or {})
    direct = body.direct and imports.may_import_directly(current_user, book)
    done = imports.import_standard(std, current_user, direct, book=book, source=body.format)
    db().commit()
    url = done.url or url_for("standards.show", standard_id=std.id, **({} if done.direct else {"branch": done.branch}))
    return {"standard": std.id, "branch": done.branch, "commit": done.sha, "direct": done.direct, "url": url}


@endpoint("POST", "/books/{book}/standards/import/check",
          summary="Dry run of an import: every problem at its place, what would be created, changed or left alone",
          description="The same body as the import. Nothing is saved; the answer says whether the import would be "
                      "accepted (ok) and lists every problem at once, with the library's own objections (the "
                      "edition already there, or already proposed in an open change request).",
          params={"book": BookName}, body=schemas.StandardImport, response=schemas.ImportCheck,
          tags=["standards"], errors=(404, 413, 422))
@book_access(Ability.maintain)
def check_import(book: str, body: schemas.StandardImport) -> dict[str, Any]:
    book_title(book)  # 404 for an unknown book
    if body.format == "case":
        raw = json.dumps(body.package, ensure_ascii=False).encode("utf-8")
        report = imports.dry_run("case", raw, standard_id=body.standard_id)
    else:
        report = imports.dry_run("csv", body.sheet, body.meta or {})
    out = report.as_dict()
    out["problems"] = [{k: row[k] for k in ("where", "code", "severity", "message")}
                       for row in imports.problem_rows(report)]
    return {k: out[k] for k in ("ok", "standard", "title", "problems", "created", "changed", "unchanged",
                                "removed", "replaces")}
