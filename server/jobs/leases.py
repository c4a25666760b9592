"""Who runs a job: a lease in its database row, so a job outlives the process that ran it.

A claimed job holds a lease (``lease_until``, ``JOB_LEASE_SECONDS``, 60 s by
default) that a thread of its worker renews while the handler works, saving
the log so far each time. A worker that is killed stops renewing: once the
lease ends, the sweep (``recover``) puts the job back in the queue, up to its
``max_attempts`` (``JOB_MAX_ATTEMPTS``, 3), and then marks it failed, "the
worker stopped while running this job". The attempt number fences the
outcome: a worker that lost its lease (a database away for longer than the
lease) cannot overwrite what the next one did. Leases compare the clocks of
the hosts that run jobs, which must agree to well within a lease.

The task queue (huey) only says "run job N"; this module is why a lost or
duplicated message never loses or doubles a job.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta
from typing import Callable

from flask import Flask
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from server.database import new_session, utcnow
from server.jobs.models import Job

log = logging.getLogger(__name__)
LEASE_SECONDS = 60.0
MAX_ATTEMPTS = 3
STOPPED = "the worker stopped while running this job"
WORKER = f"{socket.gethostname()}:{os.getpid()}"  # host:pid, written on the jobs this process runs


def _name_this_process() -> None:
    """A forked process (``jointbook serve``'s children) is a worker of its own, not its parent."""
    global WORKER
    WORKER = f"{socket.gethostname()}:{os.getpid()}"


os.register_at_fork(after_in_child=_name_this_process)


def lease_of(app: Flask) -> timedelta:
    return timedelta(seconds=float(app.config.get("JOB_LEASE_SECONDS", LEASE_SECONDS)))


def _lease_over(now: datetime):
    """Running jobs whose worker stopped renewing (no lease at all: left by a process older than leases)."""
    return and_(Job.status == "running", or_(Job.lease_until.is_(None), Job.lease_until < now))


def held(job_id: int, attempt: int) -> tuple:
    """The job is still this worker's: running, by this process, in this attempt."""
    return Job.id == job_id, Job.status == "running", Job.worker == WORKER, Job.attempts == attempt


def claim(session: Session, job_id: int, lease: timedelta = timedelta(seconds=LEASE_SECONDS),
          now: datetime | None = None) -> bool:
    """Take ``job_id`` for this process: a queued job, or a running one whose lease ended with attempts
    left. False if another worker holds it, took it first, or it is over."""
    now = now or utcnow()
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, or_(Job.status == "queued", and_(_lease_over(now), Job.attempts < Job.max_attempts)))
        .values(status="running", started_at=now, worker=WORKER, lease_until=now + lease, attempts=Job.attempts + 1)
    )
    session.commit()
    return result.rowcount == 1


def fail_abandoned(session: Session, now: datetime | None = None) -> int:
    """Mark failed the jobs whose worker stopped during their last allowed attempt; how many."""
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


def requeue_abandoned(session: Session, now: datetime | None = None) -> list[int]:
    """Put back in the queue the running jobs whose lease ended with attempts left; their ids.

    The row stays fenced: its old worker, should it wake up, no longer holds it (``held``)."""
    now = now or utcnow()
    candidates = session.execute(
        select(Job.id, Job.attempts).where(_lease_over(now), Job.attempts < Job.max_attempts)
    ).all()
    requeued = [job_id for job_id, attempts in candidates if session.execute(
        update(Job).where(Job.id == job_id, Job.attempts == attempts, _lease_over(now))
        .values(status="queued", lease_until=None)
    ).rowcount]
    session.commit()
    return requeued


def end_lease(app: Flask, job_id: int) -> None:
    """This process stops before the job finished (a worker shutting down): its lease ends now, so the
    next sweep does not wait a whole lease to give it to another worker."""
    with new_session(app) as session:
        session.execute(update(Job).where(Job.id == job_id, Job.status == "running", Job.worker == WORKER)
                        .values(lease_until=utcnow() - timedelta(microseconds=1)))
        session.commit()


class LeaseKeeper(threading.Thread):
    """Renews the lease of one running job, and saves its log so far, until the handler returns."""

    def __init__(self, app: Flask, job_id: int, attempt: int, log_so_far: Callable[[], str]):
        super().__init__(name=f"jointbook-job-{job_id}-lease", daemon=True)
        self.app, self.job_id, self.attempt, self.log_so_far = app, job_id, attempt, log_so_far
        self.lease = lease_of(app)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.lease.total_seconds() / 3):
            try:
                with new_session(self.app) as session:
                    kept = session.execute(
                        update(Job)
                        .where(*held(self.job_id, self.attempt))
                        .values(lease_until=utcnow() + self.lease, log=self.log_so_far())
                    ).rowcount == 1
                    session.commit()
            except Exception:  # the database away for a moment: try again at the next turn
                log.exception("could not renew the lease of job %s", self.job_id)
                continue
            if not kept:
                log.warning("job %s lost its lease: another worker took it over", self.job_id)
                return

    def stop(self) -> None:
        self.done.set()
        self.join()
