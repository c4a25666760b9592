"""A chapter as the editor opens and saves it: read at the commit the author starts from, saved on
top of that commit (merged with what others changed since, or refused with every version of the
text when the edits overlap), its front matter from the form's fields.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from materials import (EditConflict, FrontMatter, MaterialsError, NotFound, Saved, Write, chapter_path,
                       normalise_text, parse_chapter, revise_chapter, serialize_chapter)
from materials.frontmatter import parse_front_matter
from server.editing import commit_messages
from server.editing.written_files import check_chapter_text
from server.errors import UserError, describe
from server.landing import commit_on, read_revision


@dataclass(frozen=True)
class ChapterText:
    """A chapter as the editor opens it: what it says, and the commit it was read at."""

    book: str
    filename: str
    branch: str
    base: str
    text: str
    meta: FrontMatter
    body: str
    problem: str | None = None


def open_chapter(lib: Any, book: str, filename: str, branch: str) -> ChapterText:
    path = chapter_path(book, filename)
    base = read_revision(lib, branch)
    try:
        text = lib.read_text(base, path)
    except NotFound:
        raise UserError("chapter.not_found", status=404, chapter=filename) from None
    try:
        meta, body = parse_chapter(text, path)
        problem = None
    except MaterialsError as error:
        meta, body, problem = FrontMatter(title=filename[:-3]), text, str(error)
    return ChapterText(book, filename, branch, base, text, meta, body, problem)


# The front matter the editor's form (and the API's ``front_matter``) shows and sends back.
FORM_FIELDS = ("title", "objectives", "hours", "summary", "standards", "sections")


def front_matter_from(fields: dict[str, Any], path: str) -> FrontMatter:
    """Validate the front-matter form (title, objectives, hours, summary, standards) as the library would."""
    data: dict[str, Any] = {"title": (fields.get("title") or "").strip()}
    objectives = [o.strip() for o in fields.get("objectives") or [] if o and o.strip()]
    if objectives:
        data["objectives"] = objectives
    standards = list(dict.fromkeys(s.strip() for s in fields.get("standards") or [] if s and s.strip()))
    if standards:
        data["standards"] = standards
    summary = normalise_text(fields.get("summary") or "").strip()
    if summary:
        data["summary"] = summary
    hours = fields.get("hours")
    if hours not in (None, ""):
        try:
            number = float(hours)
        except (TypeError, ValueError):
            raise UserError("chapter.hours", status=422, hours=str(hours)[:20]) from None
        data["hours"] = int(number) if number.is_integer() else number
    sections = fields.get("sections")
    if sections:
        data["sections"] = sections

    class _NoLines:
        def of(self, *where: Any) -> None:
            return None

    return parse_front_matter(data, path, _NoLines())


def sections_from_json(raw: str | None) -> dict[str, list[str]]:
    """The heading -> items map the form carries through unchanged (hidden field)."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        raise UserError("request.invalid", status=422, detail="sections") from None
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(i, str) for i in v) for k, v in value.items()):
        raise UserError("request.invalid", status=422, detail="sections")
    return value


def _body(body: str, previous_body: str | None = None) -> str:
    """The posted body with a blank line after the front matter, as the chapter had it.

    A browser drops the newline that opens a textarea's text, so the body comes
    back without the blank line it was shown with; it is put back unless the
    chapter had none.
    """
    body = normalise_text(body)
    if body and not body.startswith("\n") and (previous_body is None or previous_body.startswith("\n")):
        body = "\n" + body
    return body


def chapter_text(meta: FrontMatter, body: str) -> str:
    """A new chapter's file: canonical front matter, then the body."""
    return serialize_chapter(meta, _body(body))


def _base_of(lib: Any, base: str, path: str, filename: str) -> str:
    try:
        base = lib.resolve(base)
    except MaterialsError:
        raise UserError("edit.base", status=422, base=str(base)[:50]) from None
    if not lib.exists(base, path):
        raise UserError("chapter.not_found", status=404, chapter=filename)
    return base


def _title_in(text: str, path: str, filename: str) -> str:
    try:
        return parse_chapter(text, path)[0].title or filename
    except MaterialsError:
        return filename


def save_chapter(lib: Any, user: Any, book: str, filename: str, branch: str, text: str, base: str,
                 message: str | None = None) -> Saved:
    """Commit the author's whole text on top of ``base``; ``EditConflict`` (nothing written) on overlap."""
    path = chapter_path(book, filename)
    text = check_chapter_text(text, path)
    base = _base_of(lib, base, path, filename)
    message = (message or "").strip() or commit_messages.edited(_title_in(text, path, filename))
    return commit_on(lib, user, branch, [Write(path, text)], message[:500], base)


def save_chapter_fields(lib: Any, user: Any, book: str, filename: str, branch: str, meta: FrontMatter, body: str,
                        base: str, message: str | None = None) -> Saved:
    """Commit the editor form's fields and body on top of ``base``.

    Written over the chapter as it was at ``base``, so the front matter lines
    of fields the author did not change stay as they were: opening and saving
    makes no commit, and one changed field is one changed line. Keys the form
    does not show (a work task's ``task:`` sheets) are carried through as the
    chapter had them.
    """
    path = chapter_path(book, filename)
    base = _base_of(lib, base, path, filename)
    previous = normalise_text(lib.read_text(base, path))
    try:
        previous_meta, previous_body = parse_chapter(previous, path)
    except MaterialsError:
        previous_body = None
    else:
        meta = dataclasses.replace(meta, **{f.name: getattr(previous_meta, f.name)
                                            for f in dataclasses.fields(FrontMatter) if f.name not in FORM_FIELDS})
    text = revise_chapter(previous, meta, _body(body, previous_body))
    return save_chapter(lib, user, book, filename, branch, text, base, message)


def saved_json(saved: Saved | None, branch: str, **extra: Any) -> dict[str, Any]:
    """What a save answers, to the API and to the editor's own script alike."""
    return {"sha": saved.sha if saved else "", "branch": branch, "merged": bool(saved and saved.merged_paths),
            "unchanged": bool(saved is None or saved.unchanged), **extra}


def conflict_json(conflict: EditConflict) -> dict[str, Any]:
    """The error a 409 answers with: every version of the text, so the caller never loses what it sent."""
    return {
        "code": conflict.code,
        "message": describe(conflict),
        "details": {"head": conflict.head, "conflicts": [
            {"path": c.path, "base": c.base, "theirs": c.theirs, "yours": c.yours, "merged": c.merged}
            for c in conflict.conflicts]},
    }
