"""Imports: an uploaded Word document (.docx) or MkDocs project (a zip, or a folder on the command
line) becomes chapters and images of a book, shown as a report, and on confirmation a change
request reviewed like any other change.

Between the upload and the confirmation the converted import waits under the
instance directory (``<instance>/imports/<token>/``: ``import.json`` and the
pictures), not in the database: it is the uploader's alone, is shown as it
will be committed, and goes away when confirmed, cancelled or a day old.
"""
from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from flask import current_app
from flask_babel import gettext as _

from materials import GitCommand, Part
from materials.imports import (DocxImport, ImportedChapter, ImportedImage, ImportReport, MkDocsImport, import_docx,
                               import_mkdocs, read_zip)
from materials.imports.report import CHANGED
from materials.imports.mkdocs_history import BUNDLE_SIGNATURES, clone_source, project_files
from server.audit.service import record
from server.change_requests.commits import commit_to_cr
from server.change_requests.lifecycle import change_state, open_cr
from server.database import db
from server.errors import UserError
from server.imports.history import checked_sides, found_authors, replay_onto
from server.imports.report import report_markdown
from server.library import book_title, library
from server.permissions import Ability, may

MAX_DOCX_BYTES = 15 * 1024 * 1024  # under the request limit, so the refusal is ours and says why
KINDS = ("word", "mkdocs")
KEEP_SECONDS = 24 * 3600
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,60}$")  # never the ".confirming" name of a claimed import
ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class Pending:
    """A converted Word document waiting for its uploader to confirm it."""

    token: str
    kind: str  # "word" | "mkdocs"
    book: str
    user_id: int
    source: str
    split_level: int
    created: float
    converted: DocxImport
    report: dict[str, Any]
    redirects: dict[str, str]  # an MkDocs page -> its chapter file
    history: list[dict[str, Any]] | None = None  # replayed on confirmation: its authors and proposed sides

    @property
    def title(self) -> str:
        if self.kind == "mkdocs":
            return _("Import the MkDocs project %(name)s", name=self.source)
        return _("Import the Word document %(name)s", name=self.source)

    def description(self) -> str:
        if self.kind == "mkdocs":
            intro = _("Imported from the MkDocs project %(name)s. What the import carried over, changed and could "
                      "not carry over:", name=self.source)
        else:
            intro = _("Imported from the Word document %(name)s. What the import carried over, changed and could "
                      "not carry over:", name=self.source)
        parts = [intro, report_markdown(self.report)]
        if self.history is not None:
            parts.append(_("The project's history is replayed: %(count)s author(s) wrote its commits.",
                           count=len(self.history)))
        if self.redirects:
            parts.append(_("Where the old pages went:") + "\n\n" +
                         "\n".join(f"- `{old}` → `{new}`" for old, new in list(self.redirects.items())[:500]))
        return "\n\n".join(parts)


def pending_root() -> Path:
    return Path(current_app.config["JOINTBOOK_INSTANCE"]) / "imports"


def check_upload(file_name: str, data: bytes, kind: str = "word") -> None:
    """Refuse what is no .docx (or, for MkDocs, no .zip), by name and by content, or is too large, before
    converting anything."""
    name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1][:120]
    suffix = ".zip" if kind == "mkdocs" else ".docx"
    if not name.lower().endswith(suffix) or not data.startswith(ZIP_MAGIC):
        raise UserError("import.not_zip_or_bundle" if kind == "mkdocs" else "import.not_docx", status=415,
                        name=name or "?")
    limit = upload_limit(kind)
    if len(data) > limit:
        raise UserError("import.project_too_large" if kind == "mkdocs" else "import.too_large", status=413,
                        size=f"{len(data) / 1048576:.1f}", limit=f"{limit / 1048576:.0f}")


def upload_limit(kind: str = "word") -> int:
    """The largest upload of that kind: 15 MB for a Word file; for a MkDocs project what a request may carry
    (``MAX_CONTENT_LENGTH``, which an administrator may raise), less room for the form."""
    if kind == "mkdocs":
        return max(MAX_DOCX_BYTES, int(current_app.config["MAX_CONTENT_LENGTH"]) - 512 * 1024)
    return MAX_DOCX_BYTES


def _book_now(user: Any, book: str) -> tuple[Any, list[str]]:
    """The book's settings and files on main, once ``user`` may write it."""
    book_title(book)
    if not may(user, Ability.write, book):
        raise UserError("http.403", status=403)
    lib = library()
    head = lib.resolve("main")
    return lib.book(book, head, chapters=False).config, list(lib.files(head, f"books/{book}/"))


def convert(user: Any, book: str, file_name: str, data: bytes, split_level: int = 1, *,
            token: str | None = None) -> Pending:
    """Convert an uploaded Word document into chapters of ``book`` and keep it for the uploader's confirmation
    (under ``token`` when the upload was given one, see ``conversions``)."""
    config, existing = _book_now(user, book)
    check_upload(file_name, data)
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1][:120]
    converted = import_docx(data, book=book, file_name=name, split_level=split_level, book_config=config,
                            existing=existing)
    return _keep("word", user, book, name, split_level, converted, token=token)


def convert_mkdocs(user: Any, book: str, name: str, data: bytes | None = None,
                   files: dict[str, bytes] | None = None, *, repository: Path | None = None,
                   with_history: bool = False, token: str | None = None) -> Pending:
    """Convert a MkDocs project into chapters of ``book``: an uploaded zip or git bundle (``data``), the
    ``files`` of a folder, or a Git ``repository`` (a path on this machine, or a bundle file).

    ``with_history`` keeps a clone of the repository or bundle with the pending import, whose
    commits are replayed onto its change request when it is confirmed.
    """
    config, existing = _book_now(user, book)
    name = name.replace("\\", "/").rsplit("/", 1)[-1][:120]
    clone, authors = None, None
    if files is None and repository is None and not (data or b"").startswith(BUNDLE_SIGNATURES):
        check_upload(name, data or b"", "mkdocs")
        files = read_zip(data or b"")
    if files is None:
        if data is not None and len(data) > upload_limit("mkdocs"):
            raise UserError("import.project_too_large", status=413, size=f"{len(data) / 1048576:.1f}",
                            limit=f"{upload_limit('mkdocs') / 1048576:.0f}")
        clone, history = _clone(repository, data)
        try:
            files = project_files(history)
            authors = found_authors(history, files) if with_history else None
        finally:
            history.close()
    elif with_history:
        raise UserError("import.no_history", status=422)
    try:
        converted = import_mkdocs(files, book=book, source=name, book_config=config, existing=existing)
        if authors is not None and with_history:
            count = sum(a["commits"] for a in authors)
            converted.report.add(CHANGED, "mkdocs.history", f"{count} commit(s) of the project's history touched "
                                 "the docs and are replayed with their authors, dates and messages", count=count)
        pending = _keep("mkdocs", user, book, name, 0, converted, history=authors,
                        clone=clone if with_history else None, token=token)
    finally:
        if clone is not None:
            shutil.rmtree(clone, ignore_errors=True)
    return pending


def _clone(repository: Path | None, data: bytes | None) -> tuple[Path, Any]:
    """A bare clone of ``repository`` (or of the bundle ``data``) in a folder of the imports' own."""
    root = pending_root()
    root.mkdir(parents=True, exist_ok=True)
    work = root / f".clone-{secrets.token_hex(8)}"
    work.mkdir()
    try:
        if repository is None:
            bundle = work / "upload.bundle"
            bundle.write_bytes(data or b"")
            repository = bundle
        return work, clone_source(repository, work / "history.git")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _keep(kind: str, user: Any, book: str, name: str, split_level: int, converted: DocxImport, *,
          history: list[dict[str, Any]] | None = None, clone: Path | None = None, token: str | None = None) -> Pending:
    _forget_old()
    redirects = dict(converted.redirects) if isinstance(converted, MkDocsImport) else {}
    pending = Pending(token or secrets.token_urlsafe(24), kind, book, user.id, name, split_level, time.time(), converted,
                      converted.report.to_dict(), redirects, history if clone is not None else None)
    _store(pending)
    if clone is not None:
        (clone / "history.git").rename(pending_root() / pending.token / "history.git")
    return pending


def _store(pending: Pending) -> None:
    folder = pending_root() / pending.token
    (folder / "images").mkdir(parents=True)
    c = pending.converted
    for number, image in enumerate(c.images):
        (folder / "images" / str(number)).write_bytes(image.data)
    meta = {
        "kind": pending.kind, "redirects": pending.redirects, "history": pending.history,
        "book": pending.book, "user_id": pending.user_id, "source": pending.source,
        "split_level": pending.split_level, "created": pending.created, "report": pending.report,
        "chapters": [{"filename": ch.filename, "path": ch.path, "title": ch.title, "part": ch.part, "text": ch.text,
                      "images": list(ch.images)} for ch in c.chapters],
        "images": [{"path": image.path, "alt": image.alt} for image in c.images],
        "navigation": [{"title": p.title, "page": p.page, "chapters": list(p.chapters)} for p in c.navigation],
    }
    (folder / "import.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def load(user: Any, book: str, token: str, kind: str | None = None) -> Pending:
    """The pending import ``token`` of ``book`` (of that ``kind``), if ``user`` uploaded it (404 otherwise)."""
    folder = pending_root() / token if TOKEN.match(token or "") else None
    try:
        meta = json.loads((folder / "import.json").read_text(encoding="utf-8")) if folder else None
    except (OSError, ValueError):
        meta = None
    if meta is None or meta["book"] != book or meta["user_id"] != getattr(user, "id", None) \
            or time.time() - meta["created"] > KEEP_SECONDS or (kind is not None and meta.get("kind") != kind):
        raise UserError("import.not_found", status=404)
    images = tuple(ImportedImage(image["path"], (folder / "images" / str(n)).read_bytes(), image["alt"])
                   for n, image in enumerate(meta["images"]))
    chapters = tuple(ImportedChapter(ch["filename"], ch["path"], ch["title"], ch["part"], ch["text"],
                                     tuple(ch["images"])) for ch in meta["chapters"])
    navigation = tuple(Part(p["title"], tuple(p["chapters"]), p.get("page")) for p in meta["navigation"])
    if meta.get("kind") == "mkdocs":  # its book.yml gets the old pages' redirects too
        converted = MkDocsImport(book, chapters, images, navigation, ImportReport(meta["source"]),
                                 redirects=meta.get("redirects") or {})
    else:
        converted = DocxImport(book, chapters, images, navigation, ImportReport(meta["source"]))
    return Pending(token, meta.get("kind", "word"), book, meta["user_id"], meta["source"], meta["split_level"],
                   meta["created"], converted, meta["report"], meta.get("redirects") or {}, meta.get("history"))


@dataclass(frozen=True)
class Waiting:
    token: str
    kind: str
    source: str
    created: float
    converting: bool = False  # still being converted (or refused): its report page says which


def waiting_for(user: Any, book: str) -> list[Waiting]:
    """The uploads of ``user`` into ``book`` still waiting for confirmation, newest first."""
    root = pending_root()
    found = []
    files = [*root.glob("*/import.json"), *root.glob("*.upload/upload.json")] if root.is_dir() else []
    for meta_file in files:
        converting = meta_file.name == "upload.json"
        if not TOKEN.match(meta_file.parent.name.removesuffix(".upload") if converting else meta_file.parent.name):
            continue  # being confirmed right now
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if meta.get("book") == book and meta.get("user_id") == getattr(user, "id", None) \
                and time.time() - meta.get("created", 0) <= KEEP_SECONDS:
            found.append(Waiting(meta_file.parent.name.removesuffix(".upload"), meta.get("kind", "word"),
                                 meta.get("source", ""), meta.get("created", 0), converting))
    return sorted(found, key=lambda w: -w.created)


def confirm(user: Any, book: str, token: str, sides: dict[str, str] | None = None,
            progress: Callable[[int, int], None] | None = None) -> Any:
    """Open the change request holding the import's chapters, pictures and navigation; the record.

    An import with history replays its commits first, each author's commits for the side ``sides``
    gives their e-mail (default: the side proposed on the report). The pending import is claimed
    first (its folder renamed, which only one request can do), so a double click or two tabs open
    one change request, not two.
    """
    pending = load(user, book, token)
    if pending.history is not None:
        chosen = {a["email"]: a["side"] for a in pending.history}
        chosen.update(checked_sides(sides or {}))
        pending.history = [{**a, "side": chosen[a["email"]]} for a in pending.history]
    folder = pending_root() / token
    claimed = folder.with_name(f"{token}.confirming")
    try:
        folder.rename(claimed)
    except OSError:
        raise UserError("import.not_found", status=404) from None
    try:
        cr = _open_change_request(user, book, pending, claimed / "history.git", progress)
    except BaseException:
        claimed.rename(folder)  # refused (the book changed, a conflict): the upload waits again
        raise
    shutil.rmtree(claimed, ignore_errors=True)
    return cr


def _open_change_request(user: Any, book: str, pending: Pending, clone: Path | None = None,
                         progress: Callable[[int, int], None] | None = None) -> Any:
    lib = library()
    base = lib.resolve("main")
    path = f"books/{book}/book.yml"
    changes = pending.converted.changes(lib.read_text(base, path))
    existing = lib.files(base, f"books/{book}/")
    if any(change.path in existing for change in changes if change.path != path):
        raise UserError("import.stale", status=409)  # a chapter or picture of that name arrived meanwhile
    cr = open_cr(user, book, pending.title[:200], pending.description(), origin=f"import:{pending.source}"[:200])
    what = "the MkDocs project" if pending.kind == "mkdocs" else "the Word document"
    head, replayed = cr.base, 0
    try:
        if pending.history is not None and clone is not None and clone.is_dir():
            sides = {a["email"]: a["side"] for a in pending.history}
            total = sum(a["commits"] for a in pending.history)
            changes, head = replay_onto(user, cr, clone, source=pending.source, sides=sides,
                                        progress=(lambda done: progress(done, total)) if progress else None)
            replayed = len(lib.git(GitCommand("rev-list").value(f"{cr.base}..{head}")).split())
        commit_to_cr(user, cr, changes, f"Import {what} {pending.source}", base=head)
    except Exception:
        db().rollback()
        change_state(user, cr, "close")  # a half-written import is not left open; the upload waits again
        raise
    record("book.import", book, source=pending.source, format="mkdocs" if pending.kind == "mkdocs" else "docx",
           number=cr.number, chapters=len(pending.converted.chapters), images=len(pending.converted.images),
           history=replayed)
    db().commit()
    return cr


def discard(user: Any, book: str, token: str) -> None:
    """Forget a pending import (its uploader cancels it, or it was confirmed)."""
    load(user, book, token)
    shutil.rmtree(pending_root() / token, ignore_errors=True)


def _forget_old() -> None:
    root = pending_root()
    if not root.is_dir():
        return
    now = time.time()
    for folder in root.iterdir():
        try:
            if now - folder.stat().st_mtime > KEEP_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
