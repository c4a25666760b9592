"""The review dossier (送审材料) of a release, made by a job (or the command line) from the library and the inbox.

``build.dossier`` typesets it from the library; the readers' feedback of the
period (since the previous release) comes from the feedback inbox, which only
the server reads. The PDF is kept at ``DOSSIERS_DIR/<book>/<version>.pdf``
(by default the instance's ``dossiers/``) and replaced when made again.
"""


from __future__ import annotations
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from flask import current_app
from sqlalchemy import select
from build.errors import SiteError
from build.dossier import DossierResult, ReadersFeedback, build_dossier
from build.publish import validate_version
from build.site import previous_release, release_tag
from materials import MaterialsError
from materials.paths import validate_book_slug
from server.audit.service import record
from server.database import db
from server.errors import UserError
from server.dashboard.periods import Period
from server.feedback.models import STATE_LABELS
from server.jobs.models import Job
from server.jobs.queue import JobContext, enqueue, job_kind
from server.library import library
from server.textbook_reviews.usage_report import usage_report


DOSSIER_JOB = "textbook_review.dossier"


def dossiers_dir() -> Path:
    return Path(current_app.config.get("DOSSIERS_DIR") or Path(current_app.config["JOINTBOOK_INSTANCE"]) / "dossiers")


def dossier_path(book: str, version: str) -> Path:
    validate_book_slug(book)
    return dossiers_dir() / book / f"{validate_version(version)}.pdf"


def _tag_date(tag: str) -> datetime | None:
    lib = library()
    try:
        kind, data = lib.objects.read(lib.refs.get(f"refs/tags/{tag}") or "")
    except (MaterialsError, ValueError, KeyError, TypeError):
        return None
    for line in data.split(b"\n"):
        if line.startswith((b"tagger ", b"committer ")):
            try:
                return datetime.fromtimestamp(int(line.rsplit(b" ", 2)[1]), timezone.utc)
            except (ValueError, IndexError):
                return None
        if not line:
            break
    return None


def readers_feedback(book: str, version: str, until: datetime | None = None) -> ReadersFeedback:
    """The usage-tracking report (``usage_report``) from the previous release up to ``until`` (now), as the
    dossier's section on readers' feedback."""
    lib = library()
    tag = release_tag(book, version)
    earlier = previous_release(lib, book, lib.resolve(tag), exclude=tag)
    since = _tag_date(release_tag(book, earlier[0])) if earlier else None
    until = until or datetime.now(timezone.utc)
    report = usage_report(book, Period(since, until, "custom"))
    title = lambda chapter: report.titles.get(chapter or "", chapter or "")  # noqa: E731
    return ReadersFeedback(
        since=since.date().isoformat() if since else None, until=until.date().isoformat(),
        by_kind={k: n for k, n in report.by_kind.items() if n},
        errors_fixed=len(report.fixed), questions_answered=len(report.answered),
        average_rating=report.average_rating,
        items=[{"kind": i["kind"], "chapter": title(i["chapter"]), "text": i["text"],
                "state": _zh(STATE_LABELS.get(i["state"], i["state"]))} for i in report.items])


def _zh(label: Any) -> str:
    """The dossier is in Chinese whoever asks for it."""
    from flask_babel import force_locale
    with force_locale("zh_CN"):
        return str(label)


def make_dossier(book: str, version: str, out: Path | None = None, statement: str = "") -> DossierResult:
    """Typeset the dossier now (the job and ``jointbook dossier`` call this)."""
    tag = release_tag(book, version)
    if tag not in library().tags():
        raise UserError("textbook_review.no_release", status=404, version=version[:40])
    return build_dossier(library(), book, version, out or dossier_path(book, version), statement=statement,
                         feedback=readers_feedback(book, version))


def request_dossier(user: Any, book: str, version: str, statement: str = "") -> Job:
    dossier_path(book, version)
    if release_tag(book, version) not in library().tags():
        raise UserError("textbook_review.no_release", status=404, version=version[:40])
    job = enqueue(db(), DOSSIER_JOB, {"book": book, "version": version, "statement": statement.strip()},
                  key=f"dossier:{book}:{version}", created_by=user.id)
    record("textbook_review.dossier_requested", f"{book}@{version}", job=job.id)
    db().commit()
    return job


@job_kind(DOSSIER_JOB)
def run_dossier(job: JobContext) -> dict[str, Any]:
    p = job.payload
    job.log(f"dossier of {p['book']} {p['version']}")
    done = make_dossier(p["book"], p["version"], statement=p.get("statement") or "")
    job.log(f"{done.pages} pages in {done.duration:.1f} s")
    return {"book": p["book"], "version": p["version"], "pages": done.pages}


def dossier_state(book: str, version: str) -> dict[str, Any]:
    """ready (with its size and time) / queued / running / failed (with why) / none."""
    job = db().scalar(select(Job).where(Job.kind == DOSSIER_JOB, Job.key == f"dossier:{book}:{version}")
                      .order_by(Job.id.desc()))
    try:
        path = dossier_path(book, version)
    except (MaterialsError, SiteError):
        return {"state": "none"}
    made = path.is_file()
    if job is not None and job.status in ("queued", "running"):
        return {"state": job.status, "ready": made}
    if made:
        stat = path.stat()
        return {"state": "ready", "size": stat.st_size,
                "made_at": datetime.fromtimestamp(stat.st_mtime, timezone.utc)}
    if job is not None and job.status == "failed":
        last = [line for line in (job.log or "").splitlines() if line.strip()]
        return {"state": "failed", "error": last[-1][:300] if last else ""}
    return {"state": "none"}
