"""The chapter editor and the pages that change a book's structure.

The editor posts the front matter as form fields (never YAML), the Markdown
body and the commit the author started from; a save that overlaps someone
else's edit answers with the conflict screen (409) holding every version of
the text, and writes nothing. Parts and chapters are created, renamed, moved
and deleted one commit at a time, on the branch ``server.landing`` chooses.

A book's images: the list with an upload form, each image served for the
editor's preview, and deletion after a confirmation that names the chapters
still showing it.
"""


from __future__ import annotations
import json
from dataclasses import dataclass, field
from typing import Any
from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import NumberRange, Optional
from materials import EditConflict, FrontMatter, MaterialsError, NotFound, book_path, chapter_path
from materials.passages import collide
from server import landing
from server.change_requests import commits as cr_commits, reviews as cr_reviews, service as crs
from server.editing import chapters, conflicts, images, item_picker, presence, structure
from server.editing.written_files import IMAGE_TYPES, max_asset_bytes
from server.errors import UserError, describe, status_for
from server.forms import ConfirmForm, QueryForm, ValuesField
from server.library import book_title, library
from server.permissions import Ability, book_access
from server.templating import side_label


editor = Blueprint("editor", __name__)


class EditorForm(FlaskForm):
    """What the editor posts: the front matter as fields, the body and the commit it started from,
    or (``mode`` text, from the conflict screen) the whole file as ``text``."""

    title = StringField(default="")
    objectives = ValuesField()
    hours = StringField(default="")
    summary = StringField(default="")
    standards = ValuesField()
    sections = StringField(default="")
    body = StringField(default="")
    base = StringField(default="")
    message = StringField(default="")
    mode = StringField(default="")
    text = StringField(default="")
    origin = StringField(default="")  # the passages screen: the commit the author started from,
    head = StringField(default="")  # the commit the other text is in,
    yours = StringField(default="")  # and the author's whole text


class BranchChoice(QueryForm):
    """The branch a page works on, from its query string or its form (none: the person's working branch)."""

    branch = StringField()


class EditorQuery(QueryForm):
    saved = BooleanField()


class NewChapterForm(FlaskForm):
    title = StringField(default="")
    filename = StringField(default="")
    part = IntegerField(default=0, validators=[NumberRange(min=0)])


class FileNameForm(FlaskForm):
    filename = StringField(default="")


class MoveForm(FlaskForm):
    """One place ``up`` or ``down``, or into the part numbered ``part`` (from 0)."""

    direction = StringField()
    part = IntegerField(validators=[Optional(), NumberRange(min=0)])


class PartTitleForm(FlaskForm):
    title = StringField(default="")


class ImageUploadForm(FlaskForm):
    file = FileField()


@dataclass
class EditorState:
    """What the editor form shows: read from Git, or as the author last posted it."""

    title: str
    objectives: list[str]
    hours: str
    summary: str
    standards: list[str]
    sections: str
    body: str
    base: str
    message: str = ""
    errors: list[str] = field(default_factory=list)
    details_wrong: bool = False  # the front matter did not parse or pass: the details panel shows the mistake

    @property
    def details_needed(self) -> bool:
        """Whether the editor opens with the chapter's details shown: no title yet, or a mistake in them."""
        return self.details_wrong or not (self.title or "").strip()

    @classmethod
    def of(cls, chapter: chapters.ChapterText) -> "EditorState":
        meta = chapter.meta
        return cls(meta.title, list(meta.objectives), "" if meta.hours is None else str(meta.hours),
                   meta.summary or "", list(meta.standards),
                   json.dumps({k: list(v) for k, v in meta.sections.items()}, ensure_ascii=False) if meta.sections else "",
                   chapter.body, chapter.base,
                   errors=[chapter.problem] if chapter.problem else [], details_wrong=bool(chapter.problem))

    @classmethod
    def posted(cls, form: EditorForm) -> "EditorState":
        return cls(form.title.data, form.objectives.data, form.hours.data, form.summary.data, form.standards.data,
                   form.sections.data, form.body.data, form.base.data, form.message.data)

    def front_matter(self, path: str) -> FrontMatter:
        return chapters.front_matter_from(
            {"title": self.title, "objectives": self.objectives, "hours": self.hours, "summary": self.summary,
             "standards": self.standards, "sections": chapters.sections_from_json(self.sections)}, path)


def _branch(book: str) -> str:
    return landing.target_branch(current_user, book, BranchChoice(request.values).branch.data or None, library())


def _branch_args(book: str, branch: str) -> dict[str, str]:
    """Keep ``?branch=`` in links only when it is not the default working branch."""
    return {} if branch == landing.working_branch(current_user, book) else {"branch": branch}


@dataclass
class SavedWhere:
    """Where a save went and what it still waits for: the line the editor shows after saving."""

    number: int
    url: str
    sides: list[str]  # the sides whose approvals are still needed, as the reader calls them
    ask_url: str | None = None  # a draft its writer may send for review: where "ask for review" posts

    @property
    def text(self) -> str:
        if self.sides:
            return _("Saved in change request #%(number)s · approvals needed: %(sides)s", number=self.number,
                     sides=_(", ").join(self.sides))
        return _("Saved in change request #%(number)s · no more approvals needed", number=self.number)


def _saved_where(branch: str) -> SavedWhere | None:
    row = crs.cr_for_branch(branch)
    if row is None:
        return None
    cr_commits.sync_head(row)
    _policy, verdict = cr_reviews.verdict_of(row)
    sides = [side_label(m.side) for m in verdict.missing if m.code == "approvals"]
    ask = (url_for("change_requests.state", book=row.book, number=row.number)
           if row.state == "draft" and crs.may_manage(current_user, row) else None)
    return SavedWhere(row.number, crs.cr_url(row), sides, ask)


def _render_editor(book: str, file: str, branch: str, state: EditorState, status: int = 200, just_saved: bool = False):
    lib = library()
    labels = item_picker.item_labels(lib, book, state.base or landing.read_revision(lib, branch), state.standards)
    page = render_template(
        "ui/editor/edit.html", book=book, file=file, branch=branch, state=state, labels=labels,
        book_title=book_title(book, landing.read_revision(lib, branch)),
        is_draft=branch == landing.working_branch(current_user, book),
        branch_args=_branch_args(book, branch), just_saved=just_saved,
        saved_where=_saved_where(branch) if just_saved else None,
        draft_exists=lib.branch_head(branch) is not None,
        editing=presence.here(current_user, book, branch, file), heartbeat=presence.heartbeat(),
    )
    return page, status


def _render_conflict(book: str, file: str, branch: str, conflict: EditConflict | None, *, yours: str,
                     theirs: str | None, merged: str, head: str, error: str | None = None, origin: str = "",
                     base_text: str | None = None):
    view = None
    if conflict is not None and theirs is not None:
        collision = collide(base_text or "", theirs, yours)
        view = conflicts.view_of(library(), book, chapter_path(book, file), branch, origin, head, collision)
    page = render_template("ui/editor/conflict.html", book=book, file=file, branch=branch, yours=yours,
                           theirs=theirs, merged=merged, head=head, error=error, origin=origin, view=view,
                           branch_args=_branch_args(book, branch),
                           message=describe(conflict) if conflict else None)
    return page, 409 if conflict else 422


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@editor.route("/books/<book>/chapters/<chapter:file>/edit", methods=["GET", "POST"])
@book_access(Ability.write)
def edit(book: str, file: str):
    lib = library()
    if request.method == "GET" and not BranchChoice().branch.data and landing.needs_change_request(
            current_user, book, lib):
        return redirect(url_for("change_requests.new", book=book, chapter=file))
    branch = _branch(book)
    if request.method == "GET":
        chapter = chapters.open_chapter(lib, book, file, branch)
        return _render_editor(book, file, branch, EditorState.of(chapter), just_saved=EditorQuery().saved.data)
    path = chapter_path(book, file)
    form = EditorForm()
    passages = form.mode.data == "passages"
    whole_text = form.mode.data == "text" or passages
    state = EditorState.posted(form)
    origin = form.head.data if passages else state.base
    try:
        if passages:
            collision = conflicts.collision_of(lib, path, form.origin.data, form.head.data, form.yours.data)
            form.text.data = conflicts.resolved_text(collision, request.form)
            saved = chapters.save_chapter(lib, current_user, book, file, branch, form.text.data,
                                         form.head.data, state.message)
        elif whole_text:
            saved = chapters.save_chapter(lib, current_user, book, file, branch, form.text.data,
                                         state.base, state.message)
        else:
            try:
                meta = state.front_matter(path)
            except (UserError, MaterialsError):
                state.details_wrong = True
                raise
            saved = chapters.save_chapter_fields(lib, current_user, book, file, branch, meta,
                                                state.body, state.base, state.message)
    except EditConflict as conflict:
        own = next((c for c in conflict.conflicts if c.path == path), conflict.conflicts[0])
        if _wants_json():
            return jsonify(error=chapters.conflict_json(conflict)), 409
        return _render_conflict(book, file, branch, conflict, yours=own.yours or "", theirs=own.theirs,
                                merged=own.merged, head=conflict.head or "", origin=origin, base_text=own.base)
    except (UserError, MaterialsError) as error:
        if status_for(error) in (403, 404):
            raise
        if whole_text:
            current = chapters.open_chapter(lib, book, file, branch)
            text = form.text.data
            return _render_conflict(book, file, branch, None, yours=text, theirs=current.text, merged=text,
                                    head=current.base, error=describe(error))
        state.errors.append(describe(error))
        return _render_editor(book, file, branch, state, status=422)
    if _wants_json():
        return jsonify(chapters.saved_json(saved, branch))
    if saved.unchanged:
        flash(_("Nothing to save: the chapter is unchanged."), "info")
    elif saved.merged_paths:
        flash(_("Saved. Changes made meanwhile by others were merged with yours."), "success")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("editor.edit", book=book, file=file, saved=1, **_branch_args(book, branch)), code=303)


# ------------------------------------------------------------------ structure

@editor.route("/books/<book>/structure", endpoint="structure")
@book_access(Ability.write)
def parts_and_chapters(book: str):
    lib = library()
    branch = _branch(book)
    rev = landing.read_revision(lib, branch)
    loaded = lib.book(book, rev)
    titles = {c.filename: c.title for c in loaded.chapters}
    return render_template("ui/editor/structure.html", book=book, branch=branch, loaded=loaded, titles=titles,
                           parts=loaded.config.navigation, branch_args=_branch_args(book, branch),
                           is_draft=branch == landing.working_branch(current_user, book),
                           unlisted=[c for c in loaded.chapters if c.part is None])


def _back(book: str, branch: str):
    return redirect(url_for("editor.structure", book=book, **_branch_args(book, branch)), code=303)


def _done(book: str, branch: str, message: str):
    """After a structural change: say so, and show the structure again.

    A refusal (bad name, traversal, non-empty part...) is raised before this and
    shown by the error page in the reader's language; nothing was changed then.
    """
    flash(message, "success")
    return _back(book, branch)


@editor.route("/books/<book>/chapters/new", methods=["POST"])
@book_access(Ability.write)
def create_chapter(book: str):
    lib = library()
    branch = _branch(book)

    form = NewChapterForm()
    if not form.part.validate(form):
        raise UserError("part.not_found", status=404, part=(form.part.raw_data or [""])[0][:20])
    name, _saved = structure.create_chapter(lib, current_user, book, branch, form.title.data, form.part.data,
                                          form.filename.data or None)
    flash(_("Chapter created."), "success")
    return redirect(url_for("editor.edit", book=book, file=name, **_branch_args(book, branch)), code=303)


@editor.route("/books/<book>/chapters/<chapter:file>/rename", methods=["GET", "POST"])
@book_access(Ability.write)
def rename_chapter(book: str, file: str):
    lib = library()
    branch = _branch(book)
    chapter = chapters.open_chapter(lib, book, file, branch)
    if request.method == "POST":
        structure.rename_chapter(lib, current_user, book, branch, file, FileNameForm().filename.data)
        return _done(book, branch, _("Chapter renamed."))
    return render_template("ui/editor/rename.html", book=book, branch=branch, title=_("Rename chapter"),
                           label=_("File name"), value=file, heading=chapter.meta.title,
                           hint=_("Letters, digits, “-” and “_”, ending in .md. Links from other chapters are not changed."),
                           cancel=url_for("editor.structure", book=book, **_branch_args(book, branch)))


@editor.route("/books/<book>/chapters/<chapter:file>/move", methods=["POST"])
@book_access(Ability.write)
def move_chapter(book: str, file: str):
    lib = library()
    branch = _branch(book)

    form = MoveForm()
    if form.direction.data in ("up", "down"):
        structure.move_chapter(lib, current_user, book, branch, file, direction=form.direction.data)
    elif form.part.validate(form) and form.part.data is not None:
        structure.move_chapter(lib, current_user, book, branch, file, part=form.part.data)
    else:
        raise UserError("request.invalid", status=422, detail="direction")
    return _done(book, branch, _("Chapter moved."))


@editor.route("/books/<book>/chapters/<chapter:file>/delete", methods=["GET", "POST"])
@book_access(Ability.write)
def delete_chapter(book: str, file: str):
    lib = library()
    branch = _branch(book)
    chapter = chapters.open_chapter(lib, book, file, branch)
    form = ConfirmForm()
    if form.validate_on_submit():
        structure.delete_chapter(lib, current_user, book, branch, file)
        return _done(book, branch, _("Chapter deleted."))
    return render_template(
        "ui/confirm.html", form=form, title=_("Delete chapter"),
        question=_("Delete the chapter “%(title)s” (%(file)s)? It is removed from the book's navigation too. "
                   "Its history stays in the library.", title=chapter.meta.title, file=file),
        action=_("Delete"), cancel=url_for("editor.structure", book=book, **_branch_args(book, branch)))


@editor.route("/books/<book>/parts/new", methods=["POST"])
@book_access(Ability.write)
def add_part(book: str):
    lib = library()
    branch = _branch(book)
    structure.add_part(lib, current_user, book, branch, PartTitleForm().title.data)
    return _done(book, branch, _("Part added."))


def _part_title(lib: Any, book: str, branch: str, index: int) -> str:
    parts = lib.book(book, landing.read_revision(lib, branch), chapters=False).config.navigation
    if not 0 <= index < len(parts):
        raise UserError("part.not_found", status=404, part=str(index + 1))
    return parts[index].title


@editor.route("/books/<book>/parts/<int:index>/rename", methods=["GET", "POST"])
@book_access(Ability.write)
def rename_part(book: str, index: int):
    lib = library()
    branch = _branch(book)
    current = _part_title(lib, book, branch, index)
    if request.method == "POST":
        structure.rename_part(lib, current_user, book, branch, index, PartTitleForm().title.data)
        return _done(book, branch, _("Part renamed."))
    return render_template("ui/editor/rename.html", book=book, branch=branch, title=_("Rename part"),
                           label=_("Title"), value=current, heading=current, hint=None,
                           cancel=url_for("editor.structure", book=book, **_branch_args(book, branch)), field="title")


@editor.route("/books/<book>/parts/<int:index>/delete", methods=["GET", "POST"])
@book_access(Ability.write)
def delete_part(book: str, index: int):
    lib = library()
    branch = _branch(book)
    current = _part_title(lib, book, branch, index)
    form = ConfirmForm()
    if form.validate_on_submit():
        structure.delete_part(lib, current_user, book, branch, index)
        return _done(book, branch, _("Part deleted."))
    return render_template(
        "ui/confirm.html", form=form, title=_("Delete part"),
        question=_("Delete the part “%(title)s”? Only an empty part can be deleted.", title=current),
        action=_("Delete"), cancel=url_for("editor.structure", book=book, **_branch_args(book, branch)))


assets = Blueprint("assets", __name__)

# A picture shown on its own may not run anything, even an SVG that slipped past the checks.
IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


@assets.route("/books/<book>/assets", methods=["GET", "POST"])
@book_access(Ability.write)
def index(book: str):
    lib = library()
    branch = _branch(book)
    if request.method == "POST":
        upload = ImageUploadForm().file.data
        if upload is None or not upload.filename:
            raise UserError("asset.missing", status=422)
        data = upload.stream.read(max_asset_bytes() + 1)
        name, _saved = images.upload_asset(lib, current_user, book, branch, upload.filename, data, max_asset_bytes())
        flash(_("Image %(name)s uploaded. Insert it with the editor's Image button, or write ![](../assets/%(name)s) (one more ../ for each folder the chapter is in).", name=name), "success")
        return redirect(url_for("assets.index", book=book, **_branch_args(book, branch)), code=303)
    rev = landing.read_revision(lib, branch)
    names = sorted(images.asset_files(lib, book, rev))
    return render_template("ui/editor/assets.html", book=book, branch=branch, names=names,
                           branch_args=_branch_args(book, branch),
                           limit_kb=max_asset_bytes() // 1024)


@assets.route("/books/<book>/assets/raw/<path:name>")
@book_access(Ability.read)
def raw(book: str, name: str):
    """One image of the book at a branch (the editor preview shows draft images this way)."""
    lib = library()
    branch = BranchChoice().branch.data or "main"
    try:
        path = book_path(book, f"assets/{name}")
        data = lib.read(landing.read_revision(lib, branch) if branch != "main" else "main", path)
    except (NotFound, MaterialsError):
        raise UserError("asset.not_found", status=404, name=name[:100]) from None
    ext = name.rsplit(".", 1)[-1].lower()
    mimetype = IMAGE_TYPES.get(ext, "application/octet-stream")
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = IMAGE_POLICY
    response.headers["Cache-Control"] = "private, max-age=60"
    if mimetype == "application/octet-stream":
        response.headers["Content-Disposition"] = "attachment"
    return response


@assets.route("/books/<book>/assets/<name>/delete", methods=["GET", "POST"])
@book_access(Ability.write)
def delete(book: str, name: str):
    lib = library()
    branch = _branch(book)
    rev = landing.read_revision(lib, branch)
    if not lib.exists(rev, book_path(book, f"assets/{name}")):
        raise UserError("asset.not_found", status=404, name=name)
    form = ConfirmForm()
    if form.validate_on_submit():
        images.delete_asset(lib, current_user, book, branch, name)
        flash(_("Image %(name)s deleted.", name=name), "success")
        return redirect(url_for("assets.index", book=book, **_branch_args(book, branch)), code=303)
    using = images.chapters_using(lib, book, rev, name)
    question = _("Delete the image %(name)s?", name=name)
    if using:
        question += " " + _("These chapters still show it: %(chapters)s.", chapters=", ".join(using))
    return render_template("ui/confirm.html", form=form, title=_("Delete image"), question=question,
                           action=_("Delete"), cancel=url_for("assets.index", book=book, **_branch_args(book, branch)))
