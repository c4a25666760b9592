"""The language switch in the header (kept in the session, for signed-in and anonymous people)."""


from __future__ import annotations
from flask import Blueprint, abort, session
from flask_wtf import FlaskForm
from wtforms import SelectField
from server.i18n import LOCALES
from server.permissions import public
from server.navigation import back


blueprint = Blueprint("language", __name__)


class LanguageForm(FlaskForm):
    locale = SelectField(choices=list(LOCALES))


@blueprint.route("/language", methods=["POST"])
@public
def switch():
    form = LanguageForm()
    if not form.validate():
        abort(400)
    session["locale"] = form.locale.data
    return back()
