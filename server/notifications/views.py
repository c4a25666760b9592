"""The bell: unread count in the header, and the page listing what happened."""


from __future__ import annotations
from typing import Any
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from wtforms import BooleanField, IntegerField
from wtforms.validators import NumberRange, Optional
from server.database import MAX_INTEGER
from server.notifications import service as notes
from server.permissions import signed_in
from server.forms import ConfirmForm, QueryForm


blueprint = Blueprint("notifications", __name__)


@blueprint.app_context_processor
def _bell() -> dict[str, Any]:
    """``unread_notifications()`` for base.html: counted only when a page shows the bell."""
    return {"unread_notifications": lambda: notes.unread_count(current_user)}


class NotificationFilter(QueryForm):
    unread = BooleanField(false_values=("", "0", "false"))


class MarkReadForm(ConfirmForm):
    """One notification (``id``), or all without one; ``open`` goes where it points."""

    id = IntegerField(validators=[Optional(), NumberRange(min=0, max=MAX_INTEGER)])
    open = BooleanField(false_values=("", "0", "false"))


@blueprint.route("/notifications")
@signed_in
def index():
    unread_only = NotificationFilter().unread.data
    rows = notes.notifications_of(current_user, unread_only=unread_only)
    return render_template("ui/notifications/index.html", rows=rows, text_of=notes.text_of,
                           unread_only=unread_only, form=ConfirmForm())


@blueprint.route("/notifications/read", methods=["POST"])
@signed_in
def mark_read():
    """Mark one (``id``) or all notifications read; with ``next``, go where the notification points."""
    form = MarkReadForm()
    if form.validate_on_submit():
        one = form.id.data
        if one is not None:
            row = notes.find_notification(current_user, one)
            notes.mark_read(current_user, [one])
            if form.open.data and row.target_url.startswith("/"):
                return redirect(row.target_url)
        else:
            notes.mark_read(current_user)
    return redirect(url_for("notifications.index"))
