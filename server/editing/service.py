"""What a teacher's edit does to the library: which branch it lands on, how it is
saved against the commit the author started from, and how a book's structure
(parts, chapters, images) changes, each as one commit.

Every write path asks ``working_branch`` where a save goes and
``may_write_branch`` whether an explicitly named branch may be written, so the
review part can put change requests in place of personal drafts by changing
these two functions only.
"""


from __future__ import annotations
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable
from flask import current_app
from materials import (Delete, EditConflict, FrontMatter, MaterialsError, NotFound, Rename, Saved, Write,
                       book_path, chapter_path, normalise_text, parse_chapter, revise_chapter, serialize_chapter)
from materials.books import parse_book_config
from materials.errors import InvalidPath
from materials.frontmatter import parse_front_matter
from materials.paths import asset_name, book_file_path, standard_file_path, validate_chapter_name
from materials.standards.reading import parse_standard
from materials.svg import clean_svg
from materials.yamlfile import dump_yaml, load_yaml
from server.accounts.service import git_author
from server.errors import UserError
from server.permissions import Ability, may


DRAFTS = "drafts"
MAIN = "main"


# ------------------------------------------------------------------ branches

def draft_branch(username: str, book: str) -> str:
    """The personal draft branch of one person on one book."""
    return f"{DRAFTS}/{username}/{book}"


def working_branch(user: Any, book: str) -> str:
    """Where this person's saves on ``book`` go when they name no branch.

    The change request they chose to edit the book in (or their latest active
    one, ``server.change_requests.branch_for_edit``); their personal draft
    branch, created from main on the first save, only while they have none.
    """
    from server.change_requests.service import branch_for_edit

    return branch_for_edit(user, book) or draft_branch(user.username, book)


def needs_change_request(user: Any, book: str, lib: Any) -> bool:
    """True when an edit in the browser must first continue or start a change request.

    Every edit happens inside a change request; only a book that allows
    direct commits lets its maintainers edit main without one.
    """
    from server.change_requests.service import branch_for_edit

    if branch_for_edit(user, book) is not None:
        return False
    return not (may(user, Ability.maintain, book) and direct_commits_allowed(lib, book))


def direct_commits_allowed(lib: Any, book: str) -> bool:
    try:
        return bool(lib.book(book, MAIN, chapters=False).config.review.get("direct_commits"))
    except MaterialsError:
        return False


def may_write_branch(user: Any, book: str, branch: str, lib: Any = None) -> bool:
    """May ``user`` save on ``branch`` of ``book``? The one rule every write path checks."""
    if not may(user, Ability.write, book):
        return False
    if branch == working_branch(user, book):
        return True
    if branch.startswith("cr/"):
        from server.change_requests.service import may_write_cr_branch

        return may_write_cr_branch(user, book, branch)
    if branch == MAIN and lib is not None:
        return may(user, Ability.maintain, book) and direct_commits_allowed(lib, book)
    return False


def target_branch(user: Any, book: str, requested: str | None, lib: Any) -> str:
    """The branch an action writes to: the requested one if allowed, else the working branch."""
    if not requested:
        return working_branch(user, book)
    if not may_write_branch(user, book, requested, lib):
        raise UserError("branch.not_allowed", status=403, branch=requested)
    return requested


def read_revision(lib: Any, branch: str) -> str:
    """The commit an edit on ``branch`` starts from: its head, or main's while the draft does not exist."""
    head = lib.branch_head(branch)
    return head or lib.resolve(MAIN)


def ensure_branch(lib: Any, branch: str) -> None:
    """Create the draft branch from main on the first save (two racing first saves are fine)."""
    if lib.branch_head(branch) is not None:
        return
    try:
        lib.create_branch(branch, MAIN)
    except MaterialsError:
        if lib.branch_head(branch) is None:
            raise


def commit_on(lib: Any, user: Any, branch: str, changes: list, message: str, base: str) -> Saved:
    ensure_branch(lib, branch)
    return lib.commit(branch, changes, git_author(user), message, base=base)


# ------------------------------------------------------------------ chapters

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


def check_chapter_text(text: str, path: str) -> str:
    """A whole chapter file in the library's one form; refuse what the library could not read."""
    text = normalise_text(text)
    if re.search(r"^(<{7}|>{7})( |$)", text, re.MULTILINE):
        raise UserError("chapter.markers", status=422)
    parse_chapter(text, path)
    return text


def _base_of(lib: Any, base: str, path: str, filename: str) -> str:
    try:
        base = lib.resolve(base)
    except MaterialsError:
        raise UserError("edit.base", status=422, base=str(base)[:50]) from None
    if not lib.exists(base, path):
        raise UserError("chapter.not_found", status=404, chapter=filename)
    return base


def save_chapter(lib: Any, user: Any, book: str, filename: str, branch: str, text: str, base: str,
                 message: str | None = None) -> Saved:
    """Commit the author's whole text on top of ``base``; ``EditConflict`` (nothing written) on overlap."""
    path = chapter_path(book, filename)
    text = check_chapter_text(text, path)
    base = _base_of(lib, base, path, filename)
    message = (message or "").strip() or f"Edit {filename}"
    return commit_on(lib, user, branch, [Write(path, text)], message[:500], base)


def save_chapter_fields(lib: Any, user: Any, book: str, filename: str, branch: str, meta: FrontMatter, body: str,
                        base: str, message: str | None = None) -> Saved:
    """Commit the editor form's fields and body on top of ``base``.

    Written over the chapter as it was at ``base``, so the front matter lines
    of fields the author did not change stay as they were: opening and saving
    makes no commit, and one changed field is one changed line.
    """
    path = chapter_path(book, filename)
    base = _base_of(lib, base, path, filename)
    previous = normalise_text(lib.read_text(base, path))
    try:
        _, previous_body = parse_chapter(previous, path)
    except MaterialsError:
        previous_body = None
    text = revise_chapter(previous, meta, _body(body, previous_body))
    return save_chapter(lib, user, book, filename, branch, text, base, message)


# ------------------------------------------------------------------ structure (book.yml)

def _book_yml(lib: Any, book: str, rev: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    path = f"books/{book}/book.yml"
    try:
        text = lib.read_text(rev, path)
    except NotFound:
        raise UserError("book.not_found", status=404, book=book) from None
    parse_book_config(text, path)  # refuse to rewrite a book.yml the library cannot read
    data, _ = load_yaml(text, path)
    navigation = [{"part": p["part"], "chapters": list(p.get("chapters") or [])} for p in data.get("navigation") or []]
    return data, navigation


def _with_navigation(data: dict[str, Any], navigation: list[dict[str, Any]]) -> str:
    data = dict(data)
    data["navigation"] = navigation
    return dump_yaml(data)


def _locate(navigation: list[dict[str, Any]], filename: str) -> tuple[int, int]:
    for i, part in enumerate(navigation):
        if filename in part["chapters"]:
            return i, part["chapters"].index(filename)
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


def _structure_commit(lib: Any, user: Any, book: str, branch: str, changes_for, message: str) -> Saved:
    """Read book.yml at the branch head, apply one structural change, commit it with that head as base."""
    base = read_revision(lib, branch)
    data, navigation = _book_yml(lib, book, base)
    changes = changes_for(base, navigation)
    changes.append(Write(f"books/{book}/book.yml", _with_navigation(data, navigation)))
    try:
        return commit_on(lib, user, branch, changes, message, base)
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

    return filename, _structure_commit(lib, user, book, branch, changes, f"Add chapter {filename}")


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
        return [Rename(old_path, new_path)]

    return _structure_commit(lib, user, book, branch, changes, f"Rename chapter {filename} to {new_name}")


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

    return _structure_commit(lib, user, book, branch, changes, f"Move chapter {filename}")


def delete_chapter(lib: Any, user: Any, book: str, branch: str, filename: str) -> Saved:
    path = chapter_path(book, filename)

    def changes(base: str, navigation: list[dict[str, Any]]) -> list:
        if not lib.exists(base, path):
            raise UserError("chapter.not_found", status=404, chapter=filename)
        for part in navigation:
            part["chapters"] = [c for c in part["chapters"] if c != filename]
        return [Delete(path)]

    return _structure_commit(lib, user, book, branch, changes, f"Delete chapter {filename}")


def add_part(lib: Any, user: Any, book: str, branch: str, title: str) -> Saved:
    title = _part_title(title)

    def changes(base: str, navigation: list[dict[str, Any]]) -> list:
        navigation.append({"part": title, "chapters": []})
        return []

    return _structure_commit(lib, user, book, branch, changes, f"Add part {title}")


def rename_part(lib: Any, user: Any, book: str, branch: str, index: int, title: str) -> Saved:
    title = _part_title(title)

    def changes(base: str, navigation: list[dict[str, Any]]) -> list:
        _part(navigation, index)["part"] = title
        return []

    return _structure_commit(lib, user, book, branch, changes, f"Rename part {index + 1} to {title}")


def delete_part(lib: Any, user: Any, book: str, branch: str, index: int) -> Saved:
    """Only an empty part can go: chapters are moved or deleted first, on purpose."""
    def changes(base: str, navigation: list[dict[str, Any]]) -> list:
        if _part(navigation, index)["chapters"]:
            raise UserError("part.not_empty", status=409, part=navigation[index]["part"])
        navigation.pop(index)
        return []

    return _structure_commit(lib, user, book, branch, changes, f"Delete part {index + 1}")


# ------------------------------------------------------------------ assets

IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
               "webp": "image/webp", "svg": "image/svg+xml"}
DEFAULT_ASSET_MAX_BYTES = 5 * 1024 * 1024


def max_asset_bytes() -> int:
    return int(current_app.config.get("ASSET_MAX_BYTES") or DEFAULT_ASSET_MAX_BYTES)


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def check_asset(name: str, data: bytes, max_bytes: int) -> tuple[str, bytes]:
    """An upload's safe name and the bytes to store: size and type by content checked, SVG cleaned."""
    if len(data) > max_bytes:
        raise UserError("asset.too_large", status=413, size=len(data), limit=max_bytes // 1024)
    if not data:
        raise UserError("asset.empty", status=422)
    try:
        name = asset_name(name)
    except InvalidPath as error:
        raise UserError("asset.type", status=415, name=error.path) from None
    ext = name.rsplit(".", 1)[1]
    if ext == "svg":
        return name, clean_svg(data)
    if _sniff(data) != ext:
        raise UserError("asset.type", status=415, name=name)
    return name, data


def asset_files(lib: Any, book: str, rev: str) -> dict[str, str]:
    """Name (relative to assets/) -> blob id of every file in the book's assets folder."""
    prefix = f"books/{book}/assets/"
    return {path[len(prefix):]: blob for path, blob in lib.files(rev, prefix.rstrip("/")).items()}


def upload_asset(lib: Any, user: Any, book: str, branch: str, filename: str, data: bytes, max_bytes: int) -> tuple[str, Saved | None]:
    """Store an image in ``books/<book>/assets/``; the same picture twice is stored once."""
    name, data = check_asset(filename, data, max_bytes)
    rev = read_revision(lib, branch)
    existing = asset_files(lib, book, rev)
    if name in existing:
        if lib.read(rev, book_path(book, f"assets/{name}")) == data:
            return name, None
        stem, ext = name.rsplit(".", 1)
        name = f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}.{ext}"
    saved = commit_on(lib, user, branch, [Write(book_path(book, f"assets/{name}"), data)], f"Add image {name}", rev)
    return name, saved


def delete_asset(lib: Any, user: Any, book: str, branch: str, name: str) -> Saved:
    path = book_path(book, f"assets/{name}")
    rev = read_revision(lib, branch)
    if not lib.exists(rev, path):
        raise UserError("asset.not_found", status=404, name=name)
    return commit_on(lib, user, branch, [Delete(path)], f"Delete image {name}", rev)


def chapters_using(lib: Any, book: str, rev: str, name: str) -> list[str]:
    """Chapters that show the image, so a delete confirmation can warn about them."""
    needle = f"assets/{name}"
    return sorted(path.rsplit("/", 1)[1] for path, data in lib.snapshot(rev, f"books/{book}/chapters").items()
                  if needle.encode() in data)


# ------------------------------------------------------------------ files a commit writes

def check_written_files(book: str, changes: list) -> list:
    """``changes`` to ``book`` as its chapter, settings and image endpoints would write them.

    Every path passes the one rule of which files a book holds (``materials.paths``); every
    file is read as its endpoint reads it, YAML by the library's safe loader only, and refused
    as that endpoint refuses it. Nothing is written here.
    """
    return [_checked_write(book, change) if isinstance(change, Write) else change for change in changes]


def _checked_write(book: str, change: Write) -> Write:
    if change.path.startswith("standards/"):
        path = standard_file_path(change.path)
        parse_standard(change.content, path)
        return Write(path, change.data)
    path = book_file_path(book, change.path)
    folder = path[len(f"books/{book}/"):].partition("/")[0]
    if folder == "assets":
        return Write(path, check_asset(path.rsplit("/", 1)[1], change.content, max_asset_bytes())[1])
    try:
        text = change.content.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError("request.invalid", status=400, detail=f"{path}: not UTF-8 text") from None
    if folder == "chapters":
        return Write(path, check_chapter_text(text, path))
    parse_book_config(text, path)
    return Write(path, text)


# ------------------------------------------------------------------ standards

def standard_items(lib: Any, book: str, rev: str, query: str = "", limit: int = 50,
                   under: str | None = None) -> list[dict[str, Any]]:
    """Items of the book's declared standards matching ``query`` (code, key or words), with their coverage.

    With ``under`` set, the picker browses the standard's tree instead: the
    children of that item ("" for the top: items without a parent).
    """
    from materials.standards.item_refs import partition_refs

    loaded = lib.book(book, rev)
    everything = lib.standards(rev)
    declared = {sid: everything[sid] for sid in loaded.config.standards if sid in everything}
    covered: dict[tuple[str, str], list[str]] = {}
    for chapter in loaded.chapters:
        good, _ = partition_refs(chapter.meta.all_refs(), declared)
        for ref in good:
            covered.setdefault(ref, []).append(chapter.filename)
    words = [w.casefold() for w in (query or "").split() if w]
    out: list[dict[str, Any]] = []
    for sid, standard in declared.items():
        levels = {level.key: level.label for level in standard.levels}
        for item in standard.items:
            if under is not None:
                parent = item.parent or ""
                if parent != under.split(":")[-1]:
                    continue
            else:
                haystack = f"{item.key} {item.code} {item.text} {levels.get(item.level, '')}".casefold()
                if words and not all(w in haystack for w in words):
                    continue
            out.append({
                "key": item.key if len(declared) == 1 else f"{sid}:{item.key}",
                "standard": sid,
                "code": item.code,
                "text": item.text,
                "level": item.level,
                "level_label": levels.get(item.level, item.level),
                "kind": item.kind,
                "kind_label": str(standard.kinds.get(item.kind, item.kind)),
                "chapters": covered.get((sid, item.key), []),
                "children": len(standard.children.get(item.key, ())),
            })
            if len(out) >= limit:
                return out
    return out


def item_labels(lib: Any, book: str, rev: str, refs: Iterable[str]) -> dict[str, str]:
    """``ref -> "code text"`` for the chips the editor shows."""
    from materials.standards.item_refs import partition_refs

    try:
        loaded = lib.book(book, rev, chapters=False)
        everything = lib.standards(rev)
    except MaterialsError:
        return {}
    declared = {sid: everything[sid] for sid in loaded.config.standards if sid in everything}
    labels = {}
    for ref in refs:
        good, _ = partition_refs([ref], declared)
        if good:
            sid, key = good[0]
            item = declared[sid].by_key[key]
            labels[ref] = f"{item.code} {item.text}"
    return labels
