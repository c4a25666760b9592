"""The standards catalog: list and search standards, read one as a tree, export and import them.

A read-only 1EdTech CASE 1.1 REST service over the library's standards.

Learning platforms and certificate bodies fetch the standards a college
teaches to, by the stable UUIDv5 identifiers of ``materials.standards.case``:

    GET /ims/case/v1p1/CFDocuments
    GET /ims/case/v1p1/CFDocuments/<id>
    GET /ims/case/v1p1/CFPackages/<id>
    GET /ims/case/v1p1/CFItems/<id>
    GET /ims/case/v1p1/CFAssociations/<id>

Public (standards are published documents) and JSON only. An unknown or
malformed identifier gets CASE's own error form (``imsx_StatusInfo``) with
HTTP 404. Conversions are cached per standard blob id
(``server.standards_catalog.case_package``).
"""


from __future__ import annotations
import json
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
from materials.standards.spreadsheet import CSV_ENCODING, csv_template, standard_to_csv
from materials.standards.standard import SCHEMES, STATUSES
from materials.standards.writing import dump_standard
from server.standards import service as catalog
from server.audit.service import record
from server.database import db
from server.errors import UserError, describe
from server.library import book_titles
from server.permissions import Ability, book_access, may, signed_in
from server.forms import PageForm
import re
from flask import Blueprint, Response, jsonify, request
from server.permissions import public


standards = Blueprint("standards", __name__)

STATUS_LABELS = {"current": _l("Current"), "superseded": _l("Superseded"), "withdrawn": _l("Withdrawn")}
EXPORTS = {"case": ("json", "application/json"), "csv": ("csv", "text/csv"), "yaml": ("yml", "application/yaml")}


def export_response(std: Any, fmt: str, base_url: str, found: catalog.Entry | None = None) -> Response:
    """A download of the standard as CASE 1.1 JSON, CSV (UTF-8 with BOM, for Excel) or YAML."""
    if fmt not in EXPORTS:
        raise UserError("request.invalid", status=404, detail=f"format: {fmt}")
    extension, mimetype = EXPORTS[fmt]
    if fmt == "case":
        from materials.standards.case import to_case

        package = catalog.case_package(found, base_url) if found is not None else to_case(std, base_url=base_url)
        body: bytes = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
    elif fmt == "csv":
        body = standard_to_csv(std, "zh-CN" if std.language.startswith("zh") else "en").encode(CSV_ENCODING)
        mimetype += "; charset=utf-8"
    else:
        body = dump_standard(std).encode("utf-8")
        mimetype += "; charset=utf-8"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{catalog.download_name(std.id, extension)}"'
    return response


def _importable_books() -> list[tuple[str, str]]:
    return [(slug, title) for slug, title in book_titles().items() if may(current_user, Ability.maintain, slug)]


@standards.route("/standards")
@signed_in
def index():
    entries = catalog.entries()
    query = request.args.get("q", "").strip()[:200]
    hits = catalog.search(query, [e.standard for e in entries if e.standard]) if query else None
    return render_template("ui/standards/index.html", entries=entries, query=query, hits=hits,
                           counts=catalog.counts, STATUS_LABELS=STATUS_LABELS, books=_importable_books(),
                           describe=describe)


@standards.route("/standards/<standard_id>")
@signed_in
def show(standard_id: str):
    draft = request.args.get("branch", "").strip()
    if draft:
        if not draft.startswith("imports/"):
            raise UserError("standard.not_found", status=404, standard=standard_id)
        std, found = catalog.branch_standard(draft, standard_id), None
    else:
        found = catalog.entry(standard_id)
        std = found.standard
    everything = catalog.standards()
    return render_template("ui/standards/show.html", std=std, draft=draft, tree=catalog.tree(std),
                           counts=catalog.counts(std), chain=catalog.editions(std, everything), known=everything,
                           STATUS_LABELS=STATUS_LABELS, safe_url=_safe_url(std.source_url),
                           level_labels={lv.key: lv.label for lv in std.levels})


def _safe_url(url: str) -> str | None:
    return url if url.startswith(("https://", "http://")) else None


@standards.route("/standards/<standard_id>/export/<fmt>")
@signed_in
def export(standard_id: str, fmt: str):
    found = catalog.entry(standard_id)
    return export_response(found.standard, fmt, request.url_root.rstrip("/"), found)


@standards.route("/standards/csv-template")
@signed_in
def template():
    language = "en" if request.args.get("lang") == "en" else "zh-CN"
    response = Response(csv_template(language).encode(CSV_ENCODING), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="standard-template.csv"'
    return response


# ---------------------------------------------------------------------- import

def _scheme_choices() -> list[tuple[str, str]]:
    return [(s, s) for s in SCHEMES]


def _status_choices() -> list[tuple[str, str]]:
    return [(s, str(STATUS_LABELS[s])) for s in STATUSES]


class UploadForm(PageForm):
    """A form whose only filled field may be its file: it counts as submitted when its file arrives."""

    def submitted_here(self) -> bool:
        return self.is_submitted() and any(k.startswith(self._prefix) for k in [*request.form, *request.files])

    def submit_ok(self) -> bool:
        return self.submitted_here() and self.validate()


class CaseImportForm(UploadForm):
    package = FileField(_l("CASE package (JSON)"), [FileRequired()])
    standard_id = StringField(_l("Standard id (only for packages from other systems)"), [Optional(), Length(max=160)])
    direct = BooleanField(_l("Commit directly to main"))


class CsvImportForm(UploadForm):
    sheet = FileField(_l("Filled CSV sheet"), [FileRequired()])
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
    titles = book_titles()
    if book not in titles:
        raise UserError("book.not_found", status=404, book=book)
    if request.content_length and request.content_length > MAX_IMPORT_BYTES:
        raise UserError("http.413", status=413)  # refused before the body is read
    case_form = CaseImportForm(prefix="case")
    csv_form = CsvImportForm(prefix="csv")
    direct_allowed = catalog.may_import_directly(current_user, book)
    errors: list[dict[str, Any]] = []
    status = 200
    for kind, form in (("case", case_form), ("csv", csv_form)):
        if not form.submit_ok():
            if form.submitted_here():
                status = 422
            continue
        try:
            raw = _upload_bytes(form.package.data if kind == "case" else form.sheet.data)
            if kind == "case":
                std = catalog.standard_from_upload("case", raw, standard_id=(form.standard_id.data or "").strip())
            else:
                std = catalog.standard_from_upload("csv", raw, form.standard_meta())
            done = catalog.import_standard(std, current_user, direct=direct_allowed and form.direct.data, book=book)
        except (MaterialsError, UserError) as error:
            if isinstance(error, UserError) and error.status == 413:
                raise
            errors = catalog.error_rows(error)
            status = 422
            break
        record("standard.import", std.id, book=book, branch=done.branch, commit=done.sha, format=kind)
        db().commit()
        if done.direct:
            flash(_("The standard %(id)s is now in the library.", id=std.id), "success")
            return redirect(url_for("standards.show", standard_id=std.id))
        flash(_("The standard %(id)s is proposed in a change request; it joins the library when the "
                "change request is approved and merged.", id=std.id), "success")
        return redirect(done.url or url_for("standards.show", standard_id=std.id, branch=done.branch))
    return render_template("ui/standards/import.html", book=book, title=titles[book], case_form=case_form,
                           csv_form=csv_form, errors=errors, direct_allowed=direct_allowed,
                           limit_mb=MAX_IMPORT_BYTES // (1024 * 1024)), status


case = Blueprint("case", __name__, url_prefix="/ims/case/v1p1")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def status_info(minor: str, description: str, status: int = 404) -> Response:
    """CASE's error body: imsx_codeMajor failure, severity error, and the minor code for the field."""
    response = jsonify({
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {"imsx_codeMinorField": [
            {"imsx_codeMinorFieldName": "sourcedId", "imsx_codeMinorFieldValue": minor},
        ]},
    })
    response.status_code = status
    return response


def _base_url() -> str:
    return request.url_root.rstrip("/")


def _json(data: Any) -> Response:
    response = jsonify(data)
    response.headers["Access-Control-Allow-Origin"] = "*"  # read-only public data for other systems
    return response


def _lookup(identifier: str, cf_type: str) -> tuple[catalog.Entry, dict] | Response:
    """The entry and CASE package holding ``identifier`` of ``cf_type``, or the CASE error response."""
    if not _UUID.match(identifier):
        return status_info("invalid_sourcedid", f"{identifier[:80]} is not a CASE identifier (a UUID)")
    entries = [e for e in catalog.entries() if e.standard is not None]
    found = catalog.case_index(entries).get(identifier.lower())
    if found is None or found[0] != cf_type:
        return status_info("unknownobject", f"there is no {cf_type[2:-1]} with the identifier {identifier}")
    owner = next(e for e in entries if e.standard.id == found[1])
    return owner, catalog.case_package(owner, _base_url())


@case.route("/CFDocuments")
@public
def documents():
    entries = [e for e in catalog.entries() if e.standard is not None]
    return _json({"CFDocuments": [catalog.case_package(e, _base_url())["CFDocument"] for e in entries]})


@case.route("/CFDocuments/<identifier>")
@public
def document(identifier: str):
    found = _lookup(identifier, "CFDocuments")
    return found if isinstance(found, Response) else _json(found[1]["CFDocument"])


@case.route("/CFPackages/<identifier>")
@public
def package(identifier: str):
    found = _lookup(identifier, "CFDocuments")  # a package is named by its document's identifier
    return found if isinstance(found, Response) else _json(found[1])


@case.route("/CFItems/<identifier>")
@public
def item(identifier: str):
    found = _lookup(identifier, "CFItems")
    if isinstance(found, Response):
        return found
    wanted = identifier.lower()
    return _json(next(i for i in found[1]["CFItems"] if i["identifier"] == wanted))


@case.route("/CFAssociations/<identifier>")
@public
def association(identifier: str):
    found = _lookup(identifier, "CFAssociations")
    if isinstance(found, Response):
        return found
    wanted = identifier.lower()
    return _json(next(a for a in found[1]["CFAssociations"] if a["identifier"] == wanted))
