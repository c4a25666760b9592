"""The conflict screen's content: each passage both people changed, rendered as students will read it,
with who wrote the other text and when; each front matter field both changed, as a field; and the
chapter text the author's choices make (``materials.passages``).

The screen posts back the author's own text, the commit they started from and the commit the
other text is in, so the passages are worked out again on the server and the choices cannot
write anything but the versions' own text or what the author typed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from materials import MaterialsError, NotFound, parse_chapter
from materials.passages import Collision, collide, resolve
from server.editing.preview import book_html

FIELD_LABELS = {
    "title": _l("Title"), "objectives": _l("Learning objectives"), "hours": _l("Teaching hours"),
    "summary": _l("Summary"), "standards": _l("Standard items this chapter teaches"),
    "sections": _l("Standard items by section"), "task": _l("Work task"), "front matter": _l("Chapter details"),
}


@dataclass(frozen=True)
class Writer:
    """Who last changed the other text of a passage, and when."""

    name: str
    side: str
    at: datetime | None


@dataclass(frozen=True)
class PassageView:
    number: int  # from 1, among the clashing passages
    theirs: str
    yours: str
    theirs_html: str
    yours_html: str
    writer: Writer | None


@dataclass(frozen=True)
class FieldView:
    key: str
    label: str
    theirs: str
    yours: str


@dataclass(frozen=True)
class ConflictView:
    passages: list[PassageView]
    fields: list[FieldView]
    title: str = ""  # the chapter's title, as the other text has it


def collision_of(lib: Any, path: str, origin: str, head: str, yours: str) -> Collision:
    """The collision between the author's text (started from ``origin``) and the chapter at ``head``."""
    base = _text(lib, origin, path)
    theirs = _text(lib, head, path)
    return collide(base, theirs, yours)


def view_of(lib: Any, book: str, path: str, branch: str, origin: str, head: str, collision: Collision) -> ConflictView:
    """What the screen shows of ``collision``: each passage rendered, with the writer of the other text."""
    blame = _blame(lib, head, path)
    latest = _latest_change(lib, origin, head, path)
    passages = []
    for number, passage in enumerate(collision.conflicts, 1):
        writer = latest
        lines = passage.theirs.count("\n") or (1 if passage.theirs else 0)
        touched = [blame[n] for n in range(passage.theirs_line, passage.theirs_line + lines) if n in blame]
        if touched:
            newest = max(touched, key=lambda b: b.authored_at)
            writer = Writer(newest.author_name, newest.side or "", newest.authored_at)
        passages.append(PassageView(number, passage.theirs, passage.yours, book_html(book, passage.theirs, branch),
                                    book_html(book, passage.yours, branch), writer))
    fields = [FieldView(f.key, str(FIELD_LABELS.get(f.key, f.key)), _shown(f.theirs), _shown(f.yours))
              for f in collision.fields]
    return ConflictView(passages, fields, _title(lib, head, path))


def resolved_text(collision: Collision, values: Any, prefix: str = "") -> str:
    """The chapter text of the choices posted: ``field-<key>``, ``choice-<n>`` and ``text-<n>`` (from 1),
    each name after ``prefix`` (the file's, on a screen of several files)."""
    fields = {f.key: values.get(f"{prefix}field-{f.key}", "mine") for f in collision.fields}
    count = len(collision.conflicts)
    choices = [values.get(f"{prefix}choice-{n}", "mine") for n in range(1, count + 1)]
    edited = [values.get(f"{prefix}text-{n}", "") for n in range(1, count + 1)]
    return resolve(collision, fields, choices, edited)


def _title(lib: Any, rev: str, path: str) -> str:
    try:
        return parse_chapter(lib.read_text(rev, path), path)[0].title
    except (NotFound, MaterialsError, ValueError):
        return ""


def _text(lib: Any, rev: str, path: str) -> str:
    try:
        return lib.read_text(rev, path) if rev else ""
    except (NotFound, MaterialsError):
        return ""


def _blame(lib: Any, head: str, path: str) -> dict[int, Any]:
    try:
        return {line.number: line for line in lib.blame(head, path)}
    except (NotFound, MaterialsError):
        return {}


def _latest_change(lib: Any, origin: str, head: str, path: str) -> Writer | None:
    """The newest commit that changed the chapter (for a passage they deleted: no line to blame)."""
    try:
        entries = lib.log(head, path, limit=1, follow=False)
    except (NotFound, MaterialsError):
        return None
    if not entries or entries[0].sha == origin:
        return None
    entry = entries[0]
    return Writer(entry.author_name, entry.side or "", entry.authored_at)


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (list, tuple)):
        return "\n".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return "\n".join(f"{k}: {_shown(v)}" for k, v in value.items())
    return str(value)
