"""An MkDocs import's history on its change request: the source's commits written onto the change
request's branch one by one, then the import's own last commit.

Who wrote what comes from the source, whose side from the sides the importer
chose (``sides``: e-mail -> ``school``, ``enterprise`` or ``unknown``); the
person importing is the committer of every replayed commit. Each commit's files
pass the same checks as any save to the book.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, select

from materials import MaterialsError
from materials.imports.mkdocs_history import UNKNOWN_SIDE, SourceHistory, authors, completing_changes, open_clone, replay
from server.accounts.models import SIDES, User
from server.accounts.service import git_author
from server.database import db
from server.editing.written_files import check_written_files
from server.errors import UserError
from server.library import library



def side_choices() -> tuple[str, ...]:
    """The sides of the library (``library.yml``), and ``unknown``."""
    try:
        sides = tuple(library().library_config().sides)
    except MaterialsError:
        sides = SIDES
    return (*sides, UNKNOWN_SIDE)


def found_authors(history: SourceHistory, files: dict[str, bytes]) -> list[dict[str, Any]]:
    """The source's authors with the side to propose: an account's with the same e-mail, else unknown."""
    found = authors(history, files)
    emails = [a.email for a in found]
    known = dict(db().execute(select(func.lower(User.email), User.side)
                              .where(func.lower(User.email).in_(emails))).all()) if emails else {}
    return [{"name": a.name, "email": a.email, "commits": a.commits, "side": known.get(a.email, UNKNOWN_SIDE)}
            for a in found]


def checked_sides(sides: dict[str, str]) -> dict[str, str]:
    """The importer's mapping, e-mails in lower case; a side that is none of the platform's is a 422."""
    out, choices = {}, side_choices()
    for email, side in (sides or {}).items():
        side = str(side or UNKNOWN_SIDE).strip().lower()
        if side not in choices:
            raise UserError("import.side_invalid", status=422, email=str(email)[:200], side=side[:40],
                            sides=", ".join(choices))
        out[str(email).strip().lower()] = side
    return out


def replay_onto(user: Any, row: Any, git_dir: Path, *, source: str, sides: dict[str, str],
                progress: Callable[[int], None] | None = None) -> tuple[list, str]:
    """Write the source's commits onto change request ``row``'s branch; the changes of the import's
    last commit (to save with ``commit_to_cr``) and the head they go on."""
    lib = library()
    book = row.book
    config = lib.book(book, row.base, chapters=False).config
    existing = list(lib.files(row.base, f"books/{book}/"))
    history = open_clone(git_dir)
    try:
        final, commits = replay(history, book=book, source=source, sides=sides, book_config=config,
                                existing=existing)
        committer = git_author(user)
        head = lib.branch_head(row.branch) or row.base
        written: set[str] = set()
        for number, commit in enumerate(commits, start=1):
            changes = check_written_files(book, list(commit.changes))
            head = lib.commit(row.branch, changes, commit.author, commit.message[:20000], base=head,
                              authored_at=commit.authored_at, committer=committer).sha
            written |= {c.path for c in changes}
            if progress:
                progress(number)
        return completing_changes(final, lib.read_text(row.base, f"books/{book}/book.yml"), written), head
    finally:
        history.close()

