"""Crosswalks between standards, for programs: list, read one, propose one as a change request."""
from __future__ import annotations

from typing import Any

from flask_login import current_user

from materials.standards.crosswalk import Crosswalk, Match
from server.crosswalks import schemas, service
from server.database import db
from server.permissions import Ability, book_access, signed_in
from server.rest.registry import endpoint
from server.rest.schemas import BookName


def crosswalk_json(cw: Crosswalk) -> dict[str, Any]:
    return {"id": cw.id, "title": cw.title, "source": cw.source, "target": cw.target, "counts": cw.counts(),
            "matches": [{"source": m.source, "target": m.target, "kind": m.kind} for m in cw.matches]}


@endpoint("GET", "/crosswalks", summary="The library's crosswalks between standards (书证融通)",
          response=schemas.CrosswalkList, tags=["standards"])
@signed_in
def list_crosswalks() -> dict[str, Any]:
    entries = service.entries()
    return {"crosswalks": [crosswalk_json(e.crosswalk) for e in entries if e.crosswalk],
            "broken": [{"path": e.path, "code": e.problem.code, "message": str(e.problem)}
                       for e in entries if e.problem]}


@endpoint("GET", "/crosswalks/{ident}", summary="One crosswalk: which items of the source match which of the target",
          params={"ident": schemas.StandardId}, response=schemas.Crosswalk, tags=["standards"], errors=(404,))
@signed_in
def get_crosswalk(ident: str) -> dict[str, Any]:
    return crosswalk_json(service.crosswalk(ident))


@endpoint("POST", "/books/{book}/crosswalks", summary="Propose a crosswalk (new, or the whole of an edited one)",
          description="Opened as a change request on the book (branch cr/<n>); it joins the library when that is "
                      "approved and merged. Every unknown standard or item is named at once (422).",
          params={"book": BookName}, body=schemas.CrosswalkProposal, response=schemas.Proposed, status=201,
          tags=["standards"], errors=(404, 409, 422))
@book_access(Ability.maintain)
def propose_crosswalk(book: str, body: schemas.CrosswalkProposal) -> dict[str, Any]:
    cw = Crosswalk(body.source, body.target, body.title.strip(),
                   tuple(dict.fromkeys(Match(m.source, m.target, m.kind) for m in body.matches)))
    done = service.propose(cw, current_user, book)
    db().commit()
    return {"crosswalk": done.standard, "branch": done.branch, "commit": done.sha, "url": done.url}
