"""Work done off the request (checks, previews, site builds, mail): one row per job, what people see of it.

The task queue only carries the row's id (``server.jobs.queue``). A running
job holds a lease (``lease_until``) that its worker renews; once it ends, the
worker is taken to be dead and the job is run again, up to ``max_attempts``
times (``attempts`` counts the runs begun, and fences a worker that lost its
lease from writing the outcome).
"""


from __future__ import annotations
from datetime import datetime
from typing import Any
from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from server.database import Base, UTCDateTime, utcnow


JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")  # cancelled: superseded, never run


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    key: Mapped[str | None] = mapped_column(String(255), default=None, index=True)  # de-duplication
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    log: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    duration: Mapped[float | None] = mapped_column(Float, default=None)  # seconds
    worker: Mapped[str | None] = mapped_column(String(128), default=None)  # host:pid that ran it
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)  # while running
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)


def job_json(job: Job) -> dict[str, Any]:
    """A job as the API shows it (the jobs' own endpoints and a book's builds alike)."""
    def iso(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": job.id, "kind": job.kind, "status": job.status, "payload": job.payload or {}, "result": job.result,
        "log": job.log or "", "created_at": iso(job.created_at), "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at), "duration": job.duration, "attempts": job.attempts,
    }
