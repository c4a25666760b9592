"""Work done off the request: site builds and anything else slow.

A job is a row in the database (kind, JSON payload, status, log, duration).
``enqueue`` adds one; every server process runs a ``JobRunner`` thread that
claims queued jobs with ``UPDATE ... WHERE id=? AND status='queued'`` and
checks the row count, so two processes never run the same job.

A claimed job holds a lease (``lease_until``, ``JOB_LEASE_SECONDS``, 60 s by
default) that a thread of its runner renews while the handler works, saving
the log so far each time. A process that is killed stops renewing: once the
lease ends, any runner takes the job again, up to its ``max_attempts``
(``JOB_MAX_ATTEMPTS``, 3), and then marks it failed, "the worker stopped while
running this job". The attempt number fences the outcome: a runner that lost
its lease (a database away for longer than the lease) cannot overwrite what
the next one did. Leases compare the clocks of the hosts that run jobs, which
must agree to well within a lease. A handler raises ``Superseded`` when its
work is no longer wanted (the change request moved on): the job ends
``cancelled``. ``enqueue(..., supersedes=prefix)`` cancels the queued jobs it
replaces.

A later part registers what a kind of job does::

    from server.jobs.queue import job_kind, JobContext

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
from flask import Flask, current_app, has_app_context
from datetime import datetime, timedelta
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session
from server.database import new_session, utcnow
from server.jobs.models import Job


log = logging.getLogger(__name__)
WORKER = f"{socket.gethostname()}:{os.getpid()}"
LEASE_SECONDS = 60.0
MAX_ATTEMPTS = 3
STOPPED = "the worker stopped while running this job"


class Superseded(Exception):
    """Raised by a handler whose work is no longer wanted; the job ends ``cancelled`` with the reason."""


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
    created_by: int | None = None, max_attempts: int | None = None, supersedes: str | None = None,
) -> Job:
    """Queue a job (committed). With ``key``, a queued or running job of the same kind and key is reused
    (one whose runner died on its last attempt is failed first, so it blocks nothing). With
    ``supersedes`` (a key prefix), queued jobs of the kind whose key starts with it are cancelled."""
    if key is not None:
        fail_abandoned(session)
        existing = session.scalar(
            select(Job).where(Job.kind == kind, Job.key == key, Job.status.in_(("queued", "running")))
        )
        if existing is not None:
            return existing
    if max_attempts is None:
        max_attempts = int(current_app.config.get("JOB_MAX_ATTEMPTS", MAX_ATTEMPTS)) if has_app_context() \
            else MAX_ATTEMPTS
    job = Job(kind=kind, payload=payload or {}, key=key, status="queued", log="", created_by=created_by,
              max_attempts=max(1, max_attempts))
    session.add(job)
    session.flush()
    if supersedes is not None:
        session.execute(
            update(Job)
            .where(Job.kind == kind, Job.status == "queued", Job.id != job.id,
                   Job.key.startswith(supersedes, autoescape=True))
            .values(status="cancelled", finished_at=utcnow(), log=f"superseded by job {job.id}")
        )
    session.commit()
    return job


def _lease_over(now: datetime):
    """Running jobs whose runner stopped renewing (no lease at all: left by a process older than leases)."""
    return and_(Job.status == "running", or_(Job.lease_until.is_(None), Job.lease_until < now))


def claim(session: Session, job_id: int, lease: timedelta = timedelta(seconds=LEASE_SECONDS),
          now: datetime | None = None) -> bool:
    """Take ``job_id`` for this process: a queued job, or a running one whose lease ended with attempts
    left. False if another runner holds it or took it first."""
    now = now or utcnow()
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, or_(Job.status == "queued", and_(_lease_over(now), Job.attempts < Job.max_attempts)))
        .values(status="running", started_at=now, worker=WORKER, lease_until=now + lease, attempts=Job.attempts + 1)
    )
    session.commit()
    return result.rowcount == 1


def fail_abandoned(session: Session, now: datetime | None = None) -> int:
    """Mark failed the jobs whose runner stopped during their last allowed attempt; how many."""
    now = now or utcnow()
    abandoned = session.execute(
        select(Job.id, Job.attempts, Job.max_attempts, Job.log)
        .where(_lease_over(now), Job.attempts >= Job.max_attempts)
    ).all()
    failed = 0
    for job_id, attempts, max_attempts, old_log in abandoned:
        line = f"{STOPPED} (attempt {attempts} of {max_attempts}): it is not tried again"
        failed += session.execute(
            update(Job)
            .where(Job.id == job_id, Job.attempts == attempts, _lease_over(now))
            .values(status="failed", finished_at=now, lease_until=None, log="\n".join(filter(None, [old_log, line])))
        ).rowcount
    session.commit()
    return failed


def _lease(app: Flask) -> timedelta:
    return timedelta(seconds=float(app.config.get("JOB_LEASE_SECONDS", LEASE_SECONDS)))


def run_next(app: Flask, now: datetime | None = None) -> Job | None:
    """Claim and run the oldest job that is queued or whose runner died; None when there is nothing to do.

    ``now`` stands for the clock when deciding whose lease has ended (tests pass time this way).
    """
    now = now or utcnow()
    with new_session(app) as session:
        fail_abandoned(session, now)
        candidates = session.scalars(
            select(Job.id)
            .where(or_(Job.status == "queued", and_(_lease_over(now), Job.attempts < Job.max_attempts)))
            .order_by(Job.created_at, Job.id).limit(10)
        ).all()
        for job_id in candidates:
            if claim(session, job_id, _lease(app), now):
                return _run(app, session, job_id)
    return None


class _LeaseKeeper(threading.Thread):
    """Renews the lease of one running job, and saves its log so far, until the handler returns."""

    def __init__(self, app: Flask, job_id: int, attempt: int, context: JobContext):
        super().__init__(name=f"jointbook-job-{job_id}-lease", daemon=True)
        self.app, self.job_id, self.attempt, self.context = app, job_id, attempt, context
        self.lease = _lease(app)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.lease.total_seconds() / 3):
            try:
                with new_session(self.app) as session:
                    kept = session.execute(
                        update(Job)
                        .where(*_held(self.job_id, self.attempt))
                        .values(lease_until=utcnow() + self.lease, log="\n".join(list(self.context.lines)))
                    ).rowcount == 1
                    session.commit()
            except Exception:  # the database away for a moment: try again at the next turn
                log.exception("could not renew the lease of job %s", self.job_id)
                continue
            if not kept:
                log.warning("job %s lost its lease: another runner took it over", self.job_id)
                return

    def stop(self) -> None:
        self.done.set()
        self.join()


def _held(job_id: int, attempt: int) -> tuple:
    """The job is still this runner's: running, by this process, in this attempt."""
    return Job.id == job_id, Job.status == "running", Job.worker == WORKER, Job.attempts == attempt


def _run(app: Flask, session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id, populate_existing=True)
    assert job is not None
    context = JobContext(id=job.id, kind=job.kind, payload=dict(job.payload or {}), app=app)
    attempt = job.attempts
    if attempt > 1:
        context.lines += [line for line in (job.log, f"{STOPPED}; trying again (attempt {attempt} of "
                                                     f"{job.max_attempts})") if line]
    started = time.monotonic()
    status, result = "failed", None
    handler = HANDLERS.get(job.kind)
    keeper = _LeaseKeeper(app, job.id, attempt, context)
    keeper.start()
    try:
        if handler is None:
            context.log(f"no handler is registered for job kind {job.kind!r}")
        else:
            with app.app_context():
                result = handler(context)
            status = "succeeded"
    except Superseded as reason:
        context.log(f"not run: {reason}")
        status = "cancelled"
    except Exception:  # a failing job is recorded, never kills the runner
        context.log(traceback.format_exc())
        log.exception("job %s (%s) failed", job.id, job.kind)
    finally:
        keeper.stop()
    written = session.execute(
        update(Job)
        .where(*_held(job.id, attempt))
        .values(status=status, result=result, log="\n".join(context.lines), finished_at=utcnow(), lease_until=None,
                duration=round(time.monotonic() - started, 3))
    ).rowcount
    session.commit()
    if not written:
        log.warning("job %s was taken over by another runner; this run's outcome is dropped", job.id)
    session.refresh(job)
    return job


def run_pending(app: Flask, limit: int | None = None, now: datetime | None = None) -> int:
    """Run jobs in this thread until none is left (tests, ``jointbook`` commands); ``now`` as in run_next."""
    done = 0
    while limit is None or done < limit:
        if run_next(app, now) is None:
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
