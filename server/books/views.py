"""The books' pages: the list of books I may read, a book's page, reading one chapter as students
will see it, and the home page (my books, my drafts, what waits for my review). What they show
comes from ``server.books.service`` and ``server.books.home``.
"""


from __future__ import annotations
from flask import Blueprint, render_template
from flask_login import current_user
from server.books.home import home_page_panels
from server.books.service import (book_overview, chapter_html, chapter_items, edit_url, find_chapter,
                                  problem_message, readable_books)
from server.library import library
from server.permissions import Ability, book_access, may, signed_in
from server.templating import side_class, side_name, side_names


books = Blueprint("books", __name__)


@books.route("/books", endpoint="index")
@signed_in
def book_list():
    return render_template("ui/books/index.html", books=readable_books(current_user))


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


@books.route("/books/<book>/chapters/<file>")
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
