"""The books' pages: the list of books I may read, a new book, a book's page, reading one chapter as
students will see it, and the home page (my books, my drafts, what waits for my review). What they
show comes from ``server.books.service``, ``server.books.creation`` and ``server.books.home``.
"""


from __future__ import annotations
from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget
from materials import MaterialsError
from materials.books import LANGUAGES
from materials.new_book import NewBook
from materials.paths import BOOK_SLUG
from server.accounts.models import Role
from server.books.creation import may_create_books, new_book
from server.books.home import home_page_panels
from server.books.service import (book_overview, chapter_html, chapter_items, edit_url, export_zip, find_chapter,
                                  problem_message, readable_books)
from server.library import library
from server.errors import UserError, describe
from server.forms import PageForm
from server.permissions import Ability, admin_required, book_access, may, signed_in
from server.templating import side_class, side_name, side_names


books = Blueprint("books", __name__)

LANGUAGE_NAMES = {"zh-CN": "中文（简体）", "zh-TW": "中文（繁體）", "en": "English", "en-US": "English (US)",
                  "en-GB": "English (UK)"}


class NewBookForm(PageForm):
    """What a book is called and how it starts; the rest is set on the book's own pages."""

    title = StringField(_l("Title"), [DataRequired(), Length(max=200)], filters=[lambda v: (v or "").strip()])
    slug = StringField(_l("Short name"), [DataRequired(), Length(max=63),
                                          Regexp(BOOK_SLUG.pattern, message=_l(
                                              "1 to 63 lowercase letters (a–z), digits and “-”, starting with a "
                                              "letter or digit."))],
                       filters=[lambda v: (v or "").strip()])
    subtitle = StringField(_l("Subtitle"), [Optional(), Length(max=200)])
    template = RadioField(_l("Template"), choices=[
        ("classic", _l("Classic textbook: parts and chapters")),
        ("workbook", _l("Workbook (活页式 / 工作手册式): each chapter a work task with its record and evaluation sheets")),
    ], default="classic")
    language = SelectField(_l("Language"), choices=[(code, LANGUAGE_NAMES.get(code, code)) for code in LANGUAGES],
                           default="zh-CN")
    license = StringField(_l("License"), [Optional(), Length(max=100)], default="CC-BY-SA-4.0")
    edition = StringField(_l("Edition"), [Optional(), Length(max=40)], default="1")
    school = StringField(_l("School"), [Optional(), Length(max=200)])
    enterprises = TextAreaField(_l("Partner enterprises (one per line)"), [Optional(), Length(max=2000)])
    standards = SelectMultipleField(_l("Standards it aligns to"), choices=[], widget=ListWidget(prefix_label=False),
                                    option_widget=CheckboxInput())
    school_approvals = IntegerField(_l("Approvals needed from school reviewers"), [NumberRange(0, 20)], default=1)
    enterprise_approvals = IntegerField(_l("Approvals needed from enterprise reviewers"), [NumberRange(0, 20)],
                                        default=1)
    members = TextAreaField(_l("First members (one per line: user name and role)"), [Optional(), Length(max=5000)])

    def validate_members(self, field) -> None:  # noqa: ANN001 - WTForms' inline validator
        roles = {role.value for role in Role}
        for line in (field.data or "").splitlines():
            words = line.split()
            if words and (len(words) != 2 or words[1] not in roles):
                raise ValidationError(_("“%(line)s”: write a user name and one of the roles reader, author, reviewer, "
                                        "maintainer.", line=line.strip()[:80]))

    def first_members(self) -> tuple[tuple[str, str], ...]:
        return tuple((words[0], words[1]) for words in (line.split() for line in (self.members.data or "").splitlines())
                     if words)

    def book(self) -> NewBook:
        return NewBook(slug=self.slug.data, title=self.title.data, template=self.template.data,
                       language=self.language.data, license=self.license.data or "CC-BY-SA-4.0",
                       edition=self.edition.data or "1", subtitle=self.subtitle.data or None,
                       school=self.school.data or None,
                       enterprises=tuple(line.strip() for line in (self.enterprises.data or "").splitlines()
                                         if line.strip()),
                       standards=tuple(self.standards.data or ()),
                       required=(("school", self.school_approvals.data), ("enterprise", self.enterprise_approvals.data)))


@books.route("/books", endpoint="index")
@signed_in
def book_list():
    return render_template("ui/books/index.html", books=readable_books(current_user),
                           can_create=may_create_books(current_user))


@books.route("/books/new", methods=["GET", "POST"], endpoint="new")
@admin_required
def new_book_page():
    form = NewBookForm()
    try:
        catalogue = library().standards("main")
    except MaterialsError:
        catalogue = {}
    form.standards.choices = [(sid, std.title) for sid, std in sorted(catalogue.items())]
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                created = new_book(current_user, form.book(), form.first_members())
            except UserError as error:
                status = error.status
                target = form.slug if error.code.startswith("book.") else \
                    form.members if error.code == "user.not_found" else \
                    form.standards if error.code == "standard.not_found" else form.title
                target.errors = [describe(error)]
            else:
                flash(_("The book “%(title)s” was created. You are its maintainer.", title=created.title), "success")
                return redirect(url_for("books.show", book=created.slug))
    return render_template("ui/books/new.html", form=form), status


@books.route("/books/<book>")
@book_access(Ability.read)
def show(book: str):
    lib = library()
    overview = book_overview(lib, book)
    labels = side_names(lib)
    return render_template("ui/books/show.html", book=book, overview=overview, labels=labels,
                           side_class=side_class, side_name=side_name, edit_url=edit_url,
                           problem_message=problem_message, can_write=may(current_user, Ability.write, book),
                           can_maintain=may(current_user, Ability.maintain, book))


@books.route("/books/<book>/export.zip", endpoint="export")
@book_access(Ability.read)
def export(book: str):
    """The book as a zip: book.yml, chapters, assets and the standards it declares."""
    return Response(export_zip(book), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{book}.zip"',
                             "Cache-Control": "private, no-store"})


@books.route("/books/<book>/chapters/<chapter:file>")
@book_access(Ability.read)
def chapter(book: str, file: str):
    lib = library()
    found, current = find_chapter(lib, book, file)
    items, bad = chapter_items(lib, found, current)
    order = [c.filename for c in found.chapters]
    at = order.index(current.filename)
    previous = found.chapters[at - 1] if at > 0 else None
    following = found.chapters[at + 1] if at + 1 < len(order) else None
    problems = ([current.problem] if current.problem else []) + bad
    return render_template("ui/books/chapter.html", book=book, found=found, chapter=current,
                           html=chapter_html(book, current.body), items=items, problems=problems,
                           previous=previous, following=following, edit_url=edit_url,
                           problem_message=problem_message,
                           can_write=may(current_user, Ability.write, book))


home = Blueprint("home", __name__)


@home.route("/", endpoint="index")
@signed_in
def home_page():
    return render_template("ui/home/index.html", panels=home_page_panels(current_user))
