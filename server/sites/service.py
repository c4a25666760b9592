"""Published sites on the server: where their files live, and the build jobs of a book.

``build/`` knows how to build and publish a site; ``releases`` and
``previews`` decide when, for whom and off which request, and run the builds
as jobs; ``build_check`` is the ``build`` check of change requests; the pages
in ``views`` serve what was published.
"""


from __future__ import annotations
from pathlib import Path
from flask import current_app
from sqlalchemy import or_, select
from build.publish import latest_version
from server.database import db
from server.errors import UserError
from server.jobs.models import Job


RELEASE_JOB = "site.release"
PREVIEW_JOB = "site.preview"
DOWNLOAD_JOB = "site.download"  # a release's printed book, EPUB or task sheets
BUILD_TIMEOUT = 600


def sites_dir() -> Path:
    return Path(current_app.config["SITES_DIR"])


def previews_dir() -> Path:
    return Path(current_app.config["PREVIEWS_DIR"])


def platform_url() -> str:
    """Where the feedback form of built pages posts: "" = the origin that serves the site (us)."""
    return str(current_app.config.get("SITES_PLATFORM_URL", ""))


def book_jobs(book: str, limit: int = 100) -> list[Job]:
    """Releases, their downloads and previews of ``book``, newest first."""
    return list(db().scalars(select(Job).where(or_(
        Job.key.startswith(f"release:{book}:", autoescape=True),
        Job.key.startswith(f"download:{book}:", autoescape=True),
        Job.key.startswith(f"preview:{book}:", autoescape=True),
    )).order_by(Job.id.desc()).limit(limit)))


def book_job(book: str, job_id: int) -> Job:
    job = db().get(Job, job_id)
    if job is None or job.kind not in (RELEASE_JOB, PREVIEW_JOB, DOWNLOAD_JOB) or (job.payload or {}).get("book") != book:
        raise UserError("job.not_found", status=404)
    return job


def latest(book: str) -> str | None:
    return latest_version(sites_dir(), book)
