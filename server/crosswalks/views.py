"""Crosswalk pages: the list, one crosswalk, and making or editing one (per item, or from a sheet of pairs).

What a maintainer sends becomes a change request on one of their books
(``service.propose``); nothing reaches main before it is reviewed and merged.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional

from materials import MaterialsError
from materials.standards.crosswalk import (EXACT, KINDS, Crosswalk, CrosswalkUnknownItem, CrosswalkAmbiguousItem,
                                           Match, item_finder, matches_from_sheet)
from materials.standards.sheet_file import MAX_SHEET_BYTES
from materials.standards.standard import Standard
from server.crosswalks import service
from server.database import db
from server.errors import UserError, describe
from server.forms import PageForm, QueryForm, UploadForm
from server.library import book_title, book_titles
from server.permissions import Ability, book_access, may, signed_in
from server.standards import service as catalog

blueprint = Blueprint("crosswalks", __name__)

KIND_LABELS = {"exact": _l("Exact match"), "partial": _l("Partial match"), "related": _l("Related")}


@blueprint.app_template_global("crosswalk_kind_label")
def crosswalk_kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def _maintained_books() -> list[tuple[str, str]]:
    return [(slug, title) for slug, title in book_titles().items() if may(current_user, Ability.maintain, slug)]


class PairQuery(QueryForm):
    source = StringField(default="")
    target = StringField(default="")


@blueprint.route("/crosswalks")
@signed_in
def index():
    known = catalog.standards()
    return render_template("ui/crosswalks/index.html", entries=service.entries(), known=known,
                           books=_maintained_books(), describe=describe)


@blueprint.route("/crosswalks/<ident>")
@signed_in
def show(ident: str):
    cw = service.crosswalk(ident)
    known = catalog.standards()
    source, target = known.get(cw.source), known.get(cw.target)
    by_source: dict[str, list[Match]] = {}
    for m in cw.matches:
        by_source.setdefault(m.source, []).append(m)
    return render_template("ui/crosswalks/show.html", cw=cw, source=source, target=target, by_source=by_source,
                           books=_maintained_books())


class MatchRow(Form):
    """One pair: the source item (fixed by the page), the target item by key or code, and the kind."""

    source = HiddenField()
    target = StringField(_l("Matching item"), [Optional(), Length(max=200)])
    kind = SelectField(_l("Kind of match"), choices=[(k, k) for k in KINDS], default=EXACT)


class CrosswalkForm(PageForm):
    title = StringField(_l("Title"), [Optional(), Length(max=300)])
    rows = FieldList(FormField(MatchRow), max_entries=20000)


class PairsUpload(UploadForm):
    sheet = FileField(_l("Sheet of pairs (CSV or .xlsx)"), [FileRequired()])


def _rows_for(source: Standard, matches: list[Match]) -> list[dict[str, str]]:
    """Every source item once with each of its matches, and one empty row to add a match."""
    by_source: dict[str, list[Match]] = {}
    for m in matches:
        by_source.setdefault(m.source, []).append(m)
    rows = []
    for item in source.items:
        for m in by_source.get(item.key, ()):
            rows.append({"source": item.key, "target": m.target, "kind": m.kind})
        rows.append({"source": item.key, "target": "", "kind": EXACT})
    return rows


def _matches_from_form(form: CrosswalkForm, source: Standard, target: Standard
                       ) -> tuple[list[Match], list[MaterialsError]]:
    matches, problems = [], []
    find = item_finder(target)
    for row in form.rows.entries:
        text = (row.form.target.data or "").strip()
        if not text:
            continue
        keys = find(text)
        where = f"{row.form.source.data}"
        if len(keys) == 1:
            matches.append(Match(row.form.source.data or "", keys[0], row.form.kind.data))
        elif keys:
            problems.append(CrosswalkAmbiguousItem("ambiguous", standard=target.id, key=text, where=where))
        else:
            problems.append(CrosswalkUnknownItem("unknown", standard=target.id, key=text, where=where))
    return list(dict.fromkeys(matches)), problems


def _problem_rows(problems: list[Any]) -> list[dict[str, str]]:
    rows = []
    for p in problems:
        params = getattr(p, "params", {}) or {}
        if params.get("row"):
            place = (_("row %(row)s, column %(cell)s", row=params["row"], cell=params["cell"]) if params.get("cell")
                     else _("row %(row)s", row=params["row"]))
        else:
            place = str(params.get("where") or params.get("field") or "")
        rows.append({"where": place, "message": describe(p)})
    return rows


@blueprint.route("/books/<book>/crosswalks/new", methods=["GET", "POST"])
@book_access(Ability.maintain)
def edit(book: str):
    """Pick the two standards, then per item of the source its matches; or upload a sheet of pairs first."""
    known = catalog.standards()
    pair = PairQuery(request.values)
    source, target = known.get(pair.source.data), known.get(pair.target.data)
    choices = sorted(known.values(), key=lambda s: s.title)
    if source is None or target is None or source.id == target.id:
        status = 422 if (pair.source.data or pair.target.data) else 200
        return render_template("ui/crosswalks/pick.html", book=book, title=book_title(book), standards=choices,
                               chosen=pair, same=source is not None and source is target), status
    existing = service.between(source.id, target.id)
    form = CrosswalkForm(prefix="cw")
    upload = PairsUpload(prefix="pairs")
    problems: list[Any] = []
    status = 200
    matches = list(existing.matches) if existing else []
    if upload.submit_ok():
        raw = upload.sheet.data.read(MAX_SHEET_BYTES + 1)
        matches, problems = matches_from_sheet(raw, source, target)
        status = 422 if problems else 200
        if not problems:
            flash(_("%(count)s pairs read from the sheet. Check them below, then propose the crosswalk.",
                    count=len(matches)), "info")
        form = CrosswalkForm(prefix="cw", formdata=None, title=form.title.data or (existing.title if existing else ""))
        for row in _rows_for(source, matches):
            form.rows.append_entry(row)
    elif form.submit_ok():
        matches, problems = _matches_from_form(form, source, target)
        if not problems:
            cw = Crosswalk(source.id, target.id, (form.title.data or "").strip(), tuple(matches))
            try:
                done = service.propose(cw, current_user, book)
            except UserError as error:
                problems = getattr(error, "problems", None) or [error]
            else:
                db().commit()
                flash(_("The crosswalk is proposed in a change request; it joins the library when the change "
                        "request is approved and merged."), "success")
                return redirect(done.url)
        status = 422
    elif upload.submitted_here() or form.is_submitted():  # a sheet form without its file, or an expired form
        problems = [UserError("request.invalid", status=400, detail=", ".join(
            f"{k}: {v}" for k, v in {**upload.errors, **form.errors}.items()))]
        status = 400 if not upload.submitted_here() else 422
    if not form.rows.entries:  # the page as it first opens: every source item with its matches on main
        form = CrosswalkForm(prefix="cw", formdata=None, title=existing.title if existing else "")
        for row in _rows_for(source, matches):
            form.rows.append_entry(row)
    for row in form.rows.entries:
        row.form.kind.choices = [(k, str(KIND_LABELS[k])) for k in KINDS]
    return render_template("ui/crosswalks/edit.html", book=book, title=book_title(book), source=source, target=target,
                           existing=existing, form=form, upload=upload, errors=_problem_rows(problems)), status
