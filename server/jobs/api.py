"""Background jobs, for administrators."""


from __future__ import annotations
from typing import Any
from sqlalchemy import select
from server.api.registry import endpoint
from server.api.schemas import JOB, JOB_LIST
from server.database import db
from server.errors import UserError
from server.jobs.models import Job
from server.jobs.models import JOB_STATUSES
from server.permissions import admin_required


def job_json(job: Job) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": job.id, "kind": job.kind, "status": job.status, "payload": job.payload or {}, "result": job.result,
        "log": job.log or "", "created_at": iso(job.created_at), "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at), "duration": job.duration, "attempts": job.attempts,
    }


@endpoint("GET", "/jobs", summary="Recent jobs", response=JOB_LIST, tags=["jobs"],
          query={"status": {"type": "string", "enum": list(JOB_STATUSES)},
                 "limit": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}})
@admin_required
def list_jobs(status: str | None, limit: int) -> dict[str, Any]:
    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    if status:
        query = query.where(Job.status == status)
    return {"jobs": [job_json(job) for job in db().scalars(query)]}


@endpoint("GET", "/jobs/{job_id}", summary="One job with its log", params={"job_id": {"type": "integer"}},
          response=JOB, tags=["jobs"])
@admin_required
def get_job(job_id: int) -> dict[str, Any]:
    job = db().get(Job, job_id)
    if job is None:
        raise UserError("job.not_found", status=404)
    return job_json(job)
