"""Published versions of a book, their builds, and change request previews."""


from __future__ import annotations
from typing import Any
from flask import url_for
from flask_login import current_user
from server.errors import UserError
from server.sites import downloads, previews, releases as versions, service
from server.jobs.models import job_json
from server.rest.registry import endpoint
from server.rest.schemas import BookName, Job, JobList, RowId
from server.sites import schemas
from server.library import book_title
from server.permissions import Ability, book_access, may


def release_json(book: str, release: versions.ReleaseInfo,
                 files: list[downloads.DownloadState] | None = None) -> dict[str, Any]:
    if files is None:
        files = downloads.release_downloads(book, [release.version])[release.version]
    return {"version": release.version, "tag": release.tag, "commit": release.commit,
            "released_at": release.released_at.isoformat() if release.released_at else None,
            "message": release.message, "latest": release.latest, "hidden": release.hidden,
            "withdrawn": release.withdrawn, "url": f"/read/{book}/{release.version}/",
            "downloads": [{"format": d.format, "label": d.label, "url": d.url, "state": d.state, "size": d.size,
                           "done": d.done, "total": d.total, "error": d.error, "job_id": d.job_id} for d in files]}


@endpoint("GET", "/books/{book}/releases", summary="Published versions of a book", params={"book": BookName},
          response=schemas.ReleaseList, tags=["sites"], errors=(503,))
@book_access(Ability.read)
def list_releases(book: str) -> dict[str, Any]:
    book_title(book)
    hidden = may(current_user, Ability.maintain, book)
    listed = versions.releases(book, include_hidden=hidden)
    files = downloads.release_downloads(book, [r.version for r in listed])
    return {"book": book, "latest": service.latest(book),
            "releases": [release_json(book, r, files[r.version]) for r in listed]}


@endpoint("POST", "/books/{book}/releases", summary="Release main as a new version (a build job)",
          params={"book": BookName}, body=schemas.NewRelease, response=schemas.ReleaseQueued, status=202,
          tags=["sites"], errors=(400, 409, 503))
@book_access(Ability.maintain)
def create_release(book: str, body: schemas.NewRelease) -> dict[str, Any]:
    book_title(book)
    job = versions.request_release(current_user, book, body.version.strip(), body.message,
                                  rev=body.commit or "main")
    return {"job": job_json(job), "status_url": url_for("api.get_build", book=book, job_id=job.id)}


@endpoint("PATCH", "/books/{book}/releases/{version}", summary="Hide or withdraw a version (or undo it)",
          params={"book": BookName, "version": schemas.VersionName}, body=schemas.VersionState,
          response=schemas.Release, tags=["sites"], errors=(503,))
@book_access(Ability.maintain)
def change_release(book: str, version: str, body: schemas.VersionState) -> dict[str, Any]:
    book_title(book)
    versions.set_state(current_user, book, version, hidden=body.hidden, withdrawn=body.withdrawn)
    found = next(r for r in versions.releases(book, include_hidden=True) if r.version == version)
    return release_json(book, found)


@endpoint("POST", "/books/{book}/releases/{version}/downloads",
          summary="Make the downloads a version lacks (never made, or failed): printed book, EPUB, task sheets",
          params={"book": BookName, "version": schemas.VersionName}, response=schemas.DownloadsQueued, status=202,
          tags=["sites"], errors=(404, 503))
@book_access(Ability.maintain)
def make_downloads(book: str, version: str) -> dict[str, Any]:
    book_title(book)
    found = next((r for r in versions.releases(book, include_hidden=True) if r.version == version), None)
    if found is None:
        raise UserError("release.version_not_found", status=404, book=book, version=version)
    return {"jobs": [job_json(job) for job in downloads.request_missing(book, version, found.commit,
                                                                         current_user.id)]}


@endpoint("GET", "/books/{book}/builds", summary="Release and preview builds of a book", params={"book": BookName},
          response=JobList, tags=["sites"], errors=(503,))
@book_access(Ability.maintain)
def list_builds(book: str) -> dict[str, Any]:
    book_title(book)
    return {"jobs": [job_json(job) for job in service.book_jobs(book)]}


@endpoint("GET", "/books/{book}/builds/{job_id}", summary="One build: status, log and duration",
          params={"book": BookName, "job_id": RowId}, response=Job, tags=["sites"], errors=(503,))
@book_access(Ability.maintain)
def get_build(book: str, job_id: int) -> dict[str, Any]:
    book_title(book)
    return job_json(service.book_job(book, job_id))


@endpoint("GET", "/books/{book}/previews/{number}", summary="The preview site of a change request",
          params={"book": BookName, "number": RowId}, response=schemas.PreviewStatus, tags=["sites"],
          errors=(503,))
@book_access(Ability.read)
def get_preview(book: str, number: int) -> dict[str, Any]:
    book_title(book)
    status = previews.preview_status(book, number)
    return {"number": number, "state": status.state, "url": status.url, "commit": status.commit,
            "current": status.current, "job_id": status.job_id, "duration": status.duration}
