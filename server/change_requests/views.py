"""Change request pages: the list of a book, mine and awaiting my review, one CR's conversation and files.

Pages are thin: every decision is made in ``server.change_requests`` (which
uses ``review/``); a form posts, the service acts, the page redirects back.
"""


from __future__ import annotations
from dataclasses import dataclass, field
from typing import Any
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from materials import EditConflict, MaterialsError
from materials.passages import collide
from server.change_requests import (checks, coauthors, comments, commits, diff_rows, lifecycle, merging, reviews,
                                    service as crs)
from server.editing import conflicts
from server.errors import UserError, describe
from server import landing
from server.library import book_title, library
from server.permissions import Ability, book_access, may, signed_in
from wtforms import BooleanField, FieldList, IntegerField, SelectField, StringField
from server.forms import ConfirmForm, PageForm, QueryForm, ValuesField


blueprint = Blueprint("change_requests", __name__)
AS_READ_CHAPTERS, AS_READ_BLOCKS = 8, 12  # what the conversation shows as students read it; the files page has all

class ActionForm(PageForm):
    """The CSRF token every action posts; each action's own fields are in its form below."""


def _yes(value: object) -> bool:
    return value == "1"


class FromPageForm(ActionForm):
    """An action posted from the conversation or (``from`` files) from the files page, which it returns to."""

    from_ = StringField(name="from")

    @property
    def on_files(self) -> bool:
        return self.from_.data == "files"


class ListQuery(QueryForm):
    state = SelectField(choices=["active", "merged", "closed", "all"], default="active")


class ChapterChoice(QueryForm):
    """The chapter a new change request is for (``?chapter=`` or the form's hidden field)."""

    chapter = StringField(default="")


class NewForm(ActionForm):
    title = StringField(default="")
    description = StringField(default="")
    draft = StringField(filters=[_yes])


class ContinueForm(ActionForm):
    chapter = StringField(default="")


class FilesQuery(QueryForm):
    """``at``: the comment and line to show, as ``<comment id>:<line>``."""

    at = StringField(default="")


class CommentForm(FromPageForm):
    """A comment, a reply (``parent_id``), inline on a line, or (``suggest``) suggested text for lines."""

    body = StringField(default="")
    path = StringField()
    line = IntegerField()
    parent_id = IntegerField()
    suggest = StringField(filters=[_yes])
    end_line = IntegerField()
    replacement = StringField(default="")


class ResolveForm(FromPageForm):
    resolved = StringField(default="1", filters=[_yes])


class ReviewForm(ActionForm):
    verdict = StringField(default="")
    body = StringField(default="")
    head = StringField()


class OverrideForm(ActionForm):
    reviewer = StringField(default="")
    reason = StringField(default="")


class MergeForm(ActionForm):
    expected_main = StringField()
    head = StringField()


class CoAuthorForm(ActionForm):
    """The person asked to co-write (picked by display name; the id is what the form sends)."""

    user_id = IntegerField()


class StateForm(ActionForm):
    action = StringField(default="")


class DetailsForm(ActionForm):
    title = StringField(default="")
    description = StringField(default="")


class UpdateForm(ActionForm):
    """Update from main, or (``resolve``) finish it with the merged text of each colliding file:
    ``path`` repeated in order, the text of the n-th in ``text-<n>``."""

    resolve = StringField(filters=[_yes])
    path = ValuesField()
    text = FieldList(StringField(default=""))
    head = StringField(default="")
    main = StringField(default="")

    def resolutions(self) -> dict[str, str]:
        texts = {entry.name: entry.data or "" for entry in self.text.entries}
        return {path: texts.get(f"text-{i}", "") for i, path in enumerate(self.path.data or [])}


def _back(row, anchor: str = "", files: bool = False):
    endpoint = "change_requests.files" if files else "change_requests.show"
    return redirect(url_for(endpoint, book=row.book, number=row.number) + anchor)


def _act(row, action, *, success: str | None = None, anchor: str = "", files: bool = False):
    """Run ``action``; a refusal becomes a flash message on the page it came from."""
    if not ActionForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return _back(row, anchor, files)
    try:
        action()
    except (UserError, MaterialsError) as error:
        flash(describe(error), "error")
    else:
        if success:
            flash(success, "success")
    return _back(row, anchor, files)


# ------------------------------------------------------------------ lists

@blueprint.route("/books/<book>/change-requests")
@book_access(Ability.read)
def index(book: str):
    state = ListQuery().state.data
    rows = crs.book_crs(book, None if state == "all" else state)
    return render_template("ui/change_requests/index.html", book=book, title=book_title(book), rows=rows, state=state)


@blueprint.route("/change-requests")
@signed_in
def mine():
    return render_template("ui/change_requests/mine.html", mine=crs.my_crs(current_user),
                           awaiting=crs.awaiting_review(current_user))


@blueprint.route("/books/<book>/change-requests/new", methods=["GET", "POST"])
@book_access(Ability.write)
def new(book: str):
    title = book_title(book)
    chapter = ChapterChoice(request.values).chapter.data
    chapter_title = crs.chapter_title(book, chapter) if chapter else ""
    form = NewForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            row = lifecycle.open_cr(current_user, book, form.title.data, form.description.data, draft=form.draft.data)
        except UserError as error:
            errors.append(describe(error))
        else:
            landing.choose_cr(book, row)
            flash(_("Change request #%(number)s is open. Your edits of this book now go into it.",
                    number=row.number), "success")
            if chapter:
                return redirect(_editor_url(book, chapter))
            return _back(row)
    default = _("Edit “%(title)s”", title=chapter_title) if chapter_title else ""
    return render_template("ui/change_requests/new.html", book=book, title=title, form=form, chapter=chapter,
                           default_title=form.title.data if form.is_submitted() else default, errors=errors,
                           mine=crs.open_crs_of(current_user, book))


def _editor_url(book: str, chapter: str) -> str:
    return url_for("editor.edit", book=book, file=chapter)


@blueprint.route("/books/<book>/change-requests/<int:number>/edit", methods=["POST"])
@book_access(Ability.write)
def continue_editing(book: str, number: int):
    row = crs.get_cr(book, number)
    form = ContinueForm()
    if not form.validate_on_submit() or not crs.may_write_cr(current_user, row):
        abort(403)
    landing.choose_cr(book, row)
    chapter = form.chapter.data
    flash(_("Your edits of this book now go into change request #%(number)s.", number=row.number), "success")
    return redirect(_editor_url(book, chapter) if chapter else crs.cr_url(row))


# ------------------------------------------------------------------ one change request

@dataclass
class Thread:
    comment: Any
    replies: list[Any] = field(default_factory=list)


def _threads(row) -> tuple[list[Thread], dict[tuple[str, int], list[Thread]], list[Thread]]:
    """(all top-level threads, inline threads by (path, line) on the head, outdated inline threads)."""
    threads: dict[int, Thread] = {}
    for c in row.comments:
        if c.parent_id is None:
            threads[c.id] = Thread(c)
    for c in row.comments:
        if c.parent_id is not None and c.parent_id in threads:
            threads[c.parent_id].replies.append(c)
    inline: dict[tuple[str, int], list[Thread]] = {}
    outdated = []
    for t in threads.values():
        if t.comment.path is None:
            continue
        if t.comment.outdated or t.comment.commit != row.head:
            outdated.append(t)
        else:
            inline.setdefault((t.comment.path, t.comment.line), []).append(t)
    return list(threads.values()), inline, outdated


def _timeline(row, threads: list[Thread]) -> list[tuple[Any, str, Any]]:
    items = [(t.comment.created_at, "thread", t) for t in threads]
    items += [(r.created_at, "review", r) for r in row.reviews]
    return sorted(items, key=lambda i: i[0])


def _findings(row, runs) -> list[dict[str, Any]]:
    return [{"run": run, "findings": checks.described_findings(row, run)} for run in runs]


def _page_context(book: str, number: int) -> dict[str, Any]:
    row = crs.get_cr(book, number)
    commits.sync_head(row)
    lib = library()
    pol, verdict = reviews.verdict_of(row)
    threads, inline, outdated = _threads(row)
    base = crs.diff_base(row)
    return {
        "book": book, "title": book_title(book), "row": row, "policy": pol, "verdict": verdict,
        "missing": [crs.describe_missing(m) for m in verdict.missing],
        "not_counted": [crs.describe_ignored(i) for i in verdict.ignored if i.reason != "stale"],
        "behind": reviews.behind_main(row), "main": lib.resolve("main"), "base": base,
        "threads": threads, "inline": inline, "outdated": outdated,
        "may_review": may(current_user, Ability.review, book) and row.state == "open",
        "may_manage": crs.may_manage(current_user, row),
        "may_write": crs.may_write_cr(current_user, row),
        "may_merge": verdict.mergeable and crs.may_merge(current_user, row),
        "mergers": crs.who_may_merge(row) if row.state == "open" and not crs.may_merge(current_user, row) else [],
        "may_maintain": may(current_user, Ability.maintain, book),
        "may_comment": may(current_user, Ability.write, book),
        "form": ActionForm(), "path_id": checks.path_id,
        "writers": coauthors.shares(row),
        "co_author_candidates": coauthors.candidates(row) if crs.may_manage(current_user, row)
        and row.state in ("draft", "open") else [],
        "is_co_author": crs.is_co_author(current_user, row),
        "may_join": coauthors.may_join(current_user, row),
    }


@blueprint.route("/books/<book>/change-requests/<int:number>")
@book_access(Ability.read)
def show(book: str, number: int):
    ctx = _page_context(book, number)
    row = ctx["row"]
    diff, added, removed = crs.what_changes(row, ctx["base"])
    runs = checks.check_runs(row)
    chapters = [f.path for f in diff.files if f.new_path and not f.binary and f.path.endswith(".md")]
    as_read = diff_rows.rendered_changes(library(), book, ctx["base"], row.head, chapters[:AS_READ_CHAPTERS])
    return render_template("ui/change_requests/show.html", **ctx, files=diff.files, timeline=_timeline(row, ctx["threads"]),
                           as_read=as_read, as_read_more=max(0, len(chapters) - AS_READ_CHAPTERS),
                           as_read_blocks=AS_READ_BLOCKS,
                           items_added=added, items_removed=removed, checks=_findings(row, runs),
                           ignored={i.reviewer: i.reason for i in ctx["verdict"].ignored})


@blueprint.route("/books/<book>/change-requests/<int:number>/files")
@book_access(Ability.read)
def files(book: str, number: int):
    ctx = _page_context(book, number)
    row, lib = ctx["row"], library()
    views, rendered = diff_rows.file_views(lib, book, ctx["base"], row.head)
    at_id, _sep, at_line = FilesQuery().at.data.rpartition(":")
    at = (at_id, int(at_line)) if at_line.isdigit() else None
    as_read = {c.path: c for c in diff_rows.rendered_changes(lib, book, ctx["base"], row.head)}
    return render_template("ui/change_requests/files.html", **ctx, views=views, rendered=rendered, at=at,
                           as_read=as_read)


# ------------------------------------------------------------------ actions

@blueprint.route("/books/<book>/change-requests/<int:number>/comments", methods=["POST"])
@book_access(Ability.write)
def comment(book: str, number: int):
    row = crs.get_cr(book, number)
    form = CommentForm()
    path, line, parent, on_files = form.path.data or None, form.line.data, form.parent_id.data, form.on_files
    if form.suggest.data and path and line:
        end = form.end_line.data or line
        action = lambda: comments.add_suggestion(current_user, row, path, line, end,  # noqa: E731
                                                 form.replacement.data, form.body.data)
    else:
        action = lambda: comments.add_comment(current_user, row, form.body.data, path=path,  # noqa: E731
                                              line=line, parent_id=parent)
    return _act(row, action, anchor="#conversation" if not on_files else "", files=on_files)


@blueprint.route("/books/<book>/change-requests/<int:number>/comments/<int:comment_id>/resolve", methods=["POST"])
@book_access(Ability.write)
def resolve(book: str, number: int, comment_id: int):
    row = crs.get_cr(book, number)
    form = ResolveForm()
    return _act(row, lambda: comments.set_resolved(current_user, row, comment_id, form.resolved.data),
                     files=form.on_files)


@blueprint.route("/books/<book>/change-requests/<int:number>/suggestions/<int:suggestion_id>/apply",
                 methods=["POST"])
@book_access(Ability.write)
def apply(book: str, number: int, suggestion_id: int):
    row = crs.get_cr(book, number)
    return _act(row, lambda: comments.apply_suggestion(current_user, row, suggestion_id),
                     success=_("The suggestion is applied and its author credited."),
                     files=FromPageForm().on_files)


@blueprint.route("/books/<book>/change-requests/<int:number>/reviews", methods=["POST"])
@book_access(Ability.review)
def review(book: str, number: int):
    row = crs.get_cr(book, number)
    form = ReviewForm()
    return _act(row, lambda: reviews.submit_review(current_user, row, form.verdict.data, form.body.data,
                                                   form.head.data or None),
                    success=_("Your review is recorded."), anchor="#reviews")


@blueprint.route("/books/<book>/change-requests/<int:number>/overrides", methods=["POST"])
@book_access(Ability.maintain)
def override(book: str, number: int):
    row = crs.get_cr(book, number)
    form = OverrideForm()
    return _act(row, lambda: reviews.override(current_user, row, form.reviewer.data, form.reason.data),
                    success=_("The request for changes is overridden. This is recorded in the audit log."))


@blueprint.route("/books/<book>/change-requests/<int:number>/merge", methods=["POST"])
@book_access(Ability.review)
def merge(book: str, number: int):
    row = crs.get_cr(book, number)
    form = MergeForm()
    return _act(row, lambda: merging.merge(current_user, row, form.expected_main.data or None, form.head.data or None),
                    success=_("Merged into the book. The change request and its conversation are kept."))


@blueprint.route("/books/<book>/change-requests/<int:number>/co-authors", methods=["POST"])
@book_access(Ability.write)
def add_co_author(book: str, number: int):
    row = crs.get_cr(book, number)
    form = CoAuthorForm()
    person = coauthors.person_by_id(form.user_id.data)
    name = (person.display_name or person.username) if person else ""
    return _act(row, lambda: coauthors.add_co_author(current_user, row, person),
                success=_("%(name)s now writes this change request with you.", name=name), anchor="#writers")


@blueprint.route("/books/<book>/change-requests/<int:number>/co-authors/join", methods=["POST"])
@book_access(Ability.write)
def join(book: str, number: int):
    row = crs.get_cr(book, number)
    author = coauthors.person_by_id(row.author_id)
    return _act(row, lambda: coauthors.join(current_user, row),
                success=_("You now write this change request with %(name)s. Your saves go into it.",
                          name=author.display_name if author else row.author_name), anchor="#writers")


class OpennessForm(ActionForm):
    closed = BooleanField()


@blueprint.route("/books/<book>/change-requests/<int:number>/co-authors/openness", methods=["POST"])
@book_access(Ability.write)
def openness(book: str, number: int):
    row = crs.get_cr(book, number)
    closed = OpennessForm().closed.data
    return _act(row, lambda: coauthors.close_to_others(current_user, row, closed),
                success=_("Closed to others: only the people you add write in it.") if closed else
                _("Open to others: anyone who writes the book may join it."), anchor="#writers")


@blueprint.route("/books/<book>/change-requests/<int:number>/co-authors/<int:user_id>/remove",
                 methods=["GET", "POST"])
@book_access(Ability.write)
def remove_co_author(book: str, number: int, user_id: int):
    """Take a co-author off, or leave as one, after a confirmation that says what stays."""
    row = crs.get_cr(book, number)
    co_author = next((c for c in row.co_authors if c.user_id == user_id), None)
    if co_author is None:
        raise UserError("co_author.not_found", status=404)
    form = ConfirmForm()
    if form.validate_on_submit():
        coauthors.remove_co_author(current_user, row, coauthors.person_by_id(user_id))
        flash(_("%(name)s no longer writes this change request.", name=co_author.display_name), "success")
        return _back(row, "#writers")
    leaving = current_user.id == user_id
    if not leaving and not crs.may_manage(current_user, row):
        raise UserError("change_request.not_yours", status=403, number=row.number)
    question = (_("Stop writing change request #%(number)s “%(title)s”? What you saved in it stays.",
                  number=row.number, title=row.title) if leaving else
                _("Take %(name)s off change request #%(number)s “%(title)s”? What they saved in it stays.",
                  name=co_author.display_name, number=row.number, title=row.title))
    return render_template("ui/confirm.html", form=form, title=_("Co-authors"), question=question,
                           action=_("Leave") if leaving else _("Take off"), cancel=crs.cr_url(row) + "#writers")


@blueprint.route("/books/<book>/change-requests/<int:number>/state", methods=["POST"])
@book_access(Ability.write)
def state(book: str, number: int):
    row = crs.get_cr(book, number)
    form = StateForm()
    return _act(row, lambda: lifecycle.change_state(current_user, row, form.action.data))


@blueprint.route("/books/<book>/change-requests/<int:number>/details", methods=["POST"])
@book_access(Ability.write)
def details(book: str, number: int):
    row = crs.get_cr(book, number)
    form = DetailsForm()
    return _act(row, lambda: lifecycle.edit_details(current_user, row, form.title.data, form.description.data))


def _update_resolutions(form: UpdateForm, row) -> dict[str, str]:
    """Each colliding file's text: settled passage by passage (``mode-<n>`` passages, the choices named
    ``f<n>-...``), worked out again from the commits, or the source text as the person edited it."""
    resolutions = form.resolutions()
    lib = library()
    if form.head.data != lib.branch_head(row.branch) or form.main.data != lib.resolve("main"):
        return resolutions  # moved meanwhile: the update refuses, and says so
    for i, path in enumerate(form.path.data or []):
        if request.form.get(f"mode-{i}") != "passages":
            continue
        origin = lib.merge_base(form.main.data, form.head.data) or ""
        ours = conflicts.collision_of(lib, path, origin, form.main.data, _read(lib, form.head.data, path))
        resolutions[path] = conflicts.resolved_text(ours, request.form, prefix=f"f{i}-")
    return resolutions


def _read(lib, rev: str, path: str) -> str:
    try:
        return lib.read_text(rev, path)
    except MaterialsError:
        return ""


@blueprint.route("/books/<book>/change-requests/<int:number>/update", methods=["POST"])
@book_access(Ability.write)
def update(book: str, number: int):
    """Update from main; when passages collide, the conflict screen (nothing is lost)."""
    row = crs.get_cr(book, number)
    form = UpdateForm()
    if not form.validate_on_submit():
        abort(400)
    lib = library()
    if form.resolve.data:
        try:
            commits.resolve_update(current_user, row, _update_resolutions(form, row), form.head.data, form.main.data)
        except (UserError, MaterialsError) as error:
            flash(describe(error), "error")
            return _back(row)
        flash(_("Updated from main with your resolution."), "success")
        return _back(row)
    head = row.head
    try:
        commits.update_from_main(current_user, row)
    except EditConflict as conflict:
        head, main = lib.branch_head(row.branch) or head, lib.resolve("main")
        origin = lib.merge_base(main, head) or ""
        views = [conflicts.view_of(lib, book, c.path, None, origin, main, collide(c.base or "", c.theirs, c.yours))
                 if c.path.endswith(".md") and c.theirs is not None and c.yours is not None else None
                 for c in conflict.conflicts]
        return render_template("ui/change_requests/conflict.html", book=book, title=book_title(book), row=row,
                               conflicts=list(zip(conflict.conflicts, views)), head=head, main=main,
                               form=ActionForm()), 409
    except (UserError, MaterialsError) as error:
        flash(describe(error), "error")
        return _back(row)
    flash(_("Updated from main."), "success")
    return _back(row)
