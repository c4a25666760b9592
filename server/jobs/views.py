"""Administrators watch background jobs: what ran, how long, and the log."""


from __future__ import annotations
from flask import Blueprint, render_template
from sqlalchemy import select
from wtforms import SelectField
from server.database import db
from server.errors import UserError
from server.forms import QueryForm
from server.jobs.models import Job
from server.jobs.models import JOB_STATUSES
from server.permissions import admin_required


blueprint = Blueprint("jobs", __name__, url_prefix="/admin/jobs")


class JobFilter(QueryForm):
    status = SelectField(choices=["", *JOB_STATUSES], default="")


@blueprint.route("")
@admin_required
def index():
    status = JobFilter().status.data
    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(200)
    if status:
        query = query.where(Job.status == status)
    return render_template("ui/jobs/index.html", jobs=db().scalars(query).all(), status=status,
                           statuses=JOB_STATUSES)


@blueprint.route("/<int:job_id>")
@admin_required
def show(job_id: int):
    job = db().get(Job, job_id)
    if job is None:
        raise UserError("job.not_found", status=404)
    return render_template("ui/jobs/show.html", job=job)
