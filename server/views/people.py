"""Administrators manage people: list, create, disable, set side and administrator rights."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from server.database import db
from server.errors import UserError, describe
from server.models import User
from server.people import EMAIL_PATTERN, USERNAME_PATTERN, create_user, find_user, update_user
from server.permissions import admin_required, roles_of
from server.templating import SIDE_LABELS
from server.views.forms import PageForm

blueprint = Blueprint("people", __name__, url_prefix="/admin/people")


def _side_choices() -> list[tuple[str, str]]:
    return [(side, str(label)) for side, label in SIDE_LABELS.items()]


class NewPersonForm(PageForm):
    username = StringField(
        _l("User name"),
        [DataRequired(), Regexp(USERNAME_PATTERN, message=_l("Lower-case letters, digits, dot, dash and underscore; 2 to 64 characters."))],
    )
    display_name = StringField(_l("Name shown to others"), [DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), [Optional(), Regexp(EMAIL_PATTERN, message=_l("This is not an e-mail address."))])
    side = SelectField(_l("Side"), choices=_side_choices)
    is_admin = BooleanField(_l("Administrator"))
    password = PasswordField(_l("Password"), [DataRequired(), Length(min=10, max=256)])


class PersonForm(PageForm):
    display_name = StringField(_l("Name shown to others"), [DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), [Optional(), Regexp(EMAIL_PATTERN, message=_l("This is not an e-mail address."))])
    side = SelectField(_l("Side"), choices=_side_choices)
    is_admin = BooleanField(_l("Administrator"))
    active = BooleanField(_l("Account enabled"))
    password = PasswordField(_l("New password (leave empty to keep)"), [Optional(), Length(min=10, max=256)])


@blueprint.route("")
@admin_required
def index():
    query = select(User).order_by(User.username)
    search = request.args.get("q", "").strip()
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(or_(func.lower(User.username).like(pattern), func.lower(User.display_name).like(pattern)))
    return render_template("ui/people/index.html", people=db().scalars(query).all(), search=search)


@blueprint.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = NewPersonForm()
    if form.submit_ok():
        try:
            user = create_user(
                db(), form.username.data, form.password.data, display_name=form.display_name.data,
                side=form.side.data, email=form.email.data, is_admin=form.is_admin.data,
            )
            db().commit()
        except UserError as error:
            db().rollback()
            (form.password if error.code.startswith("password.") else form.username).errors.append(describe(error))
        else:
            flash(_("The account %(username)s is created.", username=user.username), "success")
            return redirect(url_for("people.edit", username=user.username))
    return render_template("ui/people/new.html", form=form)


@blueprint.route("/<username>", methods=["GET", "POST"])
@admin_required
def edit(username: str):
    person = find_user(db(), username)
    form = PersonForm(obj=person)
    if form.submit_ok():
        try:
            update_user(
                db(), person, display_name=form.display_name.data.strip(), email=form.email.data or "",
                side=form.side.data, is_admin=form.is_admin.data, active=form.active.data,
                password=form.password.data or None,
            )
            db().commit()
        except UserError as error:
            db().rollback()
            if error.code.startswith("password."):
                form.password.errors.append(describe(error))
            else:
                flash(describe(error), "error")
        else:
            flash(_("The account %(username)s is saved.", username=person.username), "success")
            return redirect(url_for("people.edit", username=person.username))
    return render_template("ui/people/edit.html", form=form, person=person, roles=roles_of(person),
                           myself=person.id == current_user.id)
