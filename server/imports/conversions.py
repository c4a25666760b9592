"""Converting an upload off the request: the browser's upload is checked (kind, size) and kept, a job
converts it, and the report page follows the job until the import waits for confirmation. Confirming
an import with history is a job too: replaying hundreds of commits takes longer than a request.

A large Word file or MkDocs project (a bundle with hundreds of commits) takes
seconds to convert; the web process only stores the upload under
``<instance>/imports/<token>.upload/`` and queues the job, whose worker writes the
pending import under the same token. What the conversion refuses (no MkDocs
project, an unreadable document) is the job's answer, shown on the report page
in the reader's language, not a failure to try again.
"""
from __future__ import annotations

import json
import secrets
import shutil
import time
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale
from sqlalchemy import select

from materials import MaterialsError
from materials.imports.mkdocs_history import BUNDLE_SIGNATURES
from server.accounts.models import User
from server.database import db
from server.errors import UserError, message_for
from server.imports import service
from server.imports.history import checked_sides
from server.jobs.models import Job
from server.jobs.queue import JobContext, enqueue, job_kind

CONVERT_JOB = "import.convert"
CONFIRM_JOB = "import.confirm"
UPLOAD = ".upload"
CONFIRMATION = ".confirm.json"


@dataclass(frozen=True)
class Conversion:
    """An upload whose conversion is queued, running, or was refused."""

    token: str
    kind: str
    source: str
    state: str  # queued | running | refused | failed
    job_id: int | None
    message: str = ""  # why it was refused or failed, in the reader's language
    progress: dict[str, Any] | None = None


def check(kind: str, name: str, data: bytes, with_history: bool = False) -> None:
    """What the upload page refuses at once, before anything is queued: another kind of file, a file too
    large, a history asked of a zip."""
    if kind == "mkdocs" and data.startswith(BUNDLE_SIGNATURES):
        if len(data) > service.upload_limit("mkdocs"):
            raise UserError("import.project_too_large", status=413, size=f"{len(data) / 1048576:.1f}",
                            limit=f"{service.upload_limit('mkdocs') / 1048576:.0f}")
        return
    service.check_upload(name, data, kind)
    if with_history:
        raise UserError("import.no_history", status=422)


def queue(user: Any, book: str, kind: str, file_name: str, data: bytes, *, split_level: int = 1,
          with_history: bool = False) -> str:
    """Keep the upload and queue its conversion; the token its report page will have."""
    service._book_now(user, book)
    name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1][:120]
    check(kind, name, data, with_history)
    token = secrets.token_urlsafe(24)
    folder = service.pending_root() / f"{token}{UPLOAD}"
    folder.mkdir(parents=True)
    (folder / "source").write_bytes(data)
    job = enqueue(db(), CONVERT_JOB, {"token": token}, created_by=user.id, max_attempts=2)
    meta = {"kind": kind, "book": book, "user_id": user.id, "source": name, "split_level": split_level,
            "with_history": bool(with_history), "created": time.time(), "job": job.id}
    (folder / "upload.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def _meta(token: str) -> dict[str, Any] | None:
    if not service.TOKEN.match(token or ""):
        return None
    try:
        return json.loads((service.pending_root() / f"{token}{UPLOAD}" / "upload.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def conversion(user: Any, book: str, token: str, kind: str) -> Conversion:
    """Where the conversion of ``user``'s upload ``token`` is (404 when there is none of theirs)."""
    meta = _meta(token)
    if meta is None or meta["book"] != book or meta["user_id"] != getattr(user, "id", None) \
            or meta["kind"] != kind or time.time() - meta["created"] > service.KEEP_SECONDS:
        raise UserError("import.not_found", status=404)
    job = db().get(Job, meta.get("job")) if meta.get("job") else None
    result = (job.result if job is not None else None) or {}
    if job is None or job.status in ("queued", "running"):
        return Conversion(token, kind, meta["source"], job.status if job else "queued", meta.get("job"),
                          progress=result.get("progress"))
    refused = result.get("refused") or result.get("error")
    if refused:
        return Conversion(token, kind, meta["source"], "refused" if "refused" in result else "failed", job.id,
                          message=message_for(refused["code"], refused.get("params") or {}))
    return Conversion(token, kind, meta["source"], "failed", job.id, message=message_for("import.failed"))


@job_kind(CONVERT_JOB)
def run_conversion(job: JobContext) -> dict[str, Any]:
    token = job.payload["token"]
    folder = service.pending_root() / f"{token}{UPLOAD}"
    meta = _meta(token)
    if meta is None:
        job.log("the upload is gone (cancelled or expired)")
        return {"refused": {"code": "import.not_found", "params": {}}}
    user = db().scalar(select(User).where(User.id == meta["user_id"], User.active))
    job.log(f"converting {meta['source']} into {meta['book']}")
    job.progress(0, 1, "converting")
    data = (folder / "source").read_bytes()
    try:
        if user is None:
            raise UserError("http.403", status=403)
        if meta["kind"] == "word":
            pending = service.convert(user, meta["book"], meta["source"], data, meta["split_level"], token=token)
        else:
            pending = service.convert_mkdocs(user, meta["book"], meta["source"], data,
                                             with_history=meta["with_history"], token=token)
    except (UserError, MaterialsError) as refused:
        params = {k: v for k, v in (getattr(refused, "params", None) or {}).items()
                  if isinstance(v, (str, int, float, bool))}
        params.setdefault("detail", getattr(refused, "message", None) or str(refused))
        job.log(f"refused: {refused.code} {params['detail']}"[:500])
        (folder / "source").unlink(missing_ok=True)
        return {"refused": {"code": refused.code, "params": params}}
    job.log(f"{len(pending.converted.chapters)} chapter(s), {len(pending.converted.images)} picture(s)")
    shutil.rmtree(folder, ignore_errors=True)
    return {"token": token, "chapters": len(pending.converted.chapters)}


def forget(user: Any, book: str, token: str, kind: str) -> None:
    """Cancel an upload still converting or refused: its folder goes."""
    conversion(user, book, token, kind)
    shutil.rmtree(service.pending_root() / f"{token}{UPLOAD}", ignore_errors=True)



@dataclass(frozen=True)
class Confirmation:
    """A confirmation with history, queued or running (the report page follows it), done, or refused."""

    state: str  # queued | running | done | refused | failed
    number: int | None = None  # the change request it opened
    message: str = ""
    progress: dict[str, Any] | None = None


def queue_confirmation(user: Any, book: str, token: str, kind: str, sides: dict[str, str]) -> None:
    """Check the sides chosen and queue the replay of the import's history into its change request."""
    pending = service.load(user, book, token, kind)
    checked_sides(sides)
    locale = str(get_locale() or "zh_CN")  # the change request's title and description are in the confirmer's
    job = enqueue(db(), CONFIRM_JOB, {"token": token, "book": book, "user_id": user.id, "sides": sides,
                                      "locale": locale},
                  key=f"import-confirm:{token}", created_by=user.id, max_attempts=1)
    meta = {"book": book, "user_id": user.id, "kind": kind, "job": job.id, "source": pending.source}
    (service.pending_root() / f"{token}{CONFIRMATION}").write_text(json.dumps(meta), encoding="utf-8")


def confirmation(user: Any, book: str, token: str, kind: str) -> Confirmation | None:
    """Where the confirmation of ``user``'s import ``token`` is; None when none was asked for."""
    try:
        meta = json.loads((service.pending_root() / f"{token}{CONFIRMATION}").read_text(encoding="utf-8")) \
            if service.TOKEN.match(token or "") else None
    except (OSError, ValueError):
        meta = None
    if meta is None or meta["book"] != book or meta["user_id"] != getattr(user, "id", None) or meta["kind"] != kind:
        return None
    job = db().get(Job, meta["job"])
    result = (job.result if job is not None else None) or {}
    if job is None or job.status in ("queued", "running"):
        return Confirmation(job.status if job else "queued", progress=result.get("progress"))
    if result.get("number"):
        return Confirmation("done", number=result["number"])
    refused = result.get("refused") or result.get("error")
    if refused:
        return Confirmation("refused", message=message_for(refused["code"], refused.get("params") or {}))
    return Confirmation("failed", message=message_for("import.failed"))


@job_kind(CONFIRM_JOB)
def run_confirmation(job: JobContext) -> dict[str, Any]:
    p = job.payload
    user = db().scalar(select(User).where(User.id == p["user_id"], User.active))
    job.log(f"opening the change request of the import {p['token'][:6]}… into {p['book']}")
    try:
        if user is None:
            raise UserError("http.403", status=403)
        language = "en" if str(p.get("locale", "")).startswith("en") else "zh-CN"
        with job.app.test_request_context(headers={"Accept-Language": language}):
            cr = service.confirm(user, p["book"], p["token"], p.get("sides") or {},
                                 progress=lambda done, total: job.progress(done, total, "commits"))
    except (UserError, MaterialsError) as refused:
        params = {k: v for k, v in (getattr(refused, "params", None) or {}).items()
                  if isinstance(v, (str, int, float, bool))}
        params.setdefault("detail", getattr(refused, "message", None) or str(refused))
        job.log(f"refused: {refused.code} {params['detail']}"[:500])
        return {"refused": {"code": refused.code, "params": params}}
    job.log(f"change request #{cr.number}")
    return {"number": cr.number}
