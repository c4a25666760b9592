"""A book's alignment to its standards, for programs: the same data the alignment pages show."""


from __future__ import annotations
from typing import Any
from flask_login import current_user
from server.alignment import capabilities as capability_view, migration as migrating, service as aligning
from server.api.registry import endpoint, ref, schema
from server.api.schemas import BOOK_PARAM
from server.database import db
from server.permissions import Ability, book_access


STANDARD_ID_PARAM = {"type": "string", "maxLength": 160}
KIND_QUERY = {"type": "string", "maxLength": 20}
LEVEL_QUERY = {"type": "string", "maxLength": 40}
# An applied migration is saved as a standard import is: the same answer (declared by the standards API).
MIGRATION_RESULT = ref("StandardImportResult")


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
    return capability_view.capabilities_json(aligning.book_alignment(book))


@endpoint("GET", "/books/{book}/alignment/migrations",
          summary="Migration proposals for the superseded editions the book declares",
          params={"book": BOOK_PARAM}, response=MIGRATION_LIST, tags=["alignment"], errors=(404,))
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
          params={"book": BOOK_PARAM, "standard_id": STANDARD_ID_PARAM},
          body={"type": "object", "additionalProperties": False, "properties": {"direct": {"type": "boolean"}}},
          response=MIGRATION_RESULT, status=201, tags=["alignment"], errors=(404, 409))
@book_access(Ability.write)
def apply_migration(book: str, standard_id: str, body: dict[str, Any]) -> dict[str, Any]:
    done = migrating.apply_migration(book, standard_id, current_user, bool(body.get("direct")))
    db().commit()
    out = {"standard": done.standard, "branch": done.branch, "commit": done.sha, "direct": done.direct}
    if done.url:
        out["url"] = done.url
    return out
