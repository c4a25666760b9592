"""Imports for programs: upload a Word document or a MkDocs project (multipart field ``file``), read
what it becomes, then confirm it (a change request opens) or cancel it."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import request, url_for
from flask_login import current_user
from pydantic import Field

from server.rest.registry import endpoint
from server.rest.schemas import BookName
from server.errors import UserError
from server.imports import schemas, service
from server.imports.report import entry_message, entry_place
from server.permissions import Ability, book_access

Kind = Literal["word", "mkdocs"]
Token = Annotated[str, Field(pattern=service.TOKEN.pattern)]
PARAMS = {"book": BookName, "kind": Kind, "token": Token}


def pending_json(pending: service.Pending) -> dict[str, Any]:
    c = pending.converted
    report = dict(pending.report)
    report["entries"] = [{**entry, "message": entry_message(entry), "where": entry_place(entry)}
                         for entry in report.get("entries", [])]
    return {"token": pending.token, "kind": pending.kind, "book": pending.book, "source": pending.source,
            "chapters": [{"filename": ch.filename, "title": ch.title, "part": ch.part, "images": list(ch.images)}
                         for ch in c.chapters],
            "images": [image.path for image in c.images],
            "parts": [{"title": p.title, "page": p.page, "chapters": list(p.chapters)} for p in c.navigation],
            "redirects": dict(pending.redirects), "report": report, "history": pending.history,
            "url": url_for("imports.report", book=pending.book, kind=pending.kind, token=pending.token)}


def _upload() -> tuple[str, bytes]:
    upload = request.files.get("file")
    if upload is None:
        raise UserError("request.invalid", status=422, detail="file: a multipart field named file is required")
    return upload.filename or "", upload.stream.read(service.upload_limit("mkdocs") + 1)


@endpoint("POST", "/books/{book}/imports/word", summary="Convert a Word document (multipart field `file`, "
          "optional `split_level` 1-6) into chapters of the book; nothing is saved until it is confirmed",
          params={"book": BookName}, response=schemas.PendingImport, status=201, tags=["imports"],
          errors=(404, 413, 415, 422, 503))
@book_access(Ability.write)
def import_word(book: str) -> dict[str, Any]:
    name, data = _upload()
    level = request.form.get("split_level", "1")
    if not level.isdigit() or not 1 <= int(level) <= 6:
        raise UserError("import.invalid", status=422)
    return pending_json(service.convert(current_user, book, name, data, int(level)))


@endpoint("POST", "/books/{book}/imports/mkdocs", summary="Convert a MkDocs project (multipart field `file`, a "
          ".zip of its folder or a git bundle of its repository; `history=1` with a bundle replays its commits on "
          "confirmation) into chapters of the book; nothing is saved until it is confirmed",
          params={"book": BookName}, response=schemas.PendingImport, status=201, tags=["imports"],
          errors=(404, 413, 415, 422, 503))
@book_access(Ability.write)
def import_mkdocs(book: str) -> dict[str, Any]:
    name, data = _upload()
    history = request.form.get("history", "0")
    if history not in ("0", "1", "true", "false"):
        raise UserError("import.invalid", status=422)
    return pending_json(service.convert_mkdocs(current_user, book, name, data, with_history=history in ("1", "true")))


@endpoint("GET", "/books/{book}/imports/{kind}/{token}", summary="An import waiting for my confirmation",
          params=PARAMS, response=schemas.PendingImport, tags=["imports"], errors=(404, 503))
@book_access(Ability.write)
def get_import(book: str, kind: str, token: str) -> dict[str, Any]:
    return pending_json(service.load(current_user, book, token, kind))


@endpoint("POST", "/books/{book}/imports/{kind}/{token}/confirm", summary="Confirm an import: a change request "
          "opens with its chapters, pictures and navigation, and the report in its description; with history, "
          "a JSON body `{\"sides\": {\"e-mail\": \"school\"}}` gives its authors' sides (else those proposed)",
          params=PARAMS, response=schemas.OpenedChangeRequest, status=201, tags=["imports"],
          errors=(404, 409, 422, 503))
@book_access(Ability.write)
def confirm_import(book: str, kind: str, token: str) -> dict[str, Any]:
    service.load(current_user, book, token, kind)
    body = request.get_json(silent=True) or {}
    sides = body.get("sides") if isinstance(body, dict) else None
    if sides is not None and not (isinstance(sides, dict) and all(isinstance(v, str) for v in sides.values())):
        raise UserError("request.invalid", status=422, detail="sides: an object of e-mail: side")
    cr = service.confirm(current_user, book, token, sides)
    return {"number": cr.number, "url": url_for("change_requests.show", book=book, number=cr.number)}


@endpoint("DELETE", "/books/{book}/imports/{kind}/{token}", summary="Cancel an import waiting for confirmation",
          params=PARAMS, status=204, tags=["imports"], errors=(404, 503))
@book_access(Ability.write)
def cancel_import(book: str, kind: str, token: str) -> None:
    service.load(current_user, book, token, kind)
    service.discard(current_user, book, token)
