"""The book's feedback inbox, one item's page, and the asker's private follow page.

Authors and reviewers (``Ability.write``) read and act on what students sent
from the published sites; every action is a small form posting to its own
URL (CSRF-checked like every form) and has a JSON twin in ``api.py``.
"""


from __future__ import annotations
import re
from typing import Any
from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange
from server.feedback import change_requests as feedback_crs, inbox as feedback_inbox, submissions
from server.errors import UserError, describe
from server.library import book_title as service_book_title
from server.feedback.models import KIND_LABELS, KINDS, STATE_LABELS, STATES
from server.forms import PageForm, QueryForm
from server.permissions import Ability, book_access, public


blueprint = Blueprint("feedback", __name__)


def _title(book: str) -> str:
    return service_book_title(book)


def _words(value: str | None) -> str | None:
    return (value or "").strip()[:255] or None


class InboxQuery(QueryForm):
    """The inbox's filters (a filter that is no choice is no filter) and its page."""

    chapter = StringField(filters=[_words])
    version = StringField(filters=[_words])
    kind = SelectField(choices=["", *KINDS], default="")
    state = SelectField(choices=["", *STATES, "open"], default="")
    assignee = StringField(filters=[_words])
    page = IntegerField(default=1, validators=[NumberRange(min=1, max=100000)])


def _filters(query: InboxQuery) -> feedback_inbox.InboxFilter:
    return feedback_inbox.InboxFilter(chapter=query.chapter.data, version=query.version.data,
                                      kind=query.kind.data or None, state=query.state.data or None,
                                      assignee=query.assignee.data)


class ItemNumberField(IntegerField):
    """Another item's number as people write it, ``12`` or ``#12``; anything else names no item."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = (valuelist[0] if valuelist else "").strip().lstrip("#")
        self.data = int(raw) if re.fullmatch(r"[0-9]{1,9}", raw) else None


class ReplyForm(PageForm):
    text = StringField(default="")
    public = BooleanField()


class StateForm(PageForm):
    state = StringField(default="")
    reason = StringField(default="")
    duplicate_of = ItemNumberField()


class AssignForm(PageForm):
    username = StringField(default="")


class PublicForm(PageForm):
    public = BooleanField(false_values=("", "0", "false"))


class FollowQuery(QueryForm):
    sent = BooleanField(false_values=("", "0", "false"))


@blueprint.route("/books/<book>/feedback")
@book_access(Ability.write)
def inbox(book: str):
    title = _title(book)
    query = InboxQuery()
    filters, page = _filters(query), query.page.data
    items, total = feedback_inbox.inbox(book, filters, page)
    pages = max(1, -(-total // feedback_inbox.INBOX_PAGE_SIZE))
    return render_template("ui/feedback/inbox.html", book=book, title=title, items=items, total=total, page=page,
                           pages=pages, filters=filters, facets=feedback_inbox.inbox_facets(book),
                           people=feedback_inbox.assignable(book), KIND_LABELS=KIND_LABELS,
                           STATE_LABELS=STATE_LABELS)


@blueprint.route("/books/<book>/feedback.csv")
@book_access(Ability.write)
def export(book: str):
    _title(book)
    body = feedback_inbox.export_csv(book, _filters(InboxQuery()))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{book}-feedback.csv"'})


@blueprint.route("/books/<book>/feedback/<int:item>")
@book_access(Ability.write)
def show(book: str, item: int):
    title = _title(book)
    found = feedback_inbox.find(book, item)
    return render_template("ui/feedback/item.html", book=book, title=title, item=found,
                           page_url=submissions.site_page_url(book, found.version, found.page, found.selection),
                           people=feedback_inbox.assignable(book), KIND_LABELS=KIND_LABELS,
                           STATE_LABELS=STATE_LABELS, CHOSEN_STATES=feedback_inbox.CHOSEN_STATES,
                           cr_url=feedback_crs.change_request_url(book, found.change_request)
                           if found.change_request else None)


def _act(book: str, item: int, action) -> Response:
    """Run one inbox action; a refusal comes back as a message on the item's page."""
    _title(book)
    found = feedback_inbox.find(book, item)
    try:
        message = action(found)
    except UserError as error:
        flash(describe(error), "error")
    else:
        if message:
            flash(message, "success")
    return redirect(url_for("feedback.show", book=book, item=item))


@blueprint.route("/books/<book>/feedback/<int:item>/reply", methods=["POST"])
@book_access(Ability.write)
def reply(book: str, item: int):
    form = ReplyForm()

    def act(found):
        feedback_inbox.reply(found, current_user, form.text.data, public=True if form.public.data else None)
        return _("Your answer was sent.") + (" " + _("It is shown under the page.") if found.public else "")

    return _act(book, item, act)


@blueprint.route("/books/<book>/feedback/<int:item>/state", methods=["POST"])
@book_access(Ability.write)
def change_state(book: str, item: int):
    form = StateForm()

    def act(found):
        state = form.state.data
        feedback_inbox.set_state(found, state, current_user, form.reason.data, form.duplicate_of.data)
        return _("Marked as %(state)s.", state=STATE_LABELS.get(state, state))

    return _act(book, item, act)


@blueprint.route("/books/<book>/feedback/<int:item>/assign", methods=["POST"])
@book_access(Ability.write)
def assign(book: str, item: int):
    form = AssignForm()

    def act(found):
        feedback_inbox.assign(found, form.username.data or None, current_user)
        return _("Assigned to %(name)s.", name=found.assignee.display_name) if found.assignee else _("Unassigned.")

    return _act(book, item, act)


@blueprint.route("/books/<book>/feedback/<int:item>/public", methods=["POST"])
@book_access(Ability.write)
def publish(book: str, item: int):
    form = PublicForm()

    def act(found):
        feedback_inbox.set_public(found, form.public.data)
        return _("The answer is shown under the page.") if found.public else _("The answer is no longer shown.")

    return _act(book, item, act)


@blueprint.route("/books/<book>/feedback/<int:item>/change-request", methods=["POST"])
@book_access(Ability.write)
def change_request(book: str, item: int):
    _title(book)
    found = feedback_inbox.find(book, item)
    try:
        cr = feedback_crs.open_change_request(found, current_user)
    except UserError as error:
        flash(describe(error), "error")
        return redirect(url_for("feedback.show", book=book, item=item))
    flash(_("Change request #%(number)s was opened from this feedback.", number=cr.number), "success")
    return redirect(feedback_crs.change_request_url(book, cr.number))


@blueprint.route("/feedback/follow/<token>")
@public
def follow(token: str):
    """The asker's private page: the state of their item and the answers (no sign-in needed)."""
    found = feedback_inbox.find_by_token(token)
    response = Response(render_template("ui/feedback/follow.html", item=found, sent=FollowQuery().sent.data,
                                        page_url=submissions.site_page_url(found.book, found.version, found.page),
                                        KIND_LABELS=KIND_LABELS, STATE_LABELS=STATE_LABELS))
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"  # the link is the secret
    return response
