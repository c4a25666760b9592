"""Background jobs, for administrators."""


from __future__ import annotations
from typing import Annotated, Any, Literal
from pydantic import Field
from sqlalchemy import select
from server.rest.registry import endpoint
from server.rest.schemas import Job as JobShape, JobList, Query, RowId
from server.database import db
from server.errors import UserError
from server.jobs.models import Job, job_json
from server.jobs.models import JOB_STATUSES
from server.permissions import admin_required


class JobFilter(Query):
    status: Literal[JOB_STATUSES] | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 100


@endpoint("GET", "/jobs", summary="Recent jobs", response=JobList, tags=["jobs"], query=JobFilter)
@admin_required
def list_jobs(status: str | None, limit: int) -> dict[str, Any]:
    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
    if status:
        query = query.where(Job.status == status)
    return {"jobs": [job_json(job) for job in db().scalars(query)]}


@endpoint("GET", "/jobs/{job_id}", summary="One job with its log", params={"job_id": RowId},
          response=JobShape, tags=["jobs"])
@admin_required
def get_job(job_id: int) -> dict[str, Any]:
    job = db().get(Job, job_id)
    if job is None:
        raise UserError("job.not_found", status=404)
    return job_json(job)
