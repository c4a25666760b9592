"""A book's images: the list with an upload form, each image served for the
editor's preview, and deletion after a confirmation that names the chapters
still showing it."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from materials import MaterialsError, NotFound

from server import audit, editing
from server.api.assets import max_asset_bytes
from server.database import db
from server.errors import UserError
from server.library import library
from server.permissions import Ability, book_access
from server.views.forms import ConfirmForm

blueprint = Blueprint("assets", __name__)

# A picture shown on its own may not run anything, even an SVG that slipped past the checks.
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def _branch(book: str) -> str:
    return editing.target_branch(current_user, book, request.values.get("branch") or None, library())


def _branch_args(book: str, branch: str) -> dict[str, str]:
    return {} if branch == editing.working_branch(current_user, book) else {"branch": branch}


@blueprint.route("/books/<book>/assets", methods=["GET", "POST"])
@book_access(Ability.write)
def index(book: str):
    lib = library()
    branch = _branch(book)
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise UserError("asset.missing", status=422)
        data = upload.stream.read(max_asset_bytes() + 1)
        name, _saved = editing.upload_asset(lib, current_user, book, branch, upload.filename, data, max_asset_bytes())
        flash(_("Image %(name)s uploaded. Insert it in a chapter with ![](../assets/%(name)s).", name=name), "success")
        return redirect(url_for("assets.index", book=book, **_branch_args(book, branch)), code=303)
    rev = editing.read_revision(lib, branch)
    names = sorted(editing.asset_files(lib, book, rev))
    return render_template("ui/editor/assets.html", book=book, branch=branch, names=names,
                           branch_args=_branch_args(book, branch),
                           limit_kb=max_asset_bytes() // 1024)


@blueprint.route("/books/<book>/assets/raw/<path:name>")
@book_access(Ability.read)
def raw(book: str, name: str):
    """One image of the book at a branch (the editor preview shows draft images this way)."""
    lib = library()
    branch = request.args.get("branch") or "main"
    try:
        path = editing.book_path(book, f"assets/{name}")
        data = lib.read(editing.read_revision(lib, branch) if branch != "main" else "main", path)
    except (NotFound, MaterialsError):
        raise UserError("asset.not_found", status=404, name=name[:100]) from None
    ext = name.rsplit(".", 1)[-1].lower()
    mimetype = editing.IMAGE_TYPES.get(ext, "application/octet-stream")
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = IMAGE_POLICY
    response.headers["Cache-Control"] = "private, max-age=60"
    if mimetype == "application/octet-stream":
        response.headers["Content-Disposition"] = "attachment"
    return response


@blueprint.route("/books/<book>/assets/<name>/delete", methods=["GET", "POST"])
@book_access(Ability.write)
def delete(book: str, name: str):
    lib = library()
    branch = _branch(book)
    rev = editing.read_revision(lib, branch)
    if not lib.exists(rev, editing.book_path(book, f"assets/{name}")):
        raise UserError("asset.not_found", status=404, name=name)
    form = ConfirmForm()
    if form.validate_on_submit():
        editing.delete_asset(lib, current_user, book, branch, name)
        audit.record("asset.delete", f"{book}/{name}", branch=branch)
        db().commit()
        flash(_("Image %(name)s deleted.", name=name), "success")
        return redirect(url_for("assets.index", book=book, **_branch_args(book, branch)), code=303)
    using = editing.chapters_using(lib, book, rev, name)
    question = _("Delete the image %(name)s?", name=name)
    if using:
        question += " " + _("These chapters still show it: %(chapters)s.", chapters=", ".join(using))
    return render_template("ui/confirm.html", form=form, title=_("Delete image"), question=question,
                           action=_("Delete"), cancel=url_for("assets.index", book=book, **_branch_args(book, branch)))
