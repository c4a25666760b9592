"""The language switch in the header (kept in the session, for signed-in and anonymous people)."""


from __future__ import annotations
from flask import Blueprint, abort, request, session
from server.i18n import LOCALES
from server.permissions import public
from server.navigation import back


blueprint = Blueprint("language", __name__)


@blueprint.route("/language", methods=["POST"])
@public
def switch():
    locale = request.form.get("locale", "")
    if locale not in LOCALES:
        abort(400)
    session["locale"] = locale
    return back()
