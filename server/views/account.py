"""My account: profile, password, personal access tokens for the API."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from server import audit
from server.auth import sign_in
from server.database import db
from server.errors import UserError, describe
from server.models import ApiToken
from server.passwords import check_strength
from server.people import EMAIL_PATTERN
from server.permissions import signed_in
from server.views.forms import ConfirmForm, PageForm

blueprint = Blueprint("account", __name__, url_prefix="/account")


class ProfileForm(PageForm):
    display_name = StringField(_l("Name shown to others"), [DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), [Optional(), Length(max=254), Regexp(EMAIL_PATTERN, message=_l("This is not an e-mail address."))])


class PasswordForm(PageForm):
    current = PasswordField(_l("Current password"), [DataRequired()])
    new = PasswordField(_l("New password"), [DataRequired(), Length(min=10, max=256)])
    repeat = PasswordField(_l("New password again"), [DataRequired(), EqualTo("new", _l("The two passwords differ."))])


class TokenForm(PageForm):
    name = StringField(_l("What the token is for"), [DataRequired(), Length(max=100)])


@blueprint.route("", methods=["GET", "POST"])
@signed_in
def profile():
    profile_form = ProfileForm(obj=current_user, prefix="profile")
    password_form = PasswordForm(prefix="password")
    if profile_form.submit_ok():
        current_user.display_name = profile_form.display_name.data.strip()
        current_user.email = profile_form.email.data or None
        audit.record("user.update_profile", current_user.username)
        db().commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("account.profile"))
    if password_form.submit_ok():
        try:
            check_strength(password_form.new.data,
                           [current_user.username, current_user.display_name, current_user.email])
        except UserError as error:
            password_form.new.errors.append(describe(error))
        if not current_user.check_password(password_form.current.data):
            password_form.current.errors.append(_("This is not your current password."))
        elif not password_form.new.errors:
            current_user.set_password(password_form.new.data)
            audit.record("user.change_password", current_user.username)
            sign_in(current_user._get_current_object())  # the session id changes with the password; keep this one
            db().commit()
            flash(_("Your password is changed. Other sessions are signed out."), "success")
            return redirect(url_for("account.profile"))
    return render_template("ui/account/profile.html", profile_form=profile_form, password_form=password_form)


@blueprint.route("/tokens", methods=["GET", "POST"])
@signed_in
def tokens():
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        token, secret = ApiToken.issue(current_user, form.name.data.strip())
        db().add(token)
        audit.record("token.create", current_user.username, name=token.name)
        db().commit()
        flash(_("Copy the token now: it will not be shown again."), "success")
        form = TokenForm(formdata=None)
    listed = db().scalars(select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id)).all()
    return render_template("ui/account/tokens.html", form=form, tokens=listed, secret=secret)


def _own_token(token_id: int) -> ApiToken:
    token = db().get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        raise UserError("token.not_found", status=404)
    return token


@blueprint.route("/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@signed_in
def revoke_token(token_id: int):
    token = _own_token(token_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        audit.record("token.revoke", current_user.username, name=token.name)
        db().delete(token)
        db().commit()
        flash(_("The token is revoked."), "success")
        return redirect(url_for("account.tokens"))
    return render_template(
        "ui/confirm.html",
        form=form,
        title=_("Revoke token"),
        question=_("Revoke the token “%(name)s”? Programs using it will stop working.", name=token.name),
        action=_("Revoke"),
        cancel=url_for("account.tokens"),
    )
