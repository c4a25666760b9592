"""A book's alignment to its qualification standards: coverage, gaps, matrix, capabilities, migration."""


from __future__ import annotations
import csv
import io
from typing import Any
from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import NumberRange
from materials.standards.spreadsheet import CSV_ENCODING
from server.alignment import capabilities as capability_view, migration as migrating, service as aligning
from server.database import db
from server.errors import describe
from server.permissions import Ability, book_access
from server.forms import ConfirmForm, QueryForm


blueprint = Blueprint("alignment", __name__)
GRID_LIMIT = 60  # beyond this many chapters the matrix lists chapter numbers instead of one column each
PAGE_ROWS = 500  # matrix rows per page on screen (the printable table and the CSV have them all)
GAPS_SHOWN = 200
ORDERS = ("gaps", "standard")


class MigrationForm(ConfirmForm):
    """Apply a migration: into a change request, or straight onto main where that is allowed."""

    direct = BooleanField()


class AlignmentQuery(QueryForm):
    """The page's filters, order and page, and the CSV's language."""

    standard = StringField()
    level = StringField()
    kind = StringField()
    order = SelectField(choices=list(ORDERS), default="gaps")
    page = IntegerField(default=1, validators=[NumberRange(min=1)])
    lang = SelectField(choices=["zh-CN", "en"], default="zh-CN")


def _filters(alignment: aligning.BookAlignment, query: AlignmentQuery) -> dict[str, Any]:
    """The page's filters; a standard, level or kind the book does not have is ignored, never an error."""
    standard = query.standard.data if query.standard.data in alignment.standards else None
    level_keys = {lv.key for std in alignment.standards.values() for lv in std.levels}
    level = query.level.data if query.level.data in level_keys else None
    kinds = {k for std in alignment.standards.values() for k in std.kinds}
    kind = query.kind.data if query.kind.data in kinds else None
    return {"standard": standard, "level": level, "kind": kind, "order": query.order.data}


def _context(book: str, paged: bool = False) -> dict[str, Any]:
    alignment = aligning.book_alignment(book)
    query = AlignmentQuery()
    chosen = _filters(alignment, query)
    rows = aligning.matrix_rows(alignment, chosen["standard"], chosen["level"], chosen["kind"],
                                gaps_first=chosen["order"] == "gaps")
    total = len(rows)
    pages = max(1, -(-total // PAGE_ROWS)) if paged else 1
    page = min(query.page.data, pages)
    if paged:
        rows = rows[(page - 1) * PAGE_ROWS: page * PAGE_ROWS]
    levels = [(lv.key, lv.label) for std in alignment.standards.values() for lv in std.levels]
    kinds = dict(kv for std in alignment.standards.values() for kv in std.kinds.items())
    return {
        "book": book, "alignment": alignment, "rows": rows, "chosen": chosen, "levels": list(dict.fromkeys(levels)),
        "kinds": kinds, "numbers": alignment.chapter_numbers(), "grid": len(alignment.chapters) <= GRID_LIMIT,
        "describe": describe,
        "query": {k: v for k, v in chosen.items() if v and not (k == "order" and v == "gaps")},
        "total": total, "page": page, "pages": pages, "gaps_shown": GAPS_SHOWN,
    }


@blueprint.route("/books/<book>/alignment")
@book_access(Ability.read)
def index(book: str):
    return render_template("ui/alignment/index.html", **_context(book, paged=True))


@blueprint.route("/books/<book>/alignment/print")
@book_access(Ability.read)
def printable(book: str):
    """The alignment table a college submits when the textbook is evaluated, laid out for paper."""
    return render_template("ui/alignment/print.html", **_context(book))


def _chapters_cell(row: Any, numbers: dict[str, int], titles: dict[str, str], zh: bool) -> str:
    """The chapters covering an item, for a CSV cell: those naming it, then those covering it through a crosswalk."""
    derived = "经对照表推得" if zh else "derived via crosswalk"
    return "; ".join([f"{numbers.get(ch, '')} {titles.get(ch, ch)}" for ch in row.chapters] +
                     [f"{numbers.get(ch, '')} {titles.get(ch, ch)} ({derived} {d.crosswalk})" for ch, d in row.derived])


@blueprint.route("/books/<book>/alignment.csv")
@book_access(Ability.read)
def export_csv(book: str):
    context = _context(book)
    alignment, numbers = context["alignment"], context["numbers"]
    titles = {c.filename: c.title for c in alignment.chapters}
    zh = AlignmentQuery().lang.data != "en"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["标准", "层级", "类别", "编号", "条目", "内容", "是否覆盖", "覆盖章节"] if zh else
                    ["standard", "level", "kind", "code", "key", "text", "covered", "chapters"])
    for row in context["rows"]:
        chapters = _chapters_cell(row, numbers, titles, zh)
        covered = ("是" if zh else "yes") if row.covered else ("否" if zh else "no")
        writer.writerow([row.standard, row.level_label, row.kind_label, row.item.code, row.item.key, row.item.text,
                         covered, chapters])
    response = Response(out.getvalue().encode(CSV_ENCODING), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{book}-alignment.csv"'
    return response


def _certificates(book: str) -> dict[str, Any]:
    alignment = aligning.book_alignment(book)
    return {"book": book, "alignment": alignment, "rows": aligning.certificate_matrix(alignment),
            "certificates": aligning.certificate_standards(alignment), "numbers": alignment.chapter_numbers(),
            "titles": {c.filename: c.title for c in alignment.chapters}}


@blueprint.route("/books/<book>/alignment/certificates")
@book_access(Ability.read)
def certificates(book: str):
    """The 书证融通 matrix: each certificate item, the items of other standards matching it, the chapters."""
    return render_template("ui/alignment/certificates.html", printing=False, **_certificates(book))


@blueprint.route("/books/<book>/alignment/certificates/print")
@book_access(Ability.read)
def certificates_print(book: str):
    return render_template("ui/alignment/certificates.html", printing=True, **_certificates(book))


@blueprint.route("/books/<book>/alignment/certificates.csv")
@book_access(Ability.read)
def certificates_csv(book: str):
    context = _certificates(book)
    numbers, titles = context["numbers"], context["titles"]
    zh = AlignmentQuery().lang.data != "en"
    kinds = {"exact": "完全对应", "partial": "部分对应", "related": "相关"} if zh else {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["证书标准", "编号", "条目", "内容", "对应条目", "覆盖章节"] if zh else
                    ["certificate", "code", "key", "text", "matching items", "chapters"])
    for row in context["rows"]:
        matches = "; ".join(f"{m.standard.title} {m.item.code or m.item.key} {m.item.text} [{kinds.get(m.kind, m.kind)}]"
                            for m in row.matches)
        chapters = _chapters_cell(row, numbers, titles, zh)
        writer.writerow([row.standard.title, row.item.code, row.item.key, row.item.text, matches, chapters])
    response = Response(out.getvalue().encode(CSV_ENCODING), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{book}-certificates.csv"'
    return response


@blueprint.route("/books/<book>/alignment/capabilities")
@book_access(Ability.read)
def capabilities(book: str):
    alignment = aligning.book_alignment(book)
    return render_template("ui/alignment/capabilities.html", book=book, alignment=alignment,
                           posts=capability_view.capabilities(alignment), numbers=alignment.chapter_numbers(),
                           titles={c.filename: c.title for c in alignment.chapters})


@blueprint.route("/books/<book>/alignment/migration/<standard_id>")
@book_access(Ability.read)
def migration(book: str, standard_id: str):
    alignment = aligning.book_alignment(book)
    m = migrating.migration(alignment, standard_id)
    return render_template("ui/alignment/migration.html", book=book, alignment=alignment, m=m, form=MigrationForm(),
                           numbers=alignment.chapter_numbers(),
                           direct_allowed=migrating.may_migrate_directly(current_user, book))


@blueprint.route("/books/<book>/alignment/migration/<standard_id>", methods=["POST"])
@book_access(Ability.write)
def apply_migration(book: str, standard_id: str):
    form = MigrationForm()
    if not form.validate_on_submit():
        flash(_("The form has expired or did not come from this site. Please reload the page and try again."), "error")
        return redirect(url_for("alignment.migration", book=book, standard_id=standard_id))
    done = migrating.apply_migration(book, standard_id, current_user, direct=form.direct.data)
    db().commit()
    if done.direct:
        flash(_("The book now follows %(id)s.", id=done.standard), "success")
    else:
        flash(_("The migration to %(id)s is saved on the draft branch %(branch)s for review.",
                id=done.standard, branch=done.branch), "success")
        if done.url:
            return redirect(done.url)
    return redirect(url_for("alignment.index", book=book))
