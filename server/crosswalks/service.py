"""Crosswalks between the library's standards (书证融通): read them, and propose one as a change request.

A crosswalk is a file of the library (``crosswalks/<source>~<target>.yml``,
``materials.standards.crosswalk``); it is created and edited the way a
standard is imported: as a commit in a change request on a book, reviewed and
merged like any change. Each file is parsed once per blob id.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache, cached
from flask_babel import gettext as _

from materials import MaterialsError, Write
from materials.standards.crosswalk import (CROSSWALKS_DIR, Crosswalk, check_crosswalk, crosswalk_path, dump_crosswalk,
                                           is_crosswalk_path, ordered, parse_crosswalk, split_id)
from server.audit.service import record
from server.change_requests.commits import commit_to_cr
from server.change_requests.lifecycle import open_cr
from server.change_requests.service import cr_url
from server.errors import UserError
from server.library import library
from server.standards.imports import Imported, proposed_at
from server.standards.service import standards


@dataclass(frozen=True)
class CrosswalkEntry:
    """One crosswalk file of the library: parsed, or the problem that keeps it from parsing."""

    path: str
    crosswalk: Crosswalk | None
    problem: MaterialsError | None = None


@cached(LRUCache(maxsize=256), key=lambda lib, path, blob: blob + path, lock=threading.Lock())
def _parse(lib: Any, path: str, blob: str) -> Crosswalk | MaterialsError:
    try:
        return parse_crosswalk(lib.objects.read(blob)[1], path)
    except MaterialsError as exc:
        return exc


def entries(rev: str = "main") -> list[CrosswalkEntry]:
    """Every crosswalk file on ``rev``, by file name; broken files come with their problem."""
    lib = library()
    out = []
    for path, blob in sorted(lib.files(rev, CROSSWALKS_DIR).items()):
        if not is_crosswalk_path(path):
            continue
        parsed = _parse(lib, path, blob)
        out.append(CrosswalkEntry(path, parsed, None) if isinstance(parsed, Crosswalk)
                   else CrosswalkEntry(path, None, parsed))
    return out


def crosswalks(rev: str = "main") -> dict[str, Crosswalk]:
    """Crosswalk id -> crosswalk, for every file on ``rev`` that parses."""
    return {e.crosswalk.id: e.crosswalk for e in entries(rev) if e.crosswalk is not None}


def crosswalk(ident: str, rev: str = "main") -> Crosswalk:
    """One crosswalk (404 ``crosswalk.not_found`` when the library has none by that id)."""
    found = crosswalks(rev).get(ident)
    if found is None:
        raise UserError("crosswalk.not_found", status=404, crosswalk=ident)
    return found


def between(source: str, target: str, rev: str = "main") -> Crosswalk | None:
    """The crosswalk from ``source`` to ``target`` on ``rev``, if there is one."""
    return crosswalks(rev).get(f"{source}~{target}")


def checked(cw: Crosswalk) -> Crosswalk:
    """``cw`` in the source standard's order, every problem against the library raised at once (422)."""
    known = standards()
    problems = check_crosswalk(cw, known)
    if problems:
        error = UserError("crosswalk.invalid", status=422, detail="; ".join(p.message for p in problems[:20]))
        error.problems = problems  # type: ignore[attr-defined]
        raise error
    return ordered(cw, known[cw.source], known[cw.target])


def propose(cw: Crosswalk, user: Any, book: str) -> Imported:
    """Open a change request on ``book`` that writes the crosswalk file (a new one, or the edit of one on main).

    Refused when an open change request already proposes the same file: review that one first."""
    split_id(cw.id)
    cw = checked(cw)
    path = crosswalk_path(cw.id)
    for proposal in proposed_at(path):
        raise UserError("crosswalk.proposed", status=409, crosswalk=cw.id, where=proposal.label)
    text = dump_crosswalk(cw)
    if parse_crosswalk(text, path) != cw:  # never store something that would read back differently
        raise UserError("crosswalk.round_trip", status=422, crosswalk=cw.id)
    lib = library()
    main = lib.resolve("main")
    editing = lib.exists(main, path)
    if editing and lib.read(main, path).decode("utf-8") == text:
        raise UserError("crosswalk.unchanged", status=409, crosswalk=cw.id)
    known = standards()
    names = f"{known[cw.source].title} → {known[cw.target].title}"
    title = (_("Edit the crosswalk %(title)s", title=cw.title or names) if editing
             else _("Add the crosswalk %(title)s", title=cw.title or names))
    counts = cw.counts()
    description = f"{names}\n\nexact: {counts['exact']}, partial: {counts['partial']}, related: {counts['related']}"
    row = open_cr(user, book, title, description)
    saved = commit_to_cr(user, row, [Write(path, text)], f"{'Edit' if editing else 'Add'} the crosswalk {cw.id}\n\n"
                         + description)
    record("crosswalk.propose", cw.id, book=book, branch=row.branch, commit=saved.sha)
    return Imported(cw.id, row.branch, saved.sha, False, url=cr_url(row))
