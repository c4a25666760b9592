"""The import pages: upload a Word document (.docx) or a MkDocs project (.zip), read the report of
what it becomes, confirm (a change request opens) or cancel."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField

from materials import MaterialsError
from server.errors import UserError, describe
from server.forms import ConfirmForm, PageForm
from server.imports import conversions, service
from server.imports.report import OUTCOME_LABELS, report_rows
from server.imports.history import side_choices
from server.library import book_title, library
from server.templating import side_names
from server.permissions import Ability, book_access

blueprint = Blueprint("imports", __name__)


class WordUploadForm(PageForm):
    document = FileField(_l("Word document (.docx)"), [FileRequired()])
    split_level = SelectField(_l("A new chapter starts at each heading of level"), choices=[
        ("1", _l("1 (Heading 1 / 标题 1)")), ("2", _l("2 (Heading 2 / 标题 2)")), ("3", _l("3 (Heading 3 / 标题 3)"))],
        default="1")


class MkDocsUploadForm(PageForm):
    project = FileField(_l("MkDocs project (a .zip of its folder, with mkdocs.yml, or a git bundle of its repository)"),
                        [FileRequired()])
    with_history = BooleanField(_l("Bring in its history (a git bundle only): every commit that touched the docs, "
                                   "with its author, date and message"))


def side_labels() -> dict[str, str]:
    """The sides an author of a replayed history can be given, named as the library names them."""
    names = side_names(library())
    return {side: names.get(side, _("Unknown") if side == "unknown" else side) for side in side_choices()}


KIND = "<kind>"  # "word" or "mkdocs"; any other answers 404 (after the permission check)


@blueprint.route("/books/<book>/import/word", methods=["GET", "POST"])
@book_access(Ability.write)
def upload(book: str):
    title = book_title(book)
    form = WordUploadForm()
    error, status = None, 200
    if form.is_submitted():
        status = 422
        if form.validate():
            upload_file = form.document.data
            try:
                token = conversions.queue(current_user, book, "word", upload_file.filename or "", upload_file.read(),
                                          split_level=int(form.split_level.data))
            except (UserError, MaterialsError) as refused:
                error, status = describe(refused), getattr(refused, "status", None) or 422
            else:
                return redirect(url_for("imports.report", book=book, kind="word", token=token))
    return render_template("ui/imports/upload.html", book=book, title=title, form=form, error=error,
                           limit_mb=service.MAX_DOCX_BYTES // 1048576,
                           waiting=service.waiting_for(current_user, book)), status


@blueprint.route("/books/<book>/import/mkdocs", methods=["GET", "POST"])
@book_access(Ability.write)
def upload_mkdocs(book: str):
    title = book_title(book)
    form = MkDocsUploadForm()
    error, status = None, 200
    if form.is_submitted():
        status = 422
        if form.validate():
            upload_file = form.project.data
            try:
                token = conversions.queue(current_user, book, "mkdocs", upload_file.filename or "", upload_file.read(),
                                          with_history=form.with_history.data)
            except (UserError, MaterialsError) as refused:
                error, status = describe(refused), getattr(refused, "status", None) or 422
            else:
                return redirect(url_for("imports.report", book=book, kind="mkdocs", token=token))
    return render_template("ui/imports/upload_mkdocs.html", book=book, title=title, form=form, error=error,
                           limit_mb=service.upload_limit("mkdocs") // 1048576,
                           waiting=service.waiting_for(current_user, book)), status


@blueprint.route(f"/books/<book>/import/{KIND}/<token>")
@book_access(Ability.write)
def report(book: str, kind: str, token: str):
    title = book_title(book)
    confirming = conversions.confirmation(current_user, book, token, kind)
    if confirming is not None and confirming.state == "done":
        return redirect(url_for("change_requests.show", book=book, number=confirming.number))
    if confirming is not None and confirming.state in ("queued", "running"):
        return render_template("ui/imports/confirming.html", book=book, title=title, confirming=confirming)
    try:
        pending = service.load(current_user, book, token, kind)
    except UserError as missing:
        if missing.code != "import.not_found":
            raise
        converting = conversions.conversion(current_user, book, token, kind)  # 404 when there is none either
        return render_template("ui/imports/converting.html", book=book, title=title, conversion=converting,
                               form=ConfirmForm()), 422 if converting.state in ("refused", "failed") else 200
    rows = report_rows(pending.report)
    return render_template("ui/imports/report.html", book=book, title=title, pending=pending, rows=rows,
                           outcomes=OUTCOME_LABELS, form=ConfirmForm(), sides=side_labels(),
                           refused=confirming.message if confirming is not None else None,
                           counts={o: sum(1 for r in rows if r.outcome == o) for o in OUTCOME_LABELS})


@blueprint.route(f"/books/<book>/import/{KIND}/<token>/confirm", methods=["POST"])
@book_access(Ability.write)
def confirm(book: str, kind: str, token: str):
    form = ConfirmForm()
    if not form.validate_on_submit():
        raise UserError("csrf.invalid", status=400)
    pending = service.load(current_user, book, token, kind)
    sides = {author["email"]: request.form.get(f"side-{number}", author["side"])
             for number, author in enumerate(pending.history or [])}
    if pending.history is not None:  # hundreds of commits to replay: a job, which the report page follows
        conversions.queue_confirmation(current_user, book, token, kind, sides)
        return redirect(url_for("imports.report", book=book, kind=kind, token=token))
    cr = service.confirm(current_user, book, token, sides)
    flash(_("The import is now change request #%(number)s: it is reviewed and merged like any change.",
            number=cr.number), "success")
    return redirect(url_for("change_requests.show", book=book, number=cr.number))


@blueprint.route(f"/books/<book>/import/{KIND}/<token>/cancel", methods=["POST"])
@book_access(Ability.write)
def cancel(book: str, kind: str, token: str):
    form = ConfirmForm()
    if not form.validate_on_submit():
        raise UserError("csrf.invalid", status=400)
    try:
        service.load(current_user, book, token, kind)
    except UserError as missing:
        if missing.code != "import.not_found":
            raise
        conversions.forget(current_user, book, token, kind)
    else:
        service.discard(current_user, book, token)
    flash(_("The import was cancelled; nothing was changed."), "success")
    return redirect(url_for("books.show", book=book))
