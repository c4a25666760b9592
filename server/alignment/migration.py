"""Moving a book from a superseded edition of a standard to the one that replaces it.

A proposal maps the old edition's items in use to the new one's; applying it
rewrites the chapters' item refs and book.yml's standards in one change,
opened as a change request (or, where allowed, committed on main) like a
standard import.
"""


from __future__ import annotations
import re
from dataclasses import dataclass, replace
from typing import Any
from materials import Write, parse_chapter, revise_chapter
from materials.books import parse_book_config
from materials.standards.crosswalk import exact_mapping
from materials.standards.editions import migration_proposal
from materials.standards.item_refs import partition_refs
from materials.standards.standard import Standard
from server import landing
from server.alignment.service import BookAlignment, book_alignment
from server.audit.service import record
from server.change_requests import commits, lifecycle, service as change_requests
from server.errors import UserError
from server.library import library
from server.standards.imports import Imported


@dataclass(frozen=True)
class MigrationRow:
    old_key: str
    old_text: str
    new_keys: tuple[str, ...]
    chapters: tuple[str, ...]


@dataclass(frozen=True)
class Migration:
    """Move a book from the superseded edition ``old`` to ``new``: the item mapping for the items in use."""

    old: Standard
    new: Standard
    rows: tuple[MigrationRow, ...]

    @property
    def undecided(self) -> list[str]:
        return [r.old_key for r in self.rows if not r.new_keys]


def migration(alignment: BookAlignment, old_id: str) -> Migration:
    """The proposal for the declared edition ``old_id`` (404 when nothing supersedes it); a crosswalk between
    the two editions in the library gives its exact matches."""
    new_id = alignment.superseded.get(old_id)
    if new_id is None or old_id not in alignment.standards:
        raise UserError("alignment.not_superseded", status=404, standard=old_id)
    old, new = alignment.standards[old_id], alignment.all_standards[new_id]
    crosswalks = list(alignment.crosswalks.values())
    proposal = migration_proposal(old, new, exact_mapping(crosswalks, old.id, new.id))
    rows = []
    for item in old.items:
        chapters = tuple(alignment.coverage.by_item.get((old_id, item.key), ()))
        if chapters:
            rows.append(MigrationRow(item.key, item.text, tuple(proposal.get(item.key, ())), chapters))
    return Migration(old, new, tuple(rows))


def migration_json(m: Migration) -> dict[str, Any]:
    return {"old": m.old.id, "new": m.new.id, "undecided": m.undecided,
            "items": [{"old": r.old_key, "text": r.old_text, "new": list(r.new_keys), "chapters": list(r.chapters)}
                      for r in m.rows]}


def _id_pattern(standard_id: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z0-9.@-])" + re.escape(standard_id) + r"(?![A-Za-z0-9.@-])")


def migration_changes(alignment: BookAlignment, m: Migration) -> list[Write]:
    """The file writes that apply ``m``: every chapter's refs rewritten, book.yml's standards list updated."""
    lib = library()
    book = alignment.book
    if m.new.id in alignment.declared:
        raise UserError("alignment.migration_declared", status=409, standard=m.new.id)
    declared_after = [m.new.id if sid == m.old.id else sid for sid in alignment.declared]
    qualified = len(declared_after) > 1
    mapping = {r.old_key: r.new_keys for r in m.rows if r.new_keys}

    def rewrite(refs: tuple[str, ...]) -> tuple[str, ...]:
        out: list[str] = []
        for ref in refs:
            resolved, _bad = partition_refs([ref], alignment.standards)
            if resolved and resolved[0][0] == m.old.id and resolved[0][1] in mapping:
                out.extend(f"{m.new.id}:{k}" if qualified else k for k in mapping[resolved[0][1]])
            else:
                out.append(ref)
        return tuple(dict.fromkeys(out))

    changes: list[Write] = []
    for chapter in alignment.chapters:
        if not any(chapter.filename in r.chapters for r in m.rows):
            continue
        path = f"books/{book}/chapters/{chapter.filename}"
        text = lib.read(alignment.rev, path).decode("utf-8")
        meta, body = parse_chapter(text, path)
        updated = replace(meta, standards=rewrite(meta.standards),
                          sections={anchor: rewrite(refs) for anchor, refs in meta.sections.items()})
        if updated != meta:
            changes.append(Write(path, revise_chapter(text, updated, body)))
    book_path = f"books/{book}/book.yml"
    text = lib.read(alignment.rev, book_path).decode("utf-8")
    new_text = _id_pattern(m.old.id).sub(m.new.id, text)
    if tuple(parse_book_config(new_text, book_path).standards) != tuple(declared_after):
        raise UserError("alignment.migration_book_yml", status=409, book=book)
    changes.append(Write(book_path, new_text))
    return changes


def may_migrate_directly(user: Any, book: str) -> bool:
    """A migration goes straight onto main where a standard import would (``server.landing``'s rule)."""
    return landing.may_import_directly(user, book, library())


def apply_migration(book: str, old_id: str, user: Any, direct: bool = False) -> Imported:
    """Commit the migration of ``book`` off ``old_id`` as a change request (or onto main where allowed).

    The change request is opened through ``server.change_requests`` so its
    checks (alignment among them) and reviews run as for any edit.
    """
    alignment = book_alignment(book)
    m = migration(alignment, old_id)
    changes = migration_changes(alignment, m)
    direct = direct and may_migrate_directly(user, book)
    lines = [f"- {r.old_key} → {', '.join(r.new_keys) or '(decide by hand)'}" for r in m.rows]
    title = f"Move {book} from {m.old.id} to {m.new.id}"
    message = title + "\n\n" + "\n".join(lines)
    if direct:
        saved = landing.commit_on(library(), user, landing.MAIN, changes, message, alignment.rev)
        done = Imported(m.new.id, landing.MAIN, saved.sha, True)
    else:
        row = lifecycle.open_cr(user, book, title, "\n".join(lines))
        saved = commits.commit_to_cr(user, row, changes, message, base=alignment.rev)
        done = Imported(m.new.id, row.branch, saved.sha, False, change_requests.cr_url(row))
    record("alignment.migrate", book, old=m.old.id, new=m.new.id, branch=done.branch, commit=done.sha)
    return done
