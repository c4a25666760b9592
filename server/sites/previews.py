"""Previews of change requests: the book's site as the change request would make it, for its team.

A change request's preview is rebuilt by a job when its head changes, unless
the preview already shows that tree; the ``build`` check reuses the preview
of the head it checks, so a head is built once. Previews of change requests
that are no longer active are removed.
"""


from __future__ import annotations
import fcntl
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator
from flask import current_app
from sqlalchemy import select
from build.errors import SiteError
from build.previews import build_preview, is_current, preview_dir, preview_record, prune_previews
from materials import MaterialsError
from server.change_requests.models import ChangeRequest
from server.database import db
from server.jobs.models import Job
from server.jobs.queue import JobContext, Superseded, enqueue, job_kind
from server.library import library
from server.sites.service import BUILD_TIMEOUT, PREVIEW_JOB, platform_url, previews_dir


@dataclass
class PreviewStatus:
    """What the change request page shows about its preview."""

    state: str  # none | queued | running | succeeded | failed
    url: str | None  # the preview's home page when one is built
    commit: str | None  # the commit the built preview shows
    current: bool  # it shows the change request's head
    job_id: int | None
    duration: float | None


@contextmanager
def _preview_lock(cr: str | int) -> Iterator[None]:
    """One build of a given preview at a time (the preview job and the build check may race)."""
    root = previews_dir()
    root.mkdir(parents=True, exist_ok=True)
    preview_dir(root, cr)  # validates the id
    with open(root / f".{cr}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_now(book: str, cr: str | int, head: str):  # -> build.site.BuildResult
    """Build the preview of change request ``cr`` at ``head`` here and now (the job, and the build check)."""
    with _preview_lock(cr):
        return build_preview(library(), book, cr, head, previews_dir(), platform_url=platform_url(),
                             cache_dir=previews_dir() / ".cache",
                             timeout=float(current_app.config.get("BUILD_TIMEOUT", BUILD_TIMEOUT)))


def request_preview(book: str, cr_number: int, head: str) -> Job | None:
    """Queue a preview of change request ``cr_number`` at ``head`` (cancelling the queued previews of its
    earlier heads); None when it already shows it."""
    try:
        if is_current(library(), book, cr_number, head, previews_dir(), platform_url=platform_url()):
            return None
    except (SiteError, MaterialsError):
        pass  # let the job say what is wrong, in its log
    return enqueue(db(), PREVIEW_JOB, {"book": book, "cr": int(cr_number), "head": head},
                   key=f"preview:{book}:{int(cr_number)}:{head}", supersedes=f"preview:{book}:{int(cr_number)}:")


@job_kind(PREVIEW_JOB)
def run_preview(job: JobContext) -> dict[str, Any]:
    p = job.payload
    job.log(f"preview of change request #{p['cr']} ({p['book']}) at {p['head'][:12]}")
    if _moved_on(p["book"], int(p["cr"]), p["head"]):
        raise Superseded(f"change request #{p['cr']} moved on from {p['head'][:10]}, or is no longer open")
    try:
        result = build_now(p["book"], p["cr"], p["head"])
    except SiteError as error:
        job.log(str(error.params.get("log") or ""))
        job.log(f"{error.code}: {error.message}")
        raise
    job.log(result.log)
    job.log("unchanged since the last preview: not rebuilt" if result.skipped
            else f"built in {result.duration:.1f} s")
    open_numbers = _open_cr_numbers()
    prune(None if open_numbers is None else open_numbers | {str(p["cr"])})
    return {"book": p["book"], "cr": p["cr"], "head": p["head"], "skipped": result.skipped,
            "duration": round(result.duration, 3), "url": f"/previews/{p['book']}/{p['cr']}/"}


def preview_built(cr_number: int) -> dict | None:
    """The record of the built preview of ``cr_number`` (book, commit, duration), if any."""
    return preview_record(previews_dir(), int(cr_number))


def _latest_preview_job(book: str, cr_number: int) -> Job | None:
    return db().scalar(select(Job).where(Job.kind == PREVIEW_JOB,
                                         Job.key.startswith(f"preview:{book}:{int(cr_number)}:", autoescape=True))
                       .order_by(Job.id.desc()).limit(1))


def preview_status(book: str, cr_number: int, head: str | None = None) -> PreviewStatus:
    """The preview of a change request: built (which commit), being built, or failed."""
    built = preview_record(previews_dir(), cr_number)
    if built is not None and built.get("book") != book:
        built = None
    job = _latest_preview_job(book, cr_number)
    commit = built.get("commit") if built else None
    url = f"/previews/{book}/{int(cr_number)}/" if built and (previews_dir() / str(int(cr_number))).is_dir() else None
    if job is not None and job.status in ("queued", "running", "failed") and \
            (head is None or job.payload.get("head") == head) and job.payload.get("head") != commit:
        state = job.status
    else:
        state = "succeeded" if url else ("none" if job is None else job.status)
    return PreviewStatus(state, url, commit, bool(commit) and head is not None and commit == head,
                         job.id if job else None, (built or {}).get("duration"))


def _open_cr_numbers() -> set[str]:
    """Numbers of active change requests: their previews are kept."""
    return {str(n) for n in db().scalars(select(ChangeRequest.number)
                                         .where(ChangeRequest.state.in_(("draft", "open"))))}


def prune(keep: set[str] | None = None) -> list[str]:
    """Remove previews of change requests that are no longer active (and very old ones)."""
    keep = keep if keep is not None else _open_cr_numbers()
    return prune_previews(previews_dir(), keep)


def _moved_on(book: str, cr_number: int, head: str) -> bool:
    """Has change request ``cr_number`` of ``book`` moved on from ``head``, or stopped being active?"""
    row = db().scalar(select(ChangeRequest).where(ChangeRequest.book == book, ChangeRequest.number == cr_number))
    return row is not None and (row.head != head or row.state not in ("draft", "open"))


def change_request_at(book: str, head: str) -> int | None:
    """The newest active change request of ``book`` whose head is ``head``."""
    return db().scalar(select(ChangeRequest.number).where(ChangeRequest.book == book, ChangeRequest.head == head,
                                                          ChangeRequest.state.in_(("draft", "open")))
                       .order_by(ChangeRequest.number.desc()).limit(1))
