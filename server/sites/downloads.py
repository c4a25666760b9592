"""A release's downloads on the server: the printed book, the EPUB and the task sheets, made by jobs.

Publishing a release puts its site online first; then one job per download
(``RELEASE_DOWNLOADS``: pdf, epub, sheets; sheets only for a book with work
tasks) typesets it from the released commit into the release's directory
(``build.downloads``), with the QR codes and links leading to that release's
pages at ``PLATFORM_URL``. The files are served with the site, under its
immutable address. The releases page shows each download: its size once it
is there, its progress while it is made, and why it failed (a machine without
the Noto CJK fonts says which package to install); a maintainer can ask for
the missing ones again.
"""


from __future__ import annotations
from dataclasses import dataclass
from typing import Any
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from build.downloads import DOWNLOADS, FORMATS, build_download, download_path, offered
from build.errors import SiteError
from materials import MaterialsError
from server.database import db
from server.errors import UserError, message_for
from server.jobs.models import Job
from server.jobs.queue import JobContext, enqueue, job_kind
from server.library import library
from server.sites.service import DOWNLOAD_JOB, sites_dir


LABELS = {"pdf": _l("Printed book (PDF)"), "epub": _l("E-book (EPUB)"), "sheets": _l("Loose-leaf task sheets (PDF)")}
JOB_KEY = "download:{book}:{version}:{format}"


def wanted_formats() -> list[str]:
    """The downloads every release gets (``RELEASE_DOWNLOADS``, comma-separated; empty: none)."""
    given = current_app.config.get("RELEASE_DOWNLOADS", ",".join(FORMATS))
    names = [f.strip() for f in (given.split(",") if isinstance(given, str) else given or [])]
    return [f for f in FORMATS if f in names]


def site_url(book: str, version: str) -> str:
    """The release's immutable address, where its QR codes and links lead."""
    return f"{str(current_app.config.get('PLATFORM_URL') or '').rstrip('/')}/read/{book}/{version}/"


def download_url(book: str, version: str, fmt: str) -> str:
    return f"/read/{book}/{version}/downloads/{DOWNLOADS[fmt].filename(book, version)}"


def request_downloads(book: str, version: str, commit: str, user_id: int | None = None,
                      formats: list[str] | None = None) -> list[Job]:
    """Queue the jobs that make the downloads of a published release (those the book offers)."""
    try:
        offer = {d.format for d in offered(library().book(book, commit))}
    except MaterialsError:
        return []
    jobs = []
    for fmt in formats if formats is not None else wanted_formats():
        if fmt in offer:
            jobs.append(enqueue(db(), DOWNLOAD_JOB, {"book": book, "version": version, "commit": commit,
                                                     "format": fmt},
                                key=JOB_KEY.format(book=book, version=version, format=fmt), created_by=user_id))
    return jobs


@job_kind(DOWNLOAD_JOB)
def run_download(job: JobContext) -> dict[str, Any]:
    """Typeset one download into the release's directory; its progress is shown while it runs."""
    p = job.payload
    book, version, fmt = p["book"], p["version"], p["format"]
    out = download_path(sites_dir(), book, version, fmt)
    job.log(f"{DOWNLOADS[fmt].label_en} of {book} {version} at {p['commit'][:12]}")
    try:
        result = build_download(library(), book, p["commit"], fmt, out, version=version,
                                site_url=site_url(book, version), cache_dir=sites_dir() / ".cache",
                                progress=job.progress)
    except SiteError as error:
        if error.params.get("log"):
            job.log(str(error.params["log"]))
        job.log(f"{error.code}: {error.message}")
        raise
    for warning in result.warnings:
        job.log(f"warning: {warning}")
    size = out.stat().st_size
    job.log(f"{'unchanged, copied' if result.skipped else 'written'}: {out.name} ({size} bytes) "
            f"in {result.duration:.1f} s")
    return {"book": book, "version": version, "format": fmt, "url": download_url(book, version, fmt),
            "size": size, "pages": getattr(result, "pages", None), "skipped": result.skipped,
            "duration": round(result.duration, 3)}


@dataclass
class DownloadState:
    """One download of a release as the releases page shows it."""

    format: str
    label: str
    filename: str
    url: str
    state: str                  # ready | queued | running | failed
    size: int | None = None
    done: int | None = None     # progress while running
    total: int | None = None
    error: str | None = None    # why it failed, in the reader's language
    job_id: int | None = None

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.total) if self.done is not None and self.total else None


def _latest_jobs(book: str) -> dict[tuple[str, str], Job]:
    """(version, format) -> the newest download job of ``book``."""
    found: dict[tuple[str, str], Job] = {}
    for job in db().scalars(select(Job).where(Job.kind == DOWNLOAD_JOB,
                                              Job.key.startswith(f"download:{book}:", autoescape=True))
                            .order_by(Job.id.desc()).limit(500)):
        payload = job.payload or {}
        found.setdefault((str(payload.get("version")), str(payload.get("format"))), job)
    return found


def release_downloads(book: str, versions: list[str]) -> dict[str, list[DownloadState]]:
    """Version -> its downloads: each file there (ready, with its size), being made, or failed."""
    jobs = _latest_jobs(book)
    out: dict[str, list[DownloadState]] = {}
    for version in versions:
        listed = []
        for fmt in FORMATS:
            path = download_path(sites_dir(), book, version, fmt)
            job = jobs.get((version, fmt))
            state = DownloadState(fmt, str(LABELS[fmt]), path.name, download_url(book, version, fmt), "ready",
                                  job_id=job.id if job else None)
            if job is not None and job.status in ("queued", "running"):
                state.state = job.status
                progress = (job.result or {}).get("progress") or {}
                state.done, state.total = progress.get("done"), progress.get("total")
            elif path.is_file():
                state.size = path.stat().st_size
            elif job is not None and job.status in ("failed", "cancelled"):
                state.state = "failed"
                error = (job.result or {}).get("error") or {}
                state.error = message_for(error["code"], error.get("params")) if error.get("code") \
                    else _("The download could not be made. The job's log says why.")
            else:
                continue
            listed.append(state)
        out[version] = listed
    return out


def request_missing(book: str, version: str, commit: str | None, user_id: int | None) -> list[Job]:
    """A maintainer asks again for the downloads a release lacks (never built, or failed)."""
    if not commit:
        raise UserError("release.version_not_found", status=404, book=book, version=version)
    have = {d.format for d in release_downloads(book, [version])[version] if d.state != "failed"}
    jobs = request_downloads(book, version, commit, user_id, [f for f in FORMATS if f not in have])
    db().commit()
    return jobs


def file_size(size: int | None) -> str:
    """A size for people: 356 KB, 1.2 MB."""
    if size is None:
        return ""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"
