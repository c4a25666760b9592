"""Work done off the request (checks, previews, site builds, mail) on a task queue: huey.

A job is a row in the database (kind, JSON payload, status, log, duration): what
the jobs pages show, and the truth about it. ``enqueue`` adds the row and puts a
huey task carrying its id on the queue; the worker that receives the task claims
the row (exactly one worker wins, ``server.jobs.leases``) and runs the handler
registered for its kind.

Why huey rather than RQ, Dramatiq or Procrastinate: it alone has an embedded
storage, SQLite (``instance/queue.db``), so the README's first command on a
fresh machine needs no broker, and the same tasks go through Redis
(``REDIS_URL``) when workers on several hosts share one queue. RQ and Dramatiq
need a Redis or RabbitMQ server on every installation; Procrastinate needs
PostgreSQL, not the SQLite default. Huey's own retries and results are not
used: the row's lease and attempts survive a worker that is killed, which a
message on a queue cannot.

A lost message (a queue flushed, Redis restarted) loses no job: the sweep
(``recover``, when workers start and every minute) sends again the jobs queued
for longer than a lease and puts back in the queue the running jobs whose
worker died. A duplicated message runs nothing twice. A handler raises
``Superseded`` when its work is no longer wanted (the change request moved
on): the job ends ``cancelled``. ``enqueue(..., supersedes=prefix)`` cancels
the queued jobs it replaces.

What a kind of job does is registered with its domain::

    from server.jobs.queue import job_kind, JobContext

    @job_kind("site.build")
    def build_site(job: JobContext) -> dict | None:
        job.log(f"building {job.payload['book']}")
        ...
        return {"url": "/sites/..."}        # stored as the job's result

Who takes the tasks off the queue: ``server.jobs.workers``.
"""


from __future__ import annotations
import logging
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable
from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from huey.signals import SIGNAL_INTERRUPTED
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from server.database import new_session, utcnow
from server.jobs.leases import (
    MAX_ATTEMPTS, STOPPED, LeaseKeeper, claim, end_lease, fail_abandoned, held, lease_of, requeue_abandoned,
)
from server.jobs.models import Job


log = logging.getLogger(__name__)
QUEUE = "jointbook.queue"
PROGRESS_SECONDS = 1.0  # a handler's progress is saved at most this often


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
    attempt: int = 0
    _saved: float = field(default=0.0, repr=False)

    def log(self, line: str) -> None:
        self.lines.append(line)

    def progress(self, done: int, total: int, what: str = "") -> None:
        """Where a long job is, for the pages that follow it: saved (with the log so far) as the running
        job's ``result["progress"]`` at most every ``PROGRESS_SECONDS``; the outcome replaces it."""
        now = time.monotonic()
        if now - self._saved < PROGRESS_SECONDS and done < total:
            return
        self._saved = now
        fence = held(self.id, self.attempt) if self.attempt else (Job.id == self.id, Job.status == "running")
        try:
            with new_session(self.app) as session:
                session.execute(update(Job).where(*fence).values(
                    result={"progress": {"done": done, "total": total, "what": what}}, log="\n".join(self.lines)))
                session.commit()
        except Exception:  # the database away for a moment: the next step saves it
            log.exception("could not save the progress of job %s", self.id)


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
    """Queue a job (committed) and send its task. With ``key``, a queued or running job of the same kind
    and key is reused (one whose worker died on its last attempt is failed first, so it blocks nothing).
    With ``supersedes`` (a key prefix), queued jobs of the kind whose key starts with it are cancelled."""
    app: Flask = session.info["app"]
    if key is not None:
        fail_abandoned(session)
        existing = session.scalar(
            select(Job).where(Job.kind == kind, Job.key == key, Job.status.in_(("queued", "running")))
        )
        if existing is not None:
            return existing
    if max_attempts is None:
        max_attempts = int(app.config.get("JOB_MAX_ATTEMPTS", MAX_ATTEMPTS))
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
    _send(app, job.id)
    return job


def _send(app: Flask, job_id: int) -> None:
    """Put "run job ``job_id``" on the queue. The row is already committed: if the queue is away for a
    moment, the job waits for the sweep to send it again rather than failing the request that made it."""
    try:
        queue_of(app).run_job(job_id)
    except Exception:
        log.exception("could not send job %s to the task queue; the sweep sends it again", job_id)


def recover(app: Flask, now: datetime | None = None, waiting: timedelta | None = None) -> int:
    """The sweep: fail the jobs whose worker died on their last attempt, put back in the queue the ones
    with attempts left, and send again the jobs queued for longer than ``waiting`` (a lease by default;
    a worker starting sends every queued job, since whatever queue held them before may be gone).
    Sending twice is harmless: only one worker claims a job. How many jobs were sent."""
    now = now or utcnow()
    waiting = lease_of(app) if waiting is None else waiting
    with new_session(app) as session:
        fail_abandoned(session, now)
        again = requeue_abandoned(session, now)
        again += session.scalars(select(Job.id).where(Job.status == "queued", Job.created_at <= now - waiting)
                                 .order_by(Job.created_at, Job.id)).all()
    for job_id in dict.fromkeys(again):
        _send(app, job_id)
    return len(set(again))


def run_job(app: Flask, job_id: int) -> Job | None:
    """What a worker does with a task: claim job ``job_id`` and run it; None when it is not to be run here
    (another worker holds it, or it is over: done, cancelled, or sent twice)."""
    with new_session(app) as session:
        if not claim(session, job_id, lease_of(app)):
            return None
        return _run(app, session, job_id)


def _run(app: Flask, session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id, populate_existing=True)
    assert job is not None
    attempt = job.attempts
    context = JobContext(id=job.id, kind=job.kind, payload=dict(job.payload or {}), app=app, attempt=attempt)
    if attempt > 1:
        context.lines += [line for line in (job.log, f"{STOPPED}; trying again (attempt {attempt} of "
                                                     f"{job.max_attempts})") if line]
    started = time.monotonic()
    status, result = "failed", None
    handler = HANDLERS.get(job.kind)
    keeper = LeaseKeeper(app, job.id, attempt, lambda: "\n".join(list(context.lines)))
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
    except Exception as error:  # a failing job is recorded, never kills the worker
        context.log(traceback.format_exc())
        log.exception("job %s (%s) failed", job.id, job.kind)
        result = failure_of(error)
    finally:
        keeper.stop()
    written = session.execute(
        update(Job)
        .where(*held(job.id, attempt))
        .values(status=status, result=result, log="\n".join(context.lines), finished_at=utcnow(), lease_until=None,
                duration=round(time.monotonic() - started, 3))
    ).rowcount
    session.commit()
    if not written:
        log.warning("job %s was taken over by another worker; this run's outcome is dropped", job.id)
    session.refresh(job)
    return job


def failure_of(error: BaseException) -> dict[str, Any] | None:
    """A failed job's result when its error carries a ``code`` (build/, materials/…): the code and its plain
    parameters, so a page can say in the reader's language why it failed; None for any other error."""
    code = getattr(error, "code", None)
    if not isinstance(code, str):
        return None
    params = {k: v for k, v in (getattr(error, "params", None) or {}).items()
              if k != "log" and isinstance(v, (str, int, float, bool))}
    return {"error": {"code": code, "params": params}}


# ------------------------------------------------------------------ the application's queue

@dataclass(frozen=True)
class Queue:
    """An application's huey, with the task that runs a job."""

    huey: Huey
    run_job: TaskWrapper  # run_job(job_id) sends the task
    storage: str  # where the tasks wait, for people: "instance/queue.db" or the Redis address


def queue_file(app: Flask) -> Path:
    """The embedded queue's SQLite file: in the instance directory, beside the database it serves."""
    return Path(app.config["JOINTBOOK_INSTANCE"]) / "queue.db"


def init_queue(app: Flask) -> Queue:
    """Give ``app`` its task queue: RedisHuey when ``REDIS_URL`` is set, else SqliteHuey in the instance,
    named ``QUEUE_NAME`` (instances sharing one Redis need different names)."""
    name = app.config["QUEUE_NAME"]
    if app.config.get("REDIS_URL"):
        huey: Huey = RedisHuey(name, url=app.config["REDIS_URL"], results=False)
        storage = app.config["REDIS_URL"].rpartition("@")[2]  # never the password
    else:
        huey = SqliteHuey(name, filename=str(queue_file(app)), results=False)
        storage = str(queue_file(app))

    @huey.task(name="run_job")
    def run_job_task(job_id: int) -> int | None:
        return job_id if run_job(app, job_id) is not None else None

    @huey.periodic_task(crontab(), name="recover_jobs")  # every minute, on every host's scheduler
    def recover_task() -> None:
        recover(app)

    @huey.signal(SIGNAL_INTERRUPTED)
    def end_lease_of_interrupted(_signal: str, task: Any, *_: Any) -> None:
        if isinstance(task, run_job_task.task_class):
            end_lease(app, task.args[0])

    queue = Queue(huey, run_job_task, storage)
    app.extensions[QUEUE] = queue
    return queue


def queue_of(app: Flask) -> Queue:
    return app.extensions[QUEUE]


def run_pending(app: Flask, limit: int | None = None, now: datetime | None = None) -> int:
    """Take the tasks waiting on the app's queue and execute them in this thread, as a worker does, until
    none is left or ``limit`` jobs ran (tests, benchmarks, commands); how many jobs ran. First a sweep at
    ``now``, the clock that decides whose lease has ended (tests pass time this way)."""
    huey = queue_of(app).huey
    recover(app, now)
    done = 0
    while (limit is None or done < limit) and huey.pending_count():
        task = huey.dequeue()
        if task is not None and huey.execute(task) is not None:
            done += 1
    return done
