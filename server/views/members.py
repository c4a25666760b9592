"""Who works on a book, with which role: administrators and the book's maintainers manage it."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from server.database import db
from server.errors import UserError, describe
from server.library import book_titles
from server.models import Membership, Role
from server.people import find_user, members_of, remove_membership, set_membership
from server.permissions import Ability, admin_required, book_access
from server.templating import ROLE_LABELS
from server.views.forms import ConfirmForm, PageForm

blueprint = Blueprint("members", __name__)


def _role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(ROLE_LABELS[role.value])) for role in Role]


class AddMemberForm(PageForm):
    username = StringField(_l("User name"), [DataRequired(), Length(max=64)])
    role = SelectField(_l("Role"), choices=_role_choices, default=Role.author.value)


class RoleForm(PageForm):
    role = SelectField(_l("Role"), choices=_role_choices)


def _require_book(book: str) -> str:
    titles = book_titles()
    if book not in titles:
        raise UserError("book.not_found", status=404, book=book)
    return titles[book]


@blueprint.route("/admin/books")
@admin_required
def books():
    counts = dict(db().execute(select(Membership.book, func.count()).group_by(Membership.book)).all())
    titles = book_titles()
    listed = sorted(set(titles) | set(counts))
    return render_template("ui/members/books.html", books=listed, titles=titles, counts=counts)


@blueprint.route("/books/<book>/members", methods=["GET", "POST"])
@book_access(Ability.maintain)
def index(book: str):
    title = _require_book(book)
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


@blueprint.route("/books/<book>/members/<username>/role", methods=["POST"])
@book_access(Ability.maintain)
def change_role(book: str, username: str):
    _require_book(book)
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


@blueprint.route("/books/<book>/members/<username>/remove", methods=["GET", "POST"])
@book_access(Ability.maintain)
def remove(book: str, username: str):
    title = _require_book(book)
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
