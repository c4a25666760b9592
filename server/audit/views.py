"""The audit log: who changed accounts, memberships and tokens."""


from __future__ import annotations
from flask import Blueprint, Response, render_template
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import NumberRange
from server.audit import service as audit
from server.forms import QueryForm
from server.permissions import admin_required


blueprint = Blueprint("audit", __name__, url_prefix="/admin/audit")
export = Blueprint("audit_export", __name__)  # /admin/audit.csv sits beside the prefix, not under it

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
    events, total = audit.events_page(action, page)
    return render_template(
        "ui/audit/index.html", events=events, page=page, pages=max(1, -(-total // audit.PAGE_SIZE)), action=action,
        labels={key: str(value) for key, value in ACTION_LABELS.items()},
    )


@export.route("/admin/audit.csv")
@admin_required
def csv_export():
    """The whole audit log (or one action) as CSV, for an administrator's spreadsheet."""
    return Response(audit.export_csv(AuditFilter().action.data), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=audit.csv"})
