"""The pages of a book's history: the log (of the book or one chapter), compare, one commit, blame
(coloured by side) and revert. What they show comes from ``server.history.service``.
"""


from __future__ import annotations
from typing import Any
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import NumberRange
from materials import Diff, EditConflict, MaterialsError, NotFound
from server.database import db
from server.errors import UserError, describe
from server.forms import PageForm, QueryForm
from server.history.diff_rows import file_view
from server.history.service import (MAX_PAGE, blame_runs, book_diff, chapter_file_path, checked_revision,
                                    commit_in_book, history_page, lines_by_side, message_body, previous_change,
                                    revert_commit, revert_targets)
from server.library import book_title, library
from server.permissions import Ability, book_access
from server.templating import side_class, side_name, side_names


blueprint = Blueprint("history", __name__)


class RevertForm(PageForm):
    """The CSRF token and the chosen target (``draft`` or ``main``: ``revert_commit`` decides which may be used)."""

    target = StringField()


class HistoryQuery(QueryForm):
    page = IntegerField(default=1, validators=[NumberRange(min=1)])


class CompareQuery(QueryForm):
    from_ = StringField("from", default="", name="from")
    to = StringField(default="")


class DiffQuery(QueryForm):
    view = SelectField(choices=["split", "unified"], default="split")


class BlameQuery(QueryForm):
    rev = StringField()


# ------------------------------------------------------------------ pages

def _page_arg() -> int:
    return min(HistoryQuery().page.data, MAX_PAGE)


@blueprint.route("/books/<book>/history")
@book_access(Ability.read)
def book_history(book: str):
    lib = library()
    title = book_title(book)
    page = history_page(lib, book, _page_arg())
    return render_template("ui/history/log.html", book=book, title=title, history=page,
                           chapter=None, labels=side_names(lib), side_class=side_class, side_name=side_name)


@blueprint.route("/books/<book>/chapters/<chapter:file>/history")
@book_access(Ability.read)
def chapter_history(book: str, file: str):
    lib = library()
    title = book_title(book)
    path = chapter_file_path(book, file)
    page = history_page(lib, book, _page_arg(), path=path)
    if not page.entries and page.page == 1:
        raise UserError("chapter.not_found", status=404, chapter=file, book=book)
    return render_template("ui/history/log.html", book=book, title=title, history=page,
                           chapter=file, path=path, labels=side_names(lib), side_class=side_class,
                           side_name=side_name)


@blueprint.route("/books/<book>/compare")
@book_access(Ability.read)
def compare(book: str):
    lib = library()
    title = book_title(book)
    revisions = CompareQuery()
    old_rev, new_rev = revisions.from_.data, revisions.to.data
    if not old_rev and not new_rev:
        return render_template("ui/history/compare_form.html", book=book, title=title,
                               branches=sorted(lib.branches()))
    old, new = checked_revision(lib, old_rev), checked_revision(lib, new_rev)
    diff = book_diff(lib, book, old, new)
    return _render_diff("ui/history/compare.html", book, diff, title=title, old=old, new=new, old_rev=old_rev,
                        new_rev=new_rev)


@blueprint.route("/books/<book>/commits/<sha>")
@book_access(Ability.read)
def commit(book: str, sha: str):
    lib = library()
    title = book_title(book)
    info, diff = commit_in_book(lib, book, sha)
    labels = side_names(lib)
    return _render_diff("ui/history/commit.html", book, diff, title=title, info=info, body=message_body(info.message),
                        previous=previous_change(lib, book, info),
                        can_revert=bool(revert_targets(lib, book, current_user)) and len(info.parents) == 1,
                        labels=labels, side_class=side_class, side_name=side_name)


def _render_diff(template: str, book: str, diff: Diff, **context: Any):
    unified = DiffQuery().view.data == "unified"
    files = [file_view(f) for f in diff.files]
    args = {k: v for k, v in request.args.items() if k != "view"}
    here = {"book": book, **(request.view_args or {})}
    return render_template(template, book=book, files=files, unified=unified,
                           split_url=url_for(request.endpoint, **here, **args),
                           unified_url=url_for(request.endpoint, **here, **args, view="unified"), **context)


@blueprint.route("/books/<book>/chapters/<chapter:file>/blame")
@book_access(Ability.read)
def blame(book: str, file: str):
    lib = library()
    title = book_title(book)
    path = chapter_file_path(book, file)
    rev = BlameQuery().rev.data
    commit_sha = checked_revision(lib, rev) if rev else lib.resolve("main")
    try:
        runs = blame_runs(lib, commit_sha, path)
    except NotFound:
        raise UserError("chapter.not_found", status=404, chapter=file, book=book) from None
    labels = side_names(lib)
    counts = lines_by_side(runs)
    return render_template("ui/history/blame.html", book=book, title=title, chapter=file,
                           runs=runs, labels=labels, counts=counts, side_class=side_class, side_name=side_name)


@blueprint.route("/books/<book>/commits/<sha>/revert", methods=["GET", "POST"])
@book_access(Ability.write)
def revert(book: str, sha: str):
    lib = library()
    title = book_title(book)
    info, diff = commit_in_book(lib, book, sha)
    targets = revert_targets(lib, book, current_user)
    form = RevertForm()
    conflict = None
    error = None
    if not targets:
        error = _("You cannot revert changes in this book: the book does not allow direct changes to the main "
                  "version, and you have no draft to put the revert on.")
    elif form.validate_on_submit():
        try:
            done = revert_commit(lib, book, info.sha, current_user, form.target.data)
        except EditConflict as exc:
            db().rollback()
            conflict = exc
        except (UserError, MaterialsError) as exc:
            db().rollback()
            error = describe(exc)
        else:
            flash(_("The change was reverted on %(branch)s.", branch=done.branch), "success")
            return redirect(url_for("history.commit", book=book, sha=done.sha))
    status = 409 if conflict else (400 if error and request.method == "POST" else 200)
    return render_template("ui/history/revert.html", book=book, title=title, info=info,
                           files=diff.files, targets=targets, form=form, conflict=conflict, error=error,
                           labels=side_names(lib), side_class=side_class, side_name=side_name), status
