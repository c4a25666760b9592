"""Releases of a book: a version is asked for, checked at once, then tagged and published by a job.

A release is asked for on a page (or the API) and checked at once (version
name, not yet released); the job tags the commit the maintainer confirmed and
publishes its site. Published versions can be hidden from the version
selector or withdrawn, audited.
"""


from __future__ import annotations
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from flask import current_app
from build.errors import SiteError
from build.publish import LATEST, read_versions, release, set_version_state, validate_version
from build.site import BUILD_RECORD, release_tag
from materials import Author, GitCommand, MaterialsError
from materials.paths import validate_book_slug
from server.accounts.models import User
from server.accounts.service import git_author
from server.audit.service import record
from server.database import db
from server.errors import UserError
from server.jobs.models import Job
from server.jobs.queue import JobContext, enqueue, job_kind
from server.library import library
from server.sites.downloads import request_downloads
from server.sites.service import BUILD_TIMEOUT, RELEASE_JOB, platform_url, sites_dir


def _site_error(error: SiteError, status: int = 400) -> UserError:
    params = {k: v for k, v in error.params.items() if k != "log" and isinstance(v, (str, int, float))}
    return UserError(error.code, status=status, **params)


def version_exists(book: str, version: str) -> bool:
    tag = release_tag(book, version)
    return (sites_dir() / book / version).exists() or tag in library().tags()


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
    for queued in request_downloads(p["book"], p["version"], done.commit, p.get("user_id")):
        job.log(f"queued job {queued.id}: {queued.payload['format']}")
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
