"""Signing in and out."""
from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from server import audit
from server.auth import sign_in
from server.database import db
from server.login_lockout import LockedOut, login_lockout
from server.models import User
from server.permissions import public
from server.views.navigation import back

blueprint = Blueprint("signin", __name__)
# Checked against when the user name is unknown, so both failures take as long.
_UNKNOWN_USER_HASH = generate_password_hash("not a password", method="scrypt")


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), [DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), [DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in on this device"))


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return back()
    form = LoginForm()
    if form.validate_on_submit():
        try:
            attempt = login_lockout().admit(form.username.data, request.remote_addr)
        except LockedOut as locked:
            return _locked_out(form, locked.retry_after)
        user = db().scalar(select(User).where(func.lower(User.username) == form.username.data.strip().lower()))
        if user is None:
            check_password_hash(_UNKNOWN_USER_HASH, form.password.data)
        elif user.check_password(form.password.data) and user.active:
            attempt.succeeded()
            sign_in(user, remember=form.remember.data)
            audit.record("session.login", user.username, actor=user)
            db().commit()
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return back()
        flash(_("The user name or password is wrong, or the account is disabled."), "error")
    return render_template("ui/signin/login.html", form=form)


def _locked_out(form: LoginForm, retry_after: int):
    """429 with the wait, in words and in Retry-After; the same for every name, existing or not."""
    minutes = -(-retry_after // 60)
    flash(ngettext("Too many failed sign-ins with this user name or from this address. Please try again in %(num)d minute.",
                   "Too many failed sign-ins with this user name or from this address. Please try again in %(num)d minutes.",
                   minutes), "error")
    response = make_response(render_template("ui/signin/login.html", form=form), 429)
    response.headers["Retry-After"] = str(retry_after)
    return response


@blueprint.route("/logout", methods=["POST"])
@public
def logout():
    if current_user.is_authenticated:
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("signin.login"))
