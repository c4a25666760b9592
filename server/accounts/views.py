"""Signing in and out.

My account: profile, password, personal access tokens for the API.

Administrators manage people: list, create, disable, set side and administrator rights.

Who works on a book, with which role: administrators and the book's maintainers manage it.
"""


from __future__ import annotations
from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp
from server.accounts.lockout import LockedOut, login_lockout
from server.accounts.models import Membership, Role, User
from server.accounts import tokens as tokens_service
from server.accounts.passwords import check_strength
from server.accounts.service import (EMAIL_PATTERN, USERNAME_PATTERN, change_password, create_user, find_user,
                                     members_of, record_sign_in, remove_membership, set_membership, update_profile,
                                     update_user)
from server.auth import sign_in
from server.database import db
from server.errors import UserError, describe
from server.forms import ConfirmForm, PageForm, QueryForm
from server.library import book_title, book_titles
from server.navigation import back
from server.permissions import Ability, admin_required, book_access, public, roles_of, signed_in
from server.templating import ROLE_LABELS, SIDE_LABELS


signin = Blueprint("signin", __name__)
# Checked against when the user name is unknown, so both failures take as long.
_UNKNOWN_USER_HASH = generate_password_hash("not a password", method="scrypt")


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), [DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), [DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in on this device"))


@signin.route("/login", methods=["GET", "POST"])
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
            record_sign_in(user)
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


@signin.route("/logout", methods=["POST"])
@public
def logout():
    if current_user.is_authenticated:
        logout_user()
        flash(_("You are signed out."), "success")
    return redirect(url_for("signin.login"))


account = Blueprint("account", __name__, url_prefix="/account")


class ProfileForm(PageForm):
    display_name = StringField(_l("Name shown to others"), [DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), [Optional(), Length(max=254), Regexp(EMAIL_PATTERN, message=_l("This is not an e-mail address."))])


class PasswordForm(PageForm):
    current = PasswordField(_l("Current password"), [DataRequired()])
    new = PasswordField(_l("New password"), [DataRequired(), Length(min=10, max=256)])
    repeat = PasswordField(_l("New password again"), [DataRequired(), EqualTo("new", _l("The two passwords differ."))])


class TokenForm(PageForm):
    name = StringField(_l("What the token is for"), [DataRequired(), Length(max=100)])


@account.route("", methods=["GET", "POST"])
@signed_in
def profile():
    profile_form = ProfileForm(obj=current_user, prefix="profile")
    password_form = PasswordForm(prefix="password")
    if profile_form.submit_ok():
        update_profile(current_user, profile_form.display_name.data, profile_form.email.data)
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
            change_password(current_user, password_form.new.data)
            sign_in(current_user._get_current_object())  # the session id changes with the password; keep this one
            db().commit()
            flash(_("Your password is changed. Other sessions are signed out."), "success")
            return redirect(url_for("account.profile"))
    return render_template("ui/account/profile.html", profile_form=profile_form, password_form=password_form)


@account.route("/tokens", methods=["GET", "POST"])
@signed_in
def tokens():
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        _token, secret = tokens_service.issue_token(db(), current_user, form.name.data)
        db().commit()
        flash(_("Copy the token now: it will not be shown again."), "success")
        form = TokenForm(formdata=None)
    listed = tokens_service.tokens_of(db(), current_user)
    return render_template("ui/account/tokens.html", form=form, tokens=listed, secret=secret)


@account.route("/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@signed_in
def revoke_token(token_id: int):
    token = tokens_service.own_token(db(), current_user, token_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        tokens_service.revoke_token(db(), current_user, token)
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


people = Blueprint("people", __name__, url_prefix="/admin/people")


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


class PeopleSearch(QueryForm):
    q = StringField(default="", filters=[str.strip])


@people.route("", endpoint="index")
@admin_required
def list_people():
    query = select(User).order_by(User.username)
    search = PeopleSearch().q.data
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(or_(func.lower(User.username).like(pattern), func.lower(User.display_name).like(pattern)))
    return render_template("ui/people/index.html", people=db().scalars(query).all(), search=search)


@people.route("/new", methods=["GET", "POST"])
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


@people.route("/<username>", methods=["GET", "POST"])
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


members = Blueprint("members", __name__)


def _role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(ROLE_LABELS[role.value])) for role in Role]


class AddMemberForm(PageForm):
    username = StringField(_l("User name"), [DataRequired(), Length(max=64)])
    role = SelectField(_l("Role"), choices=_role_choices, default=Role.author.value)


class RoleForm(PageForm):
    role = SelectField(_l("Role"), choices=_role_choices)


@members.route("/admin/books")
@admin_required
def books():
    counts = dict(db().execute(select(Membership.book, func.count()).group_by(Membership.book)).all())
    titles = book_titles()
    listed = sorted(set(titles) | set(counts))
    return render_template("ui/members/books.html", books=listed, titles=titles, counts=counts)


@members.route("/books/<book>/members", methods=["GET", "POST"], endpoint="index")
@book_access(Ability.maintain)
def book_members(book: str):
    title = book_title(book)
    form = AddMemberForm(prefix="add")
    if form.submit_ok():
        try:
            person = find_user(db(), form.username.data)
            set_membership(db(), person, book, form.role.data)
            db().commit()
        except UserError as error:
            db().rollback()
            form.username.errors.append(describe(error))
        else:
            flash(_("%(name)s is now %(role)s of this book.", name=person.display_name,
                    role=ROLE_LABELS[form.role.data]), "success")
            return redirect(url_for("members.index", book=book))
    members = members_of(db(), book)
    role_forms = {m.user.username: RoleForm(prefix=f"role-{m.id}", formdata=None, role=m.role) for m in members}
    return render_template("ui/members/index.html", book=book, title=title, form=form, members=members,
                           role_forms=role_forms)


@members.route("/books/<book>/members/<username>/role", methods=["POST"])
@book_access(Ability.maintain)
def change_role(book: str, username: str):
    book_title(book)
    person = find_user(db(), username)
    membership = db().scalar(select(Membership).where(Membership.user_id == person.id, Membership.book == book))
    if membership is None:
        raise UserError("membership.not_found", status=404, username=username, book=book)
    form = RoleForm(prefix=f"role-{membership.id}")
    if form.submit_ok():
        set_membership(db(), person, book, form.role.data)
        db().commit()
        flash(_("%(name)s is now %(role)s of this book.", name=person.display_name,
                role=ROLE_LABELS[form.role.data]), "success")
    else:
        flash(_("Choose one of the roles."), "error")
    return redirect(url_for("members.index", book=book))


@members.route("/books/<book>/members/<username>/remove", methods=["GET", "POST"])
@book_access(Ability.maintain)
def remove(book: str, username: str):
    title = book_title(book)
    person = find_user(db(), username)
    form = ConfirmForm()
    if form.validate_on_submit():
        remove_membership(db(), person, book)
        db().commit()
        flash(_("%(name)s is no longer a member of this book.", name=person.display_name), "success")
        return redirect(url_for("members.index", book=book))
    return render_template(
        "ui/confirm.html",
        form=form,
        title=_("Remove member"),
        question=_("Remove %(name)s from “%(book)s”? They will no longer be able to open or edit it.",
                   name=person.display_name, book=title),
        action=_("Remove"),
        cancel=url_for("members.index", book=book),
    )
