"""The audit log: who changed accounts, memberships and tokens."""


from __future__ import annotations
import csv
import io
import json
from flask import Blueprint, Response, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import IntegerField, StringField
from wtforms.validators import NumberRange
from server.database import db
from server.audit.models import AuditEvent
from server.forms import QueryForm
from server.permissions import admin_required


blueprint = Blueprint("audit", __name__, url_prefix="/admin/audit")
export = Blueprint("audit_export", __name__)  # /admin/audit.csv sits beside the prefix, not under it
PAGE_SIZE = 50

# What each action is called in the log; unknown actions show their code.
ACTION_LABELS = {
    "session.login": _l("signed in"),
    "user.create": _l("created an account"),
    "user.update": _l("changed an account"),
    "user.update_profile": _l("changed their profile"),
    "user.change_password": _l("changed their password"),
    "membership.add": _l("added a book member"),
    "membership.change": _l("changed a member's role"),
    "membership.remove": _l("removed a book member"),
    "token.create": _l("created an access token"),
    "token.revoke": _l("revoked an access token"),
}


class AuditFilter(QueryForm):
    action = StringField(default="", filters=[str.strip])
    page = IntegerField(default=1, validators=[NumberRange(min=1, max=1_000_000)])


@blueprint.route("")
@admin_required
def index():
    found = AuditFilter()
    page, action = found.page.data, found.action.data
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    total = db().scalar(select(func.count()).select_from(query.subquery())) or 0
    events = db().scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return render_template(
        "ui/audit/index.html", events=events, page=page, pages=max(1, -(-total // PAGE_SIZE)), action=action,
        labels={key: str(value) for key, value in ACTION_LABELS.items()},
    )


@export.route("/admin/audit.csv")
@admin_required
def csv_export():
    """The whole audit log (or one action) as CSV, for an administrator's spreadsheet."""
    action = AuditFilter().action.data
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at", "actor", "action", "target", "details", "ip"])
    for e in db().scalars(query.order_by(AuditEvent.at, AuditEvent.id)):
        writer.writerow([e.at.isoformat(), e.actor_name, e.action, e.target,
                         json.dumps(e.details or {}, ensure_ascii=False, sort_keys=True), e.ip or ""])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit.csv"})
