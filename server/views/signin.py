"""Signing in and out."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
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
        user = db().scalar(select(User).where(func.lower(User.username) == form.username.data.strip().lower()))
        if user is None:
            check_password_hash(_UNKNOWN_USER_HASH, form.password.data)
        elif user.check_password(form.password.data) and user.active:
            sign_in(user, remember=form.remember.data)
            audit.record("session.login", user.username, actor=user)
            db().commit()
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return back()
        flash(_("The user name or password is wrong, or the account is disabled."), "error")
    return render_template("ui/signin/login.html", form=form)


@blueprint.route("/logout", methods=["POST"])
@public
def logout():
    if current_user.is_authenticated:
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("signin.login"))
