"""The bell: unread count in the header, and the page listing what happened."""


from __future__ import annotations
from typing import Any
from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from server.notifications import service as notes
from server.permissions import signed_in
from server.forms import ConfirmForm


blueprint = Blueprint("notifications", __name__)


@blueprint.app_context_processor
def _bell() -> dict[str, Any]:
    """``unread_notifications()`` for base.html: counted only when a page shows the bell."""
    return {"unread_notifications": lambda: notes.unread_count(current_user)}


@blueprint.route("/notifications")
@signed_in
def index():
    unread_only = request.args.get("unread") == "1"
    rows = notes.notifications_of(current_user, unread_only=unread_only)
    return render_template("ui/notifications/index.html", rows=rows, text_of=notes.text_of,
                           unread_only=unread_only, form=ConfirmForm())


@blueprint.route("/notifications/read", methods=["POST"])
@signed_in
def mark_read():
    """Mark one (``id``) or all notifications read; with ``next``, go where the notification points."""
    if ConfirmForm().validate_on_submit():
        one = request.form.get("id", type=int)
        if one is not None:
            row = notes.find_notification(current_user, one)
            notes.mark_read(current_user, [one])
            if request.form.get("open") == "1" and row.target_url.startswith("/"):
                return redirect(row.target_url)
        else:
            notes.mark_read(current_user)
    return redirect(url_for("notifications.index"))
