"""A book's structure as the editor changes it: parts and chapters created, renamed, moved and
deleted in ``book.yml``'s navigation, each change one commit on top of the branch's head.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Callable

from materials import Delete, EditConflict, NotFound, Rename, Saved, Write, chapter_path
from materials.books import parse_book_config
from materials.paths import validate_chapter_name
from materials.yamlfile import dump_yaml, load_yaml
from server.editing import commit_messages
from server.editing.chapters import chapter_text, front_matter_from
from server.audit import service as audit
from server.database import db
from server.errors import UserError
from server.landing import commit_on, read_revision


def _book_yml(lib: Any, book: str, rev: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    path = f"books/{book}/book.yml"
    try:
        text = lib.read_text(rev, path)
    except NotFound:
        raise UserError("book.not_found", status=404, book=book) from None
    parse_book_config(text, path)  # refuse to rewrite a book.yml the library cannot read
    data, _ = load_yaml(text, path)
    navigation = [{"part": p["part"], **({"page": p["page"]} if p.get("page") else {}),
                   "chapters": list(p.get("chapters") or [])} for p in data.get("navigation") or []]
    return data, navigation


def _with_navigation(data: dict[str, Any], navigation: list[dict[str, Any]]) -> str:
    data = dict(data)
    data["navigation"] = navigation
    return dump_yaml(data)


def _locate(navigation: list[dict[str, Any]], filename: str) -> tuple[int, int]:
    for i, part in enumerate(navigation):
        if filename in part["chapters"]:
            return i, part["chapters"].index(filename)
        if part.get("page") == filename:  # it heads its part: it goes where the part goes
            raise UserError("chapter.part_page", status=409, chapter=filename)
    raise UserError("chapter.not_found", status=404, chapter=filename)


def _part(navigation: list[dict[str, Any]], index: int) -> dict[str, Any]:
    if not isinstance(index, int) or not 0 <= index < len(navigation):
        raise UserError("part.not_found", status=404, part=str(index))
    return navigation[index]


def _part_title(title: str | None) -> str:
    title = (title or "").strip()
    if not title or len(title) > 200 or "\n" in title:
        raise UserError("part.title", status=422)
    return title


def _structure_commit(lib: Any, user: Any, book: str, branch: str, changes_for,
                      message: str | Callable[[], str]) -> Saved:
    """Read book.yml at the branch head, apply one structural change, commit it with that head as base
    (``message`` may be worked out once the change is known: a part's old title)."""
    base = read_revision(lib, branch)
    data, navigation = _book_yml(lib, book, base)
    changes = changes_for(base, navigation)
    changes.append(Write(f"books/{book}/book.yml", _with_navigation(data, navigation)))
    try:
        return commit_on(lib, user, branch, changes, message if isinstance(message, str) else message(), base)
    except EditConflict as conflict:
        raise UserError("structure.conflict", status=409, paths=", ".join(c.path for c in conflict.conflicts)) from None


def slug_for(title: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:40] or "chapter"


def new_chapter_name(lib: Any, book: str, rev: str, title: str) -> str:
    """A fresh file name for a chapter: the next number and the title's Latin letters."""
    existing = {p.rsplit("/", 1)[1] for p in lib.files(rev, f"books/{book}/chapters")}
    number = len([f for f in existing if f.endswith(".md")]) + 1
    while True:
        name = f"{number:02d}-{slug_for(title)}.md"
        if name not in existing:
            return name
        number += 1


def create_chapter(lib: Any, user: Any, book: str, branch: str, title: str, part: int,
                   filename: str | None = None) -> tuple[str, Saved]:
    rev = read_revision(lib, branch)
    filename = validate_chapter_name(filename.strip() if filename else new_chapter_name(lib, book, rev, title))
    meta = front_matter_from({"title": title}, chapter_path(book, filename))
    path = chapter_path(book, filename)

    def changes(base: str, navigation: list[dict[str, Any]]) -> list:
        if lib.exists(base, path):
            raise UserError("chapter.exists", status=409, chapter=filename)
        _part(navigation, part)["chapters"].append(filename)
        return [Write(path, chapter_text(meta, f"\n## {meta.title}\n\n"))]

    return filename, _structure_commit(lib, user, book, branch, changes, commit_messages.chapter_added(meta.title))


def rename_chapter(lib: Any, user: Any, book: str, branch: str, filename: str, new_name: str) -> Saved:
    new_name = validate_chapter_name(new_name.strip() if new_name.strip().endswith(".md") else new_name.strip() + ".md")
    old_path, new_path = chapter_path(book, filename), chapter_path(book, new_name)
    if new_name == filename:
        raise UserError("chapter.exists", status=409, chapter=new_name)

    def changes(base: str, navigation: list[dict[str, Any]]) -> list:
        if not lib.exists(base, old_path):
            raise UserError("chapter.not_found", status=404, chapter=filename)
        if lib.exists(base, new_path):
            raise UserError("chapter.exists", status=409, chapter=new_name)
        for part in navigation:
            part["chapters"] = [new_name if c == filename else c for c in part["chapters"]]
            if part.get("page") == filename:
                part["page"] = new_name
        return [Rename(old_path, new_path)]

    title = commit_messages.chapter_title(lib, read_revision(lib, branch), old_path)
    return _structure_commit(lib, user, book, branch, changes, commit_messages.chapter_renamed(title, new_name))


def move_chapter(lib: Any, user: Any, book: str, branch: str, filename: str, *, direction: str | None = None,
                 part: int | None = None, position: int | None = None) -> Saved:
    """Move a chapter one place up or down (across part boundaries), or into ``part`` at ``position``."""
    def changes(base: str, navigation: list[dict[str, Any]]) -> list:
        i, j = _locate(navigation, filename)
        chapters = navigation[i]["chapters"]
        if direction == "up":
            if j > 0:
                chapters[j - 1], chapters[j] = chapters[j], chapters[j - 1]
            elif i > 0:
                chapters.pop(j)
                navigation[i - 1]["chapters"].append(filename)
        elif direction == "down":
            if j < len(chapters) - 1:
                chapters[j + 1], chapters[j] = chapters[j], chapters[j + 1]
            elif i < len(navigation) - 1:
                chapters.pop(j)
                navigation[i + 1]["chapters"].insert(0, filename)
        elif part is not None:
            target = _part(navigation, part)["chapters"]
            chapters.pop(j)
            at = len(target) if position is None else max(0, min(int(position), len(target)))
            target.insert(at, filename)
        else:
            raise UserError("request.invalid", status=422, detail="direction or part")
        return []

    title = commit_messages.chapter_title(lib, read_revision(lib, branch), chapter_path(book, filename))
    return _structure_commit(lib, user, book, branch, changes, commit_messages.chapter_moved(title))


def delete_chapter(lib: Any, user: Any, book: str, branch: str, filename: str) -> Saved:
    path = chapter_path(book, filename)

    def changes(base: str, navigation: list[dict[str, Any]]) -> list:
        if not lib.exists(base, path):
            raise UserError("chapter.not_found", status=404, chapter=filename)
        for part in navigation:
            part["chapters"] = [c for c in part["chapters"] if c != filename]
            if part.get("page") == filename:
                del part["page"]
        return [Delete(path)]

    title = commit_messages.chapter_title(lib, read_revision(lib, branch), path)
    saved = _structure_commit(lib, user, book, branch, changes, commit_messages.chapter_deleted(title))
    audit.record("chapter.delete", f"{book}/{filename}", branch=branch)
    db().commit()
    return saved


def add_part(lib: Any, user: Any, book: str, branch: str, title: str) -> Saved:
    title = _part_title(title)

    def changes(base: str, navigation: list[dict[str, Any]]) -> list:
        navigation.append({"part": title, "chapters": []})
        return []

    return _structure_commit(lib, user, book, branch, changes, commit_messages.part_added(title))


def rename_part(lib: Any, user: Any, book: str, branch: str, index: int, title: str) -> Saved:
    title = _part_title(title)
    old: list[str] = []

    def changes(base: str, navigation: list[dict[str, Any]]) -> list:
        old[:] = [_part(navigation, index)["part"]]
        _part(navigation, index)["part"] = title
        return []

    return _structure_commit(lib, user, book, branch, changes, lambda: commit_messages.part_renamed(old[0], title))


def delete_part(lib: Any, user: Any, book: str, branch: str, index: int) -> Saved:
    """Only an empty part can go: chapters are moved or deleted first, on purpose."""
    deleted: list[str] = []

    def changes(base: str, navigation: list[dict[str, Any]]) -> list:
        if _part(navigation, index)["chapters"] or navigation[index].get("page"):
            raise UserError("part.not_empty", status=409, part=navigation[index]["part"])
        deleted[:] = [navigation.pop(index)["part"]]
        return []

    saved = _structure_commit(lib, user, book, branch, changes, lambda: commit_messages.part_deleted(deleted[0]))
    audit.record("part.delete", book, branch=branch, part=deleted[0] if deleted else "", index=index)
    db().commit()
    return saved
