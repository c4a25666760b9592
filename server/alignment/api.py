"""A book's alignment to its standards, for programs: the same data the alignment pages show."""


from __future__ import annotations
from typing import Any
from flask_login import current_user
from server.alignment import capabilities as capability_view, migration as migrating, service as aligning
from server.rest.registry import endpoint
from server.rest.schemas import BookName, StandardId, StandardImportResult
from server.alignment import schemas
from server.database import db
from server.permissions import Ability, book_access


@endpoint("GET", "/books/{book}/alignment", summary="The book's alignment: coverage per level and the matrix",
          params={"book": BookName}, query=schemas.AlignmentFilter, response=schemas.Alignment, tags=["alignment"],
          errors=(404,))
@book_access(Ability.read)
def get_alignment(book: str, standard: str | None, level: str | None, kind: str | None,
                  gaps_first: bool) -> dict[str, Any]:
    alignment = aligning.book_alignment(book)
    return aligning.matrix_json(alignment, aligning.matrix_rows(alignment, standard, level, kind, gaps_first))


@endpoint("GET", "/books/{book}/alignment/capabilities",
          summary="Post — capability — course: which chapters build each work area's capabilities",
          params={"book": BookName}, response=schemas.Capabilities, tags=["alignment"], errors=(404,))
@book_access(Ability.read)
def get_capabilities(book: str) -> dict[str, Any]:
    return capability_view.capabilities_json(aligning.book_alignment(book))


@endpoint("GET", "/books/{book}/alignment/certificates",
          summary="The 书证融通 matrix: each certificate item, its matches in other standards, the chapters covering it",
          params={"book": BookName}, response=schemas.Certificates, tags=["alignment"], errors=(404,))
@book_access(Ability.read)
def get_certificates(book: str) -> dict[str, Any]:
    alignment = aligning.book_alignment(book)
    return aligning.certificate_json(alignment, aligning.certificate_matrix(alignment))


@endpoint("GET", "/books/{book}/alignment/migrations",
          summary="Migration proposals for the superseded editions the book declares",
          params={"book": BookName}, response=schemas.MigrationList, tags=["alignment"], errors=(404,))
@book_access(Ability.read)
def list_migrations(book: str) -> dict[str, Any]:
    alignment = aligning.book_alignment(book)
    return {"book": book, "migrations": [migrating.migration_json(migrating.migration(alignment, old))
                                         for old in alignment.superseded if old in alignment.standards]}


@endpoint("POST", "/books/{book}/alignment/migrations/{standard_id}",
          summary="Apply a migration proposal: rewrite the chapters' item refs and book.yml's standards",
          description="Opened as a change request (branch cr/<n>) whose checks and reviews run as for any "
                      "edit, or committed on main when an administrator asks for it and the book allows direct "
                      "commits.",
          params={"book": BookName, "standard_id": StandardId}, body=schemas.MigrationRequest,
          response=StandardImportResult, status=201, tags=["alignment"], errors=(404, 409))
@book_access(Ability.write)
def apply_migration(book: str, standard_id: str, body: schemas.MigrationRequest) -> dict[str, Any]:
    done = migrating.apply_migration(book, standard_id, current_user, body.direct)
    db().commit()
    out = {"standard": done.standard, "branch": done.branch, "commit": done.sha, "direct": done.direct}
    if done.url:
        out["url"] = done.url
    return out
