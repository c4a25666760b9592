"""Published sites on the server: releases and previews as jobs, and where their files live.

``build/`` knows how to build and publish a site; this module decides when,
for whom and off which request: a release is asked for on a page (or the API),
checked at once (version name, not yet released), then built by a job; a
change request's preview is rebuilt by a job when its head changes, unless the
preview already shows that tree. The ``build`` check of change requests reuses
the preview of the head it checks, so a head is built once.

Public API (used by pages, the API and other parts)::

    request_release(user, book, version, message="", rev="main") -> Job
    set_state(user, book, version, hidden=None, withdrawn=None) -> list[dict]
    releases(book, include_hidden=False) -> list[ReleaseInfo]
    request_preview(book, cr_number, head) -> Job | None     # call on every new CR head
    preview_status(book, cr_number) -> PreviewStatus
    prune(keep=None) -> list[str]                             # previews of closed CRs
    book_jobs(book) -> list[Job]
"""


from __future__ import annotations
import fcntl
import json
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator
from flask import current_app, has_app_context
from sqlalchemy import or_, select
from build.errors import BuildFailed, SiteError
from build.previews import build_preview, is_current, preview_dir, preview_record, prune_previews
from build.publish import (LATEST, latest_version, read_versions, release, set_version_state, validate_version)
from build.site import BUILD_RECORD, build_site, release_tag
from materials import Author, GitCommand, MaterialsError
from materials.paths import validate_book_slug
from server.audit.service import record
from server.database import db
from server.accounts.service import git_author
from server.errors import UserError
from server.jobs.queue import JobContext, Superseded, enqueue, job_kind
from server.library import library
from server.jobs.models import Job
from server.accounts.models import User
from server.change_requests.models import ChangeRequest


RELEASE_JOB = "site.release"
PREVIEW_JOB = "site.preview"
BUILD_TIMEOUT = 600
LOG_TAIL = 1500  # characters of a failed build's log shown in a check finding


# ------------------------------------------------------------------ where things are

def sites_dir() -> Path:
    return Path(current_app.config["SITES_DIR"])


def previews_dir() -> Path:
    return Path(current_app.config["PREVIEWS_DIR"])


def platform_url() -> str:
    """Where the feedback form of built pages posts: "" = the origin that serves the site (us)."""
    return str(current_app.config.get("SITES_PLATFORM_URL", ""))


def _site_error(error: SiteError, status: int = 400) -> UserError:
    params = {k: v for k, v in error.params.items() if k != "log" and isinstance(v, (str, int, float))}
    return UserError(error.code, status=status, **params)


def version_exists(book: str, version: str) -> bool:
    tag = release_tag(book, version)
    return (sites_dir() / book / version).exists() or tag in library().tags()


# ------------------------------------------------------------------ releases

@dataclass
class ReleaseInfo:
    """One published version as the releases page lists it."""

    version: str
    tag: str
    commit: str | None
    released_at: datetime | None
    message: str
    latest: bool
    hidden: bool
    withdrawn: bool


def _tag_facts(book: str) -> dict[str, dict[str, Any]]:
    """Tag name -> commit, date and message of the book's release tags (one git call)."""
    validate_book_slug(book)
    lib = library()
    out = lib.git(GitCommand("for-each-ref", "--format=%(refname:strip=2)%00%(creatordate:unix)%00%(*objectname)"
                             "%00%(objectname)%00%(contents:subject)%01").value(f"refs/tags/{book}/"), check=False)
    facts: dict[str, dict[str, Any]] = {}
    for line in out.split("\x01"):
        parts = line.strip("\n").split("\x00")
        if len(parts) != 5:
            continue
        name, stamp, peeled, sha, subject = parts
        when = datetime.fromtimestamp(int(stamp), timezone.utc) if stamp.isdigit() else None
        facts[name] = {"commit": peeled or sha, "date": when, "message": subject}
    return facts


def releases(book: str, include_hidden: bool = False) -> list[ReleaseInfo]:
    """The versions of ``book`` newest first, as versions.json orders them, with their tags."""
    tags = _tag_facts(book)
    listed = []
    for entry in read_versions(sites_dir(), book):
        props = entry.get("properties") or {}
        if props.get("hidden") and not include_hidden:
            continue
        version = entry["version"]
        tag = release_tag(book, version)
        facts = tags.get(tag, {})
        commit, built = facts.get("commit"), None
        try:
            built_record = json.loads((sites_dir() / book / version / BUILD_RECORD).read_text())
            commit = commit or built_record.get("commit")
            built = datetime.strptime(built_record["built_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        except (OSError, ValueError, KeyError):
            pass
        listed.append(ReleaseInfo(version, tag, commit, facts.get("date") or built, facts.get("message", ""),
                                  LATEST in entry.get("aliases", []), bool(props.get("hidden")),
                                  bool(props.get("withdrawn"))))
    return listed


def check_new_version(book: str, version: str) -> str:
    """Refuse a malformed or already released version before anything is queued."""
    try:
        validate_version(version)
    except SiteError as error:
        raise _site_error(error) from None
    if version_exists(book, version):
        raise UserError("release.version_exists", status=409, book=book, version=version)
    return version


def request_release(user: Any, book: str, version: str, message: str = "", rev: str = "main") -> Job:
    """Queue the release of ``rev`` (resolved now: what the maintainer confirmed) as ``version``."""
    check_new_version(book, version)
    lib = library()
    try:
        commit = lib.resolve(rev)
        on_main = lib.is_ancestor(commit, lib.resolve("main"))
    except MaterialsError:
        on_main = False
    if not on_main:
        raise UserError("release.commit_not_on_main", status=409)
    author = git_author(user)
    job = enqueue(db(), RELEASE_JOB, {
        "book": book, "version": version, "message": message.strip(), "commit": commit,
        "tagger": {"name": author.name, "email": author.email, "side": author.side}, "user_id": user.id,
    }, key=f"release:{book}:{version}", created_by=user.id)
    record("site.release_requested", f"{book}@{version}", job=job.id, commit=commit)
    db().commit()
    return job


@job_kind(RELEASE_JOB)
def run_release(job: JobContext) -> dict[str, Any]:
    """Tag and publish; the log of the build (or of its failure) becomes the job's log."""
    p = job.payload
    tagger = Author(p["tagger"]["name"], p["tagger"]["email"], p["tagger"].get("side"))
    job.log(f"release {p['book']} {p['version']} at {p['commit'][:12]}")
    try:
        done = release(library(), p["book"], p["version"], sites_dir(), tagger, p.get("message") or None,
                       rev=p["commit"], platform_url=platform_url(), cache_dir=sites_dir() / ".cache",
                       timeout=float(current_app.config.get("BUILD_TIMEOUT", BUILD_TIMEOUT)))
    except SiteError as error:
        job.log(str(error.params.get("log") or ""))
        job.log(f"{error.code}: {error.message}")
        raise
    job.log(done.build.log)
    job.log(f"published {done.tag} in {done.build.duration:.1f} s")
    actor = db().get(User, p.get("user_id")) if p.get("user_id") else None
    record("site.released", f"{p['book']}@{p['version']}", actor=actor, tag=done.tag, commit=done.commit, job=job.id)
    db().commit()
    return {"book": p["book"], "version": p["version"], "tag": done.tag, "commit": done.commit,
            "duration": round(done.build.duration, 3), "skipped": done.build.skipped,
            "url": f"/read/{p['book']}/{p['version']}/"}


def set_state(user: Any, book: str, version: str, *, hidden: bool | None = None,
              withdrawn: bool | None = None) -> list[dict]:
    """Hide / show a version in the selector, or withdraw / restore it; audited."""
    try:
        versions = set_version_state(sites_dir(), book, version, hidden=hidden, withdrawn=withdrawn)
    except SiteError as error:
        raise _site_error(error, 404) from None
    changes = {k: v for k, v in {"hidden": hidden, "withdrawn": withdrawn}.items() if v is not None}
    record("site.version_state", f"{book}@{version}", actor=user, **changes)
    db().commit()
    return versions


# ------------------------------------------------------------------ previews

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


def _build_preview(book: str, cr: str | int, head: str):  # -> build.site.BuildResult
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
        result = _build_preview(p["book"], p["cr"], p["head"])
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


def _cr_with_head(book: str, head: str) -> int | None:
    """The newest active change request of ``book`` whose head is ``head``."""
    return db().scalar(select(ChangeRequest.number).where(ChangeRequest.book == book, ChangeRequest.head == head,
                                                          ChangeRequest.state.in_(("draft", "open")))
                       .order_by(ChangeRequest.number.desc()).limit(1))


# ------------------------------------------------------------------ the build check of change requests

def build_check(ctx: Any) -> list:  # review.checks.CheckContext -> list[Finding]
    """Does the head build? Reuses (or makes) the change request's preview of that head."""
    from review.checks import Finding

    book_yml = f"books/{ctx.book}/book.yml"
    try:
        cr = _cr_with_head(ctx.book, ctx.head) if has_app_context() else None
        if cr is not None:
            result = _build_preview(ctx.book, cr, ctx.head)
        else:
            with tempfile.TemporaryDirectory(prefix=".check-") as tmp:
                result = build_site(ctx.lib, ctx.book, ctx.head, Path(tmp) / "site", version="check",
                                    platform_url=None, timeout=BUILD_TIMEOUT)
    except BuildFailed as error:
        tail = str(error.params.get("log") or error.message)[-LOG_TAIL:]
        return [Finding(book_yml, None, error.code, {"detail": tail}, error.message)]
    except SiteError as error:
        params = {k: v for k, v in error.params.items() if isinstance(v, (str, int, float, bool))}
        return [Finding(book_yml, None, error.code, params, error.message)]
    return [Finding(book_yml, None, "build.warning", {"detail": w}, w, "warning") for w in result.warnings]


def register_build_check() -> None:
    from review.checks import register_check

    register_check("build", build_check)


register_build_check()


# ------------------------------------------------------------------ jobs of a book

def book_jobs(book: str, limit: int = 100) -> list[Job]:
    """Releases and previews of ``book``, newest first."""
    return list(db().scalars(select(Job).where(or_(
        Job.key.startswith(f"release:{book}:", autoescape=True),
        Job.key.startswith(f"preview:{book}:", autoescape=True),
    )).order_by(Job.id.desc()).limit(limit)))


def book_job(book: str, job_id: int) -> Job:
    job = db().get(Job, job_id)
    if job is None or job.kind not in (RELEASE_JOB, PREVIEW_JOB) or (job.payload or {}).get("book") != book:
        raise UserError("job.not_found", status=404)
    return job


def latest(book: str) -> str | None:
    return latest_version(sites_dir(), book)
