"""Importing a standard into the library: an uploaded CASE package or a filled CSV sheet.

Imports never write files: they become a commit on a draft branch (or on
main where the admin and the book's policy allow), through ``materials``,
or a change request on the book they are imported for, reviewed like any
change.
"""
from __future__ import annotations
from dataclasses import dataclass
from typing import Any
from flask import url_for
from flask_babel import gettext as _
from materials import NotFound, Write
from materials.standards.case import MAX_IMPORT_BYTES, CaseTooLarge, load_case_bytes
from materials.standards.reading import parse_standard
from materials.standards.spreadsheet import standard_from_csv
from materials.standards.standard import Standard
from materials.standards.writing import dump_standard
from server import landing
from server.audit.service import record
from server.change_requests.commits import commit_to_cr
from server.change_requests.lifecycle import open_cr
from server.errors import UserError, describe
from server.library import library
from server.standards.service import STANDARDS_DIR, standards


IMPORT_BRANCH = "imports/{username}/{standard}"


@dataclass(frozen=True)
class Imported:
    """Where an imported standard went: ``main`` (direct) or a draft branch to review."""

    standard: str
    branch: str
    sha: str
    direct: bool
    url: str | None = None  # the change request's page, when it went into one


def standard_yaml(std: Standard) -> str:
    """The file an imported standard is saved as (read back to prove it round-trips)."""
    text = dump_standard(std)
    path = f"{STANDARDS_DIR}/{std.id}.yml"
    if parse_standard(text, path) != std:  # never store something that would read back differently
        raise UserError("standard.import_round_trip", status=422, standard=std.id)
    return text


def import_standard(std: Standard, user: Any, direct: bool, book: str | None = None, *, source: str) -> Imported:
    """Save ``std`` as ``standards/<id>.yml``: on main when ``direct``, else as a change request.

    An edition is immutable: an id already on main is refused. Imported for a
    book, it arrives as a change request on that book, reviewed like any
    change; without a book, on the draft branch ``imports/<username>/<id>``.
    The import is audited with its ``source`` format (``case`` or ``csv``).
    """
    done = _save(std, user, direct, book)
    record("standard.import", std.id, book=book, branch=done.branch, commit=done.sha, format=source)
    return done


def _save(std: Standard, user: Any, direct: bool, book: str | None) -> Imported:
    lib = library()
    path = f"{STANDARDS_DIR}/{std.id}.yml"
    main = lib.resolve("main")
    if lib.exists(main, path) or std.id in standards():
        raise UserError("standard.exists", status=409, standard=std.id)
    text = standard_yaml(std)
    message = f"Import the standard {std.id}\n\n{std.title}"
    if not direct and book is not None:
        cr = open_cr(user, book, _("Import the standard %(id)s", id=std.id), std.title)
        saved = commit_to_cr(user, cr, [Write(path, text)], message)
        return Imported(std.id, cr.branch, saved.sha, False,
                        url=url_for("change_requests.show", book=book, number=cr.number))
    branch = IMPORT_BRANCH.format(username=user.username, standard=std.id)
    base = main if direct else (lib.branch_head(branch) or main)
    return commit_proposal([Write(path, text)], user, branch, message, direct, subject=std.id, base=base)


def commit_proposal(changes: list, user: Any, branch: str, message: str, direct: bool, subject: str = "", *,
                    base: str) -> Imported:
    """One commit of ``changes`` made against ``base``: on main when ``direct``, else on the draft
    ``branch`` (created from main)."""
    branch = landing.MAIN if direct else branch
    saved = landing.commit_on(library(), user, branch, changes, message, base)
    return Imported(subject, branch, saved.sha, direct)


def branch_standard(branch: str, standard_id: str) -> Standard:
    """A standard as it stands on a draft branch (to show an import before it is merged)."""
    lib = library()
    path = f"{STANDARDS_DIR}/{standard_id}.yml"
    try:
        return parse_standard(lib.read(branch, path), path)
    except NotFound:
        raise UserError("standard.not_found", status=404, standard=standard_id) from None


IMPORT_FORMATS = ("case", "csv")


def standard_from_upload(kind: str, raw: bytes, meta: dict[str, Any] | None = None,
                         standard_id: str | None = None) -> Standard:
    """Read an uploaded CASE 1.0/1.1 package or a filled CSV sheet (+ its metadata); typed errors otherwise."""
    if kind == "case":
        if len(raw) > MAX_IMPORT_BYTES:  # refused before anything is parsed
            raise CaseTooLarge("the file is too large", path="CASE package", limit=MAX_IMPORT_BYTES, size=len(raw))
        return load_case_bytes(raw, standard_id=standard_id or None)
    if kind == "csv":
        return standard_from_csv(raw, dict(meta or {}))
    raise UserError("request.invalid", status=422, detail=f"format: {kind}")


def may_import_directly(user: Any, book: str) -> bool:
    """Straight onto main only for an administrator, and only where the book's policy allows direct
    commits (``server.landing``'s rule)."""
    return landing.may_import_directly(user, book, library())


def error_rows(error: BaseException) -> list[dict[str, Any]]:
    """Where (row / line / JSON place) and what, for the table of import errors."""
    params = getattr(error, "params", {}) or {}
    where = params.get("row") or getattr(error, "line", None) or params.get("where") or ""
    return [{"where": str(where), "code": getattr(error, "code", ""), "message": describe(error)}]
