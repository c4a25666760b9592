"""The standards catalog: list and search standards, read one as a tree, export and import them.

The CASE 1.1 REST service over the same standards is ``case_service``.
"""


from __future__ import annotations
from typing import Any
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from materials import MaterialsError
from materials.standards.case import MAX_IMPORT_BYTES
from materials.standards.spreadsheet import CSV_ENCODING, csv_template
from materials.standards.standard import SCHEMES, STATUSES
from materials.standards.statements import statement_html
from markupsafe import Markup
from materials.standards.crosswalk import with_crosswalks
from server.crosswalks import service as crosswalk_catalog
from server.standards import exchange, imports, pending, service as catalog
from server.standards.service import STATUS_LABELS
from server.database import db
from server.errors import UserError, describe
from server.library import book_title, book_titles
from server.permissions import Ability, book_access, may, signed_in
from server.forms import ConfirmForm, PageForm, QueryForm, UploadForm


standards = Blueprint("standards", __name__)


class CatalogSearch(QueryForm):
    q = StringField(default="", filters=[lambda value: value.strip()[:200]])


class DraftQuery(QueryForm):
    """A standard as imported on its draft branch (``imports/...``), before the merge."""

    branch = StringField(default="", filters=[str.strip])


class TemplateLanguage(QueryForm):
    lang = SelectField(choices=["zh-CN", "en"], default="zh-CN")


@standards.app_template_global("standard_status_label")
def standard_status_label(status: str) -> str:
    """A standard edition's status in the interface language (the alignment pages show it too)."""
    return str(STATUS_LABELS.get(status, status))


@standards.app_template_filter("statement")
def statement_filter(text: str) -> Markup:
    """An item's statement with its Markdown and math, sanitized (``materials.standards.statements``)."""
    return Markup(statement_html(text))  # noqa: S704 - nh3-sanitized, or escaped plain text


def _importable_books() -> list[tuple[str, str]]:
    return [(slug, title) for slug, title in book_titles().items() if may(current_user, Ability.maintain, slug)]


@standards.route("/standards")
@signed_in
def index():
    entries = catalog.entries()
    query = CatalogSearch().q.data
    hits = catalog.search(query, [e.standard for e in entries if e.standard]) if query else None
    return render_template("ui/standards/index.html", entries=entries, query=query, hits=hits,
                           counts=catalog.counts, books=_importable_books(),
                           describe=describe)


@standards.route("/standards/<standard_id>")
@signed_in
def show(standard_id: str):
    draft = DraftQuery().branch.data
    if draft:
        if not draft.startswith("imports/"):
            raise UserError("standard.not_found", status=404, standard=standard_id)
        std, found = imports.branch_standard(draft, standard_id), None
    else:
        found = catalog.entry(standard_id)
        std = found.standard
    everything = catalog.standards()
    return render_template("ui/standards/show.html", std=std, draft=draft, tree=catalog.tree(std),
                           counts=catalog.counts(std), chain=catalog.editions(std, everything), known=everything,
                           safe_url=_safe_url(std.source_url),
                           crosswalks=[cw for cw in crosswalk_catalog.crosswalks().values()
                                       if std.id in (cw.source, cw.target)] if not draft else [],
                           level_labels={lv.key: lv.label for lv in std.levels})


def _safe_url(url: str) -> str | None:
    return url if url.startswith(("https://", "http://")) else None


@standards.route("/standards/<standard_id>/export/<fmt>")
@signed_in
def export(standard_id: str, fmt: str):
    """A download of the standard; ``?crosswalks=1`` adds, to a CASE package, the crosswalks from it as
    associations to the other frameworks' items."""
    found = catalog.entry(standard_id)
    if fmt == "case" and ExportQuery().crosswalks.data:
        linked = with_crosswalks(found.standard, crosswalk_catalog.crosswalks().values(), catalog.standards())
        if linked is not found.standard:
            return exchange.export_response(linked, fmt, request.url_root.rstrip("/"))
    return exchange.export_response(found.standard, fmt, request.url_root.rstrip("/"), found)


class ExportQuery(QueryForm):
    crosswalks = BooleanField(default=False)


@standards.route("/standards/csv-template")
@signed_in
def template():
    language = TemplateLanguage().lang.data
    response = Response(csv_template(language).encode(CSV_ENCODING), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="standard-template.csv"'
    return response


# ---------------------------------------------------------------------- import

def _scheme_choices() -> list[tuple[str, str]]:
    return [(s, s) for s in SCHEMES]


def _status_choices() -> list[tuple[str, str]]:
    return [(s, str(STATUS_LABELS[s])) for s in STATUSES]


class CaseImportForm(UploadForm):
    package = FileField(_l("CASE package (JSON)"), [FileRequired()])
    standard_id = StringField(_l("Standard id (only for packages from other systems)"), [Optional(), Length(max=160)])
    direct = BooleanField(_l("Commit directly to main"))


class CsvImportForm(UploadForm):
    sheet = FileField(_l("Filled sheet (CSV or .xlsx)"), [FileRequired()])
    standard_id = StringField(_l("Standard id (slug@edition)"), [DataRequired(), Length(max=160)])
    title = StringField(_l("Title"), [DataRequired(), Length(max=500)])
    scheme = SelectField(_l("Scheme"), choices=_scheme_choices, default="cn-noss")
    code = StringField(_l("Code"), [Optional(), Length(max=100)])
    edition = StringField(_l("Edition"), [DataRequired(), Length(max=40)])
    status = SelectField(_l("Status"), choices=_status_choices, default="current")
    issuer = StringField(_l("Issuer"), [Optional(), Length(max=300)])
    source_url = StringField(_l("Source (web address)"), [Optional(), Length(max=500)])
    language = SelectField(_l("Language"), choices=[("zh-CN", "中文"), ("en", "English")], default="zh-CN")
    levels = TextAreaField(_l("Levels, lowest first (one per line: key label)"), [Optional(), Length(max=2000)])
    direct = BooleanField(_l("Commit directly to main"))

    def standard_meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"id": self.standard_id.data.strip(), "title": self.title.data.strip(),
                                "scheme": self.scheme.data, "edition": self.edition.data.strip(),
                                "status": self.status.data, "language": self.language.data}
        for name in ("code", "issuer", "source_url"):
            value = (getattr(self, name).data or "").strip()
            if value:
                meta[name] = value
        levels = [line.split(None, 1) for line in (self.levels.data or "").splitlines() if line.strip()]
        if levels:
            cumulative = self.scheme.data in ("cn-noss", "cn-1x")
            meta["levels"] = [{"key": parts[0], "label": parts[-1], "cumulative": cumulative} for parts in levels]
        return meta


def _upload_bytes(storage: Any) -> bytes:
    data = storage.read(MAX_IMPORT_BYTES + 1) if storage else b""
    if len(data) > MAX_IMPORT_BYTES:
        raise UserError("http.413", status=413)
    return data


@standards.route("/books/<book>/standards/import", methods=["GET", "POST"])
@book_access(Ability.maintain)
def import_standard(book: str):
    title = book_title(book)
    if request.content_length and request.content_length > MAX_IMPORT_BYTES:
        raise UserError("http.413", status=413)  # refused before the body is read
    case_form = CaseImportForm(prefix="case")
    csv_form = CsvImportForm(prefix="csv")
    direct_allowed = imports.may_import_directly(current_user, book)
    errors: list[dict[str, Any]] = []
    report = None
    status = 200
    for kind, form in (("case", case_form), ("csv", csv_form)):
        if not form.submit_ok():
            if form.submitted_here():
                status = 422
            continue
        storage = form.package.data if kind == "case" else form.sheet.data
        raw = _upload_bytes(storage)
        meta = form.standard_meta() if kind == "csv" else None
        standard_id = (form.standard_id.data or "").strip() if kind == "case" else ""
        report = imports.dry_run(kind, raw, meta, standard_id)
        if report.errors:  # nothing kept: the report says everything to fix at once
            errors = imports.problem_rows(report)
            status = 422
            break
        waiting = pending.keep(current_user.id, book, kind, getattr(storage, "filename", "") or "", raw, meta=meta,
                               standard_id=standard_id, direct=bool(direct_allowed and form.direct.data))
        return redirect(url_for("standards.import_report", book=book, token=waiting.token))
    return render_template("ui/standards/import.html", book=book, title=title, case_form=case_form,
                           csv_form=csv_form, errors=errors, report=report, direct_allowed=direct_allowed,
                           waiting=pending.waiting(current_user.id, book),
                           limit_mb=MAX_IMPORT_BYTES // (1024 * 1024)), status


class ConfirmImportForm(PageForm):
    """Confirms a clean dry run: the change request (or the direct commit) is made now."""


@standards.route("/books/<book>/standards/import/<token>", methods=["GET", "POST"])
@book_access(Ability.maintain)
def import_report(book: str, token: str):
    """The dry-run report of an upload: problems, what would be created, changed or left alone; on
    confirmation the import itself."""
    waiting = pending.find(token, current_user.id, book)
    report = imports.dry_run(waiting.kind, waiting.data, waiting.meta, waiting.standard_id)
    confirm = ConfirmImportForm(prefix="confirm")
    status = 200
    if confirm.is_submitted():
        if not confirm.validate():
            raise UserError("csrf.invalid", status=400)
        if not report.errors:
            std = report.standard
            assert std is not None
            direct = waiting.direct and imports.may_import_directly(current_user, book)
            done = imports.import_standard(std, current_user, direct=direct, book=book, source=waiting.kind)
            db().commit()
            pending.forget(token)
            if done.direct:
                flash(_("The standard %(id)s is now in the library.", id=std.id), "success")
                return redirect(url_for("standards.show", standard_id=std.id))
            flash(_("The standard %(id)s is proposed in a change request; it joins the library when the "
                    "change request is approved and merged.", id=std.id), "success")
            return redirect(done.url or url_for("standards.show", standard_id=std.id, branch=done.branch))
        status = 409  # the library changed since the dry run (the same edition was proposed meanwhile)
    known = report.standard.by_key if report.standard is not None else {}
    return render_template("ui/standards/import_report.html", book=book, title=book_title(book), waiting=waiting,
                           report=report, errors=imports.problem_rows(report), confirm=confirm,
                           cancel=ConfirmForm(), items=known, direct=waiting.direct,
                           counts=catalog.counts(report.standard) if report.standard is not None else None), status


@standards.route("/books/<book>/standards/import/<token>/cancel", methods=["POST"])
@book_access(Ability.maintain)
def cancel_import(book: str, token: str):
    pending.find(token, current_user.id, book)
    if not ConfirmForm().validate_on_submit():
        raise UserError("csrf.invalid", status=400)
    pending.forget(token)
    flash(_("The upload was discarded; nothing was imported."), "info")
    return redirect(url_for("standards.import_standard", book=book))
