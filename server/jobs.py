"""Work done off the request: site builds and anything else slow.

A job is a row in the database (kind, JSON payload, status, log, duration).
``enqueue`` adds one; every server process runs a ``JobRunner`` thread that
claims queued jobs with ``UPDATE ... WHERE id=? AND status='queued'`` and
checks the row count, so two processes never run the same job.

A later part registers what a kind of job does::

    from server.jobs import job_kind, JobContext

    @job_kind("site.build")
    def build_site(job: JobContext) -> dict | None:
        job.log(f"building {job.payload['book']}")
        ...
        return {"url": "/sites/..."}        # stored as the job's result
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.database import new_session, utcnow
from server.models import Job

log = logging.getLogger(__name__)
WORKER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class JobContext:
    """What a handler receives: the payload, a log, and the application."""

    id: int
    kind: str
    payload: dict[str, Any]
    app: Flask
    lines: list[str] = field(default_factory=list)

    def log(self, line: str) -> None:
        self.lines.append(line)


Handler = Callable[[JobContext], "dict[str, Any] | None"]
HANDLERS: dict[str, Handler] = {}


def job_kind(kind: str) -> Callable[[Handler], Handler]:
    """Register the handler of ``kind`` (one per kind; importing the module registers it)."""

    def register(handler: Handler) -> Handler:
        if HANDLERS.get(kind, handler) is not handler:
            raise ValueError(f"job kind {kind!r} already has a handler")
        HANDLERS[kind] = handler
        return handler

    return register


def enqueue(
    session: Session, kind: str, payload: dict[str, Any] | None = None, *, key: str | None = None,
    created_by: int | None = None,
) -> Job:
    """Queue a job (committed). With ``key``, a queued or running job of the same kind and key is reused."""
    if key is not None:
        existing = session.scalar(
            select(Job).where(Job.kind == kind, Job.key == key, Job.status.in_(("queued", "running")))
        )
        if existing is not None:
            return existing
    job = Job(kind=kind, payload=payload or {}, key=key, status="queued", log="", created_by=created_by)
    session.add(job)
    session.commit()
    return job


def claim(session: Session, job_id: int) -> bool:
    """Take ``job_id`` for this process; False if another process took it first."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(status="running", started_at=utcnow(), worker=WORKER)
    )
    session.commit()
    return result.rowcount == 1


def run_next(app: Flask) -> Job | None:
    """Claim and run the oldest queued job; None when there is nothing to do."""
    with new_session(app) as session:
        candidates = session.scalars(
            select(Job.id).where(Job.status == "queued").order_by(Job.created_at, Job.id).limit(10)
        ).all()
        for job_id in candidates:
            if claim(session, job_id):
                return _run(app, session, job_id)
    return None


def _run(app: Flask, session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    assert job is not None
    context = JobContext(id=job.id, kind=job.kind, payload=dict(job.payload or {}), app=app)
    started = time.monotonic()
    status, result = "failed", None
    handler = HANDLERS.get(job.kind)
    try:
        if handler is None:
            context.log(f"no handler is registered for job kind {job.kind!r}")
        else:
            with app.app_context():
                result = handler(context)
            status = "succeeded"
    except Exception:  # a failing job is recorded, never kills the runner
        context.log(traceback.format_exc())
        log.exception("job %s (%s) failed", job.id, job.kind)
    job.status = status
    job.result = result
    job.log = "\n".join(context.lines)
    job.finished_at = utcnow()
    job.duration = round(time.monotonic() - started, 3)
    session.commit()
    return job


def run_pending(app: Flask, limit: int | None = None) -> int:
    """Run queued jobs in this thread until none is left (tests, ``jointbook`` commands)."""
    done = 0
    while limit is None or done < limit:
        if run_next(app) is None:
            break
        done += 1
    return done


class JobRunner(threading.Thread):
    """Background thread of one server process: polls the database for queued jobs."""

    def __init__(self, app: Flask, poll_seconds: float = 1.0):
        super().__init__(name="jointbook-jobs", daemon=True)
        self.app = app
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                ran = run_next(self.app)
            except Exception:  # database away for a moment: wait and retry
                log.exception("job runner could not poll the database")
                ran = None
            if ran is None:
                self.stopping.wait(self.poll_seconds)

    def stop(self) -> None:
        self.stopping.set()


def start_runner(app: Flask) -> JobRunner:
    runner = JobRunner(app, float(app.config.get("JOB_POLL_SECONDS", 1.0)))
    runner.start()
    app.extensions["jointbook.job_runner"] = runner
    return runner
