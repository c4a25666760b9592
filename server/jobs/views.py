"""Administrators watch background jobs: what ran, how long, and the log."""


from __future__ import annotations
from flask import Blueprint, render_template, request
from sqlalchemy import select
from server.database import db
from server.errors import UserError
from server.jobs.models import Job
from server.jobs.models import JOB_STATUSES
from server.permissions import admin_required


blueprint = Blueprint("jobs", __name__, url_prefix="/admin/jobs")


@blueprint.route("")
@admin_required
def index():
    status = request.args.get("status", "")
    query = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(200)
    if status in JOB_STATUSES:
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
