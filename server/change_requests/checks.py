"""The checks of a change request: which run on each head, as jobs, and their findings as text.

A new head gets a pending row per check and one job (de-duplicated per head);
the queued checks of its earlier heads are cancelled. A broken check fails
itself, never the others.
"""
from __future__ import annotations

import re
from typing import Any

from flask import url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from review.checks import CheckResult, Finding, registered_checks, run_check
from review.messages import describe_code
from server.change_requests.models import ACTIVE, ChangeRequest, CheckRun
from server.change_requests.service import MAIN, policy_of
from server.database import db, new_session, utcnow
from server.jobs.queue import JobContext, Superseded, enqueue, job_kind
from server.library import library


def check_names(book: str) -> list[str]:
    """What runs on each head: the checks the policy requires, then every other registered one
    (except the site build, which takes seconds: only when the policy asks for it)."""
    required = list(policy_of(book).checks)
    return list(dict.fromkeys(required + [n for n in registered_checks() if n != "build" or n in required]))


def schedule_checks(row: ChangeRequest) -> None:
    """Pending rows for each check on the current head, and a job to run them (once per head);
    the queued checks of the change request's earlier heads are cancelled."""
    if row.state not in ACTIVE:
        return
    existing = set(db().scalars(select(CheckRun.name).where(CheckRun.change_request_id == row.id,
                                                            CheckRun.head == row.head)))
    for name in check_names(row.book):
        if name not in existing:
            db().add(CheckRun(change_request_id=row.id, name=name, head=row.head, status="pending", findings=[]))
    try:
        db().commit()
    except IntegrityError:  # another writer of the branch (a push, a save) scheduled this head at the same moment
        db().rollback()
        return
    enqueue(db(), "change_request.checks", {"id": row.id, "head": row.head}, key=f"cr-checks:{row.id}:{row.head}",
            supersedes=f"cr-checks:{row.id}:")


@job_kind("change_request.checks")
def run_checks_job(job: JobContext) -> dict[str, Any]:
    """Run every check of one head and store each result with its findings."""
    lib = library()
    results: dict[str, str] = {}
    with new_session(job.app) as session:
        row = session.get(ChangeRequest, job.payload["id"])
        if row is None:
            return {"skipped": "gone"}
        head = job.payload["head"]
        base = lib.merge_base(MAIN, head)
        runs = session.scalars(select(CheckRun).where(CheckRun.change_request_id == row.id, CheckRun.head == head)).all()
        for run in runs:
            session.refresh(row)
            if row.state not in ACTIVE or row.head != head:
                raise Superseded(f"change request #{row.number} moved on to {row.head[:10]} ({row.state})")
            try:
                result = run_check(run.name, lib, row.book, head, base)
            except Exception as error:  # a broken check fails itself, never the others
                job.log(f"{run.name}: {error!r}")
                result = CheckResult(run.name, "failed", (Finding("", None, "check.crashed", {"check": run.name},
                                                                  str(error)),), head)
            run.status = result.status
            run.findings = [f.to_dict() for f in result.findings]
            run.finished_at = utcnow()
            results[run.name] = result.status
            job.log(f"{run.name}: {result.status} ({len(result.findings)} findings)")
        session.commit()
    return results


def check_runs(row: ChangeRequest, head: str | None = None) -> list[CheckRun]:
    return list(db().scalars(select(CheckRun).where(CheckRun.change_request_id == row.id,
                                                    CheckRun.head == (head or row.head)).order_by(CheckRun.name)))


def described_findings(row: ChangeRequest, run: CheckRun) -> list[dict[str, Any]]:
    """A check's findings as the page and the API give them: each with its text in the reader's
    language (materials' codes keep the message materials wrote) and the place it points to."""
    return [{**f, "text": describe_code(f["code"], f.get("params") or {}, f.get("message", ""), translate=gettext),
             "url": check_url(row, f)} for f in run.findings or []]


def check_url(row: ChangeRequest, finding: dict[str, Any]) -> str | None:
    """Where a finding points: the file in the change's diff at its line, or the chapter page."""
    path = finding.get("path") or ""
    if not path:
        return None
    anchor = f"#L-{path_id(path)}-{finding['line']}" if finding.get("line") else f"#F-{path_id(path)}"
    return url_for("change_requests.files", book=row.book, number=row.number) + anchor


def path_id(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", path)
