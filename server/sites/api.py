"""Published versions of a book, their builds, and change request previews."""


from __future__ import annotations
from typing import Any
from flask import url_for
from flask_login import current_user
from build.publish import MAX_VERSION_LENGTH, VERSION_PATTERN
from server.sites import previews, releases as versions, service
from server.jobs.models import job_json
from server.api.registry import endpoint, schema
from server.api.schemas import BOOK_PARAM, DATETIME_OR_NULL, JOB, JOB_LIST
from server.library import book_title
from server.permissions import Ability, book_access, may


VERSION_PARAM = {"type": "string", "maxLength": 40}
RELEASE = schema("Release", {
    "type": "object",
    "required": ["version", "tag", "commit", "released_at", "message", "latest", "hidden", "withdrawn", "url"],
    "properties": {
        "version": {"type": "string"}, "tag": {"type": "string"}, "commit": {"type": ["string", "null"]},
        "released_at": DATETIME_OR_NULL, "message": {"type": "string"}, "latest": {"type": "boolean"},
        "hidden": {"type": "boolean"}, "withdrawn": {"type": "boolean"}, "url": {"type": "string"},
    },
})
RELEASE_LIST = schema("ReleaseList", {
    "type": "object", "required": ["book", "latest", "releases"],
    "properties": {"book": {"type": "string"}, "latest": {"type": ["string", "null"]},
                   "releases": {"type": "array", "items": RELEASE}},
})
NEW_RELEASE = schema("NewRelease", {
    "type": "object", "required": ["version"], "additionalProperties": False,
    "properties": {"version": {"type": "string", "minLength": 1, "maxLength": MAX_VERSION_LENGTH,
                               "description": f"numbers joined by dots, e.g. 2026.1 or 1.2.0-rc.1: {VERSION_PATTERN}"
                                              " (anything else: 400 release.version_invalid)"},
                   "message": {"type": "string", "maxLength": 2000},
                   "commit": {"type": "string", "pattern": "^[0-9a-f]{40}$",
                              "description": "the commit of main to release (default: main now)"}},
})
RELEASE_QUEUED = schema("ReleaseQueued", {
    "type": "object", "required": ["job", "status_url"],
    "properties": {"job": JOB, "status_url": {"type": "string"}},
})
VERSION_STATE = schema("VersionState", {
    "type": "object", "additionalProperties": False, "minProperties": 1,
    "properties": {"hidden": {"type": "boolean"}, "withdrawn": {"type": "boolean"}},
})
PREVIEW = schema("PreviewStatus", {
    "type": "object", "required": ["number", "state", "url", "commit", "current", "job_id", "duration"],
    "properties": {
        "number": {"type": "integer"},
        "state": {"type": "string", "enum": ["none", "queued", "running", "succeeded", "failed"]},
        "url": {"type": ["string", "null"]}, "commit": {"type": ["string", "null"]},
        "current": {"type": "boolean"}, "job_id": {"type": ["integer", "null"]},
        "duration": {"type": ["number", "null"]},
    },
})


def release_json(book: str, release: versions.ReleaseInfo) -> dict[str, Any]:
    return {"version": release.version, "tag": release.tag, "commit": release.commit,
            "released_at": release.released_at.isoformat() if release.released_at else None,
            "message": release.message, "latest": release.latest, "hidden": release.hidden,
            "withdrawn": release.withdrawn, "url": f"/read/{book}/{release.version}/"}


@endpoint("GET", "/books/{book}/releases", summary="Published versions of a book", params={"book": BOOK_PARAM},
          response=RELEASE_LIST, tags=["sites"], errors=(503,))
@book_access(Ability.read)
def list_releases(book: str) -> dict[str, Any]:
    book_title(book)
    hidden = may(current_user, Ability.maintain, book)
    return {"book": book, "latest": service.latest(book),
            "releases": [release_json(book, r) for r in versions.releases(book, include_hidden=hidden)]}


@endpoint("POST", "/books/{book}/releases", summary="Release main as a new version (a build job)",
          params={"book": BOOK_PARAM}, body=NEW_RELEASE, response=RELEASE_QUEUED, status=202, tags=["sites"],
          errors=(400, 409, 503))
@book_access(Ability.maintain)
def create_release(book: str, body: dict[str, Any]) -> dict[str, Any]:
    book_title(book)
    job = versions.request_release(current_user, book, body["version"].strip(), body.get("message", ""),
                                  rev=body.get("commit") or "main")
    return {"job": job_json(job), "status_url": url_for("api.get_build", book=book, job_id=job.id)}


@endpoint("PATCH", "/books/{book}/releases/{version}", summary="Hide or withdraw a version (or undo it)",
          params={"book": BOOK_PARAM, "version": VERSION_PARAM}, body=VERSION_STATE, response=RELEASE,
          tags=["sites"], errors=(503,))
@book_access(Ability.maintain)
def change_release(book: str, version: str, body: dict[str, Any]) -> dict[str, Any]:
    book_title(book)
    versions.set_state(current_user, book, version, hidden=body.get("hidden"), withdrawn=body.get("withdrawn"))
    found = next(r for r in versions.releases(book, include_hidden=True) if r.version == version)
    return release_json(book, found)


@endpoint("GET", "/books/{book}/builds", summary="Release and preview builds of a book", params={"book": BOOK_PARAM},
          response=JOB_LIST, tags=["sites"], errors=(503,))
@book_access(Ability.maintain)
def list_builds(book: str) -> dict[str, Any]:
    book_title(book)
    return {"jobs": [job_json(job) for job in service.book_jobs(book)]}


@endpoint("GET", "/books/{book}/builds/{job_id}", summary="One build: status, log and duration",
          params={"book": BOOK_PARAM, "job_id": {"type": "integer"}}, response=JOB, tags=["sites"], errors=(503,))
@book_access(Ability.maintain)
def get_build(book: str, job_id: int) -> dict[str, Any]:
    book_title(book)
    return job_json(service.book_job(book, job_id))


@endpoint("GET", "/books/{book}/previews/{number}", summary="The preview site of a change request",
          params={"book": BOOK_PARAM, "number": {"type": "integer"}}, response=PREVIEW, tags=["sites"],
          errors=(503,))
@book_access(Ability.read)
def get_preview(book: str, number: int) -> dict[str, Any]:
    book_title(book)
    status = previews.preview_status(book, number)
    return {"number": number, "state": status.state, "url": status.url, "commit": status.commit,
            "current": status.current, "job_id": status.job_id, "duration": status.duration}
