"""Importing a standard into the library: an uploaded CASE package or a filled sheet (CSV or .xlsx).

An import is first a dry run (``dry_run``): every problem of the file with
its place, the library's own objections (the edition is already there, or
already proposed in an open change request), and which items would be
created, changed or left alone. Only a clean dry run is imported. Imports
never write files: they become a commit on a draft branch (or on main where
the admin and the book's policy allow), through ``materials``, or a change
request on the book they are imported for, reviewed like any change.
"""
from __future__ import annotations
import dataclasses
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any
from cachetools import LRUCache
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from materials import MaterialsError, NotFound, Write
from materials.standards.case import MAX_IMPORT_BYTES, CaseTooLarge, check_case, parse_case_bytes
from materials.standards.reading import parse_standard
from materials.standards.report import ERROR, ImportReport, Problem, compare
from materials.standards.spreadsheet import sheet_report
from materials.standards.standard import STANDARD_ID, Standard
from materials.standards.writing import dump_standard
from server.change_requests.models import ACTIVE, ChangeRequest
from server.database import db
from server import landing
from server.audit.service import record
from server.change_requests.commits import commit_to_cr
from server.change_requests.lifecycle import open_cr
from server.errors import MESSAGES, UserError, describe, message_for
from server.library import library
from server.standards.service import STANDARDS_DIR, remember, standards


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
    if parse_standard(text, path, written_here=True) != std:  # never store what would read back differently
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
    for proposal in proposals(std.id):
        raise UserError("standard.proposed", status=409, standard=std.id, where=proposal.label)
    text = standard_yaml(std)
    message = f"Import the standard {std.id}\n\n{std.title}"
    remember(path, text, std)  # read back already: the catalog and the change request find it parsed
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


@dataclass(frozen=True)
class Proposal:
    """A standard file not yet on main: in an active change request, or on a draft import branch."""

    branch: str
    label: str  # "#12" or the branch name
    book: str | None = None
    number: int | None = None


def proposals(standard_id: str) -> list[Proposal]:
    """Where ``standards/<id>.yml`` is already proposed: every active change request (of any book) and every
    draft import branch holding it, so one document is not proposed twice."""
    lib = library()
    path = f"{STANDARDS_DIR}/{standard_id}.yml"
    found = proposed_at(path)
    for branch in sorted(lib.branches()):
        if branch.startswith("imports/") and branch.endswith(f"/{standard_id}") and lib.exists(branch, path):
            found.append(Proposal(branch, branch))
    return found


def proposed_at(path: str) -> list[Proposal]:
    """Every active change request (of any book) whose branch holds the library file ``path`` other than main
    holds it (a file main has too counts only where the change request changes it)."""
    lib = library()
    on_main = lib.entry(lib.resolve("main"), path)
    found = []
    rows = db().scalars(select(ChangeRequest).where(ChangeRequest.state.in_(ACTIVE)).order_by(ChangeRequest.number))
    for row in rows:
        try:
            held = lib.entry(lib.resolve(row.branch), path)
            if held is not None and (on_main is None or held.sha != on_main.sha):
                found.append(Proposal(row.branch, f"#{row.number}", row.book, row.number))
        except MaterialsError:
            continue
    return found


def renamed(std: Standard, standard_id: str) -> Standard:
    """The same content as a new standard ``standard_id`` (a new edition, or a copy kept apart): the
    publisher's identifiers stay with the original, so the copy is known by identifiers of its own."""
    def without_ids(case: Any) -> dict:
        return {k: (without_ids(v) if isinstance(v, dict) and k in ("CFDocument", "isChildOf") else v)
                for k, v in dict(case or {}).items() if k not in ("identifier", "uri")}

    items = tuple(dataclasses.replace(i, case=without_ids(i.case)) if getattr(i, "case", None) else i
                  for i in std.items)
    changes: dict[str, Any] = {"id": standard_id, "edition": standard_id.split("@", 1)[1], "items": items}
    if getattr(std, "case", None):
        changes["case"] = without_ids(std.case)
    if getattr(std, "associations", None):
        changes["associations"] = tuple(dataclasses.replace(a, case=without_ids(a.case)) for a in std.associations)
    return dataclasses.replace(std, **changes)


def check_upload(kind: str, raw: bytes, meta: dict[str, Any] | None = None,
                 standard_id: str | None = None) -> ImportReport:
    """What the file itself says, without the library: the standard it makes and every problem at its place
    (a JSON path, or a sheet's row and column). A given ``standard_id`` names the standard.

    The same bytes and fields always say the same, and a big sheet takes a second to read, so the report
    page and the confirmation reuse what the upload found (a copy: the dry run adds to it)."""
    key = (kind, hashlib.sha256(raw).hexdigest(), json.dumps(meta or {}, sort_keys=True, ensure_ascii=False),
           (standard_id or "").strip())
    with _checked_lock:
        found = _checked.get(key)
    if found is None:
        found = _check_upload(kind, raw, meta, standard_id)
        with _checked_lock:
            _checked[key] = found
    return ImportReport(source=found.source, standard=found.standard, problems=list(found.problems))


_checked: LRUCache = LRUCache(maxsize=8)
_checked_lock = threading.Lock()


def _check_upload(kind: str, raw: bytes, meta: dict[str, Any] | None, standard_id: str | None) -> ImportReport:
    standard_id = (standard_id or "").strip()
    if kind == "case":
        try:
            if len(raw) > MAX_IMPORT_BYTES:  # refused before anything is parsed
                raise CaseTooLarge("the file is too large", path="CASE package", limit=MAX_IMPORT_BYTES,
                                   size=len(raw))
            report = check_case(parse_case_bytes(raw), standard_id=standard_id or None)
        except MaterialsError as error:
            report = ImportReport(source="CASE")
            report.problems.append(Problem("package", error.code, error.message, ERROR, dict(error.params)))
    elif kind == "csv":
        report = sheet_report(raw, dict(meta or {}))
    else:
        raise UserError("request.invalid", status=422, detail=f"format: {kind}")
    std = report.standard
    if std is not None and standard_id and std.id != standard_id:
        if STANDARD_ID.match(standard_id):
            report.standard = renamed(std, standard_id)
        else:
            report.problems.append(Problem("standard_id", "standard.id_invalid",
                                           f"{standard_id!r} is not an id like slug@edition", ERROR,
                                           {"detail": standard_id}))
            report.standard = None
    if report.errors:
        report.standard = None
    return report


def dry_run(kind: str, raw: bytes, meta: dict[str, Any] | None = None,
            standard_id: str | None = None) -> ImportReport:
    """The whole dry run: the file's problems, the library's objections, and what would be created, changed,
    or left alone, compared with the same id on main or in a proposal, else with the edition it supersedes
    (or the standard it was renamed from)."""
    report = check_upload(kind, raw, meta, standard_id)
    std = report.standard
    if std is None:
        return report
    known = standards()
    if std.id in known:
        same = known[std.id] == std
        report.problems.append(Problem(
            "standard_id", "standard.unchanged" if same else "standard.exists",
            f"the library already has {std.id}" + (" exactly as in this file" if same else ""), ERROR,
            {"standard": std.id}))
        return compare(report, known[std.id])
    for proposal in proposals(std.id):
        report.problems.append(Problem("standard_id", "standard.proposed",
                                       f"{std.id} is already proposed in {proposal.label}", ERROR,
                                       {"standard": std.id, "where": proposal.label, "book": proposal.book,
                                        "number": proposal.number}))
        try:
            earlier = branch_standard(proposal.branch, std.id)
        except (MaterialsError, UserError):
            earlier = None
        return compare(report, earlier)
    earlier = next((known[s.id] for s in std.supersedes if s.id in known), None)
    return compare(report, earlier)


def standard_from_upload(kind: str, raw: bytes, meta: dict[str, Any] | None = None,
                         standard_id: str | None = None) -> Standard:
    """Read an uploaded CASE 1.0/1.1 package or a filled sheet (+ its metadata); the first problem raised
    (as its typed error) otherwise, carrying them all in ``problems``."""
    report = check_upload(kind, raw, meta, standard_id)
    if report.standard is not None:
        return report.standard
    first = report.errors[0]
    error = ReportedProblem(first.message, **{k: v for k, v in first.params.items() if k != "code"})
    error.code = first.code
    error.problems = list(report.problems)
    raise error


class ReportedProblem(MaterialsError):
    """The first problem of a dry run, raised where an import cannot go on; ``problems`` holds them all."""


def may_import_directly(user: Any, book: str) -> bool:
    """Straight onto main only for an administrator, and only where the book's policy allows direct
    commits (``server.landing``'s rule)."""
    return landing.may_import_directly(user, book, library())


def error_rows(error: BaseException) -> list[dict[str, Any]]:
    """Where (row / line / JSON place) and what, for the table of import errors."""
    params = getattr(error, "params", {}) or {}
    where = params.get("row") or getattr(error, "line", None) or params.get("where") or ""
    return [{"where": str(where), "code": getattr(error, "code", ""), "message": describe(error)}]


def problem_rows(report: ImportReport) -> list[dict[str, Any]]:
    """Every problem of a dry run for the report's table: place, severity, the message in the reader's language."""
    rows = []
    for p in report.problems:
        params = {**p.params, "detail": p.message}
        text = message_for(p.code, params) if p.code in MESSAGES else p.message
        rows.append({"where": place(p), "code": p.code, "severity": p.severity, "message": text})
    return rows


def place(problem: Problem) -> str:
    """Where to fix a problem, in the reader's language: a sheet's row and column, a field of the form, or the
    JSON path of a package (CASE's own names, as written)."""
    row, cell = problem.params.get("row"), problem.params.get("cell")
    if problem.where.startswith("row ") and row:
        return _("row %(row)s, column %(cell)s", row=row, cell=cell) if cell else _("row %(row)s", row=row)
    named = {"standard_id": _("Standard id"), "package": _("the whole package"), "CSV": _("the whole sheet")}
    return named.get(problem.where, problem.where)
