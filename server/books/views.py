"""Finding one's way around the books: the list of books I may read, a book's page (parts and
chapters, who wrote what, standards coverage, recent history, problems to fix) and reading one
chapter as students will see it.

The home page: my books, my drafts, what waits for my review.

Each section is a ``HomePanel`` whose items come from a provider function.
Later parts plug their data in without touching this module's page::

    from server.books.views import HomeItem, provide

    @provide("drafts")
    def my_drafts(user) -> list[HomeItem]:
        return [HomeItem(title=..., url=..., detail=...)]
"""


from __future__ import annotations
from dataclasses import dataclass, field
from typing import Any
from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user
from materials import Book, BookInvalid, Chapter, CommitInfo, MaterialsError, NotFound
from materials.authorship import SideShare, text_share_by_side
from materials.coverage import Coverage, coverage
from materials.rendering import render_markdown
from materials.standards.item_refs import partition_refs
from server.errors import UserError, message_for
from server.library import library
from server.permissions import Ability, book_access, is_admin, may, roles_of, signed_in
from server.history.views import side_class, side_label, side_names
from typing import Any, Callable
from flask import Blueprint, render_template, url_for
from flask_babel import lazy_gettext as _l
from server.errors import UserError
from server.library import book_title, book_titles, library
from server.permissions import Ability, may, roles_of, signed_in
from server.templating import ROLE_LABELS


books = Blueprint("books", __name__)

RECENT = 10


@dataclass
class BookSummary:
    name: str
    title: str
    subtitle: str | None
    role: str | None


def readable_books(user: Any) -> list[BookSummary]:
    """The books this person may open (every book for administrators), in name order."""
    lib = library()
    roles = roles_of(user)
    out = []
    for name in lib.books("main"):
        if not (is_admin(user) or name in roles):
            continue
        try:
            config = lib.book(name, "main", chapters=False).config
            title, subtitle = config.title, config.subtitle
        except MaterialsError:
            title, subtitle = name, None
        role = roles.get(name)
        out.append(BookSummary(name, title, subtitle, role.value if role else None))
    return out


@dataclass
class StandardItemView:
    standard: str
    key: str
    code: str
    kind: str
    level: str
    text: str


@dataclass
class Overview:
    """Everything the book page shows, read at one commit of ``main``."""

    name: str
    book: Book | None
    share: dict[str, SideShare] = field(default_factory=dict)
    coverage: Coverage | None = None
    recent: list[CommitInfo] = field(default_factory=list)
    problems: list[MaterialsError] = field(default_factory=list)


def book_overview(lib: Any, name: str) -> Overview:
    """Read the book; a broken ``book.yml`` becomes a problem on the page, not an error page."""
    book_title(name)
    head = lib.resolve("main")
    try:
        book = lib.book(name, head)
    except BookInvalid as problem:
        return Overview(name, None, recent=lib.log(head, f"books/{name}", limit=RECENT, follow=False),
                        problems=[problem])
    overview = Overview(name, book, problems=list(book.problems))
    overview.share = text_share_by_side(lib, name, head)
    overview.recent = lib.log(head, f"books/{name}", limit=RECENT, follow=False)
    try:
        standards = lib.standards(head)
    except MaterialsError as problem:
        overview.problems.append(problem)
    else:
        overview.coverage = coverage(standards, book.config.standards,
                                     {c.filename: c.meta.standards for c in book.chapters if c.problem is None})
        for chapter, bad in overview.coverage.unresolved.items():
            for error in bad:
                error.path = error.path or f"books/{name}/chapters/{chapter}"
                overview.problems.append(error)
    return overview


def chapter_items(lib: Any, book: Book, chapter: Chapter) -> tuple[list[StandardItemView], list[MaterialsError]]:
    """The standard items a chapter names, with their text; refs that do not resolve as problems."""
    try:
        standards = lib.standards(book.rev)
    except MaterialsError as problem:
        return [], [problem]
    declared = {sid: standards[sid] for sid in book.config.standards if sid in standards}
    good, bad = partition_refs(chapter.meta.standards, declared)
    items = []
    for sid, key in good:
        std = declared[sid]
        item = std.by_key[key]
        levels = {lv.key: lv.label for lv in std.levels}
        items.append(StandardItemView(sid, key, item.code, std.kinds.get(item.kind, item.kind),
                                      levels.get(item.level, item.level), item.text))
    return items, bad


def chapter_html(book: str, body: str) -> str:
    """The chapter rendered by the site's pipeline (sanitized), its images served from the book's assets."""
    html = render_markdown(body)
    if "assets.raw" in current_app.view_functions:
        base = url_for("assets.raw", book=book, name="x")[:-1]
        html = html.replace('src="../assets/', f'src="{base}')
    return html


def find_chapter(lib: Any, name: str, filename: str) -> tuple[Book, Chapter]:
    book_title(name)
    try:
        book = lib.book(name, "main")
        return book, book.chapter(filename)
    except NotFound:
        raise UserError("chapter.not_found", status=404, chapter=filename[:80], book=name) from None


def problem_message(problem: MaterialsError) -> str:
    """The translated message of a problem, without its location (the page shows file and line)."""
    params = {**(problem.params or {}), "detail": problem.message, "path": problem.path, "line": problem.line}
    return message_for(problem.code, params)


def problem_json(problem: MaterialsError) -> dict[str, Any]:
    return {"code": problem.code, "message": problem_message(problem), "path": problem.path, "line": problem.line}


def edit_url(book: str, filename: str) -> str:
    """The chapter editor's page (``/books/<book>/chapters/<file>/edit``, built by the editor)."""
    return url_for("books.chapter", book=book, file=filename) + "/edit"


# ------------------------------------------------------------------ pages

@books.route("/books")
@signed_in
def index():
    return render_template("ui/books/index.html", books=readable_books(current_user))


@books.route("/books/<book>")
@book_access(Ability.read)
def show(book: str):
    lib = library()
    overview = book_overview(lib, book)
    labels = side_names(lib)
    return render_template("ui/books/show.html", book=book, overview=overview, labels=labels,
                           side_class=side_class, side_name=side_label, edit_url=edit_url,
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


@dataclass(frozen=True)
class HomeItem:
    title: str
    url: str
    detail: str = ""
    side: str | None = None  # shows a side label (school / enterprise) when set


@dataclass
class HomePanel:
    key: str
    title: Any  # lazy translated string
    empty: Any  # what the panel says when it has nothing
    providers: list[Callable[[Any], list[HomeItem]]] = field(default_factory=list)

    def items(self, user: Any) -> list[HomeItem]:
        return [item for provider in self.providers for item in provider(user)]


PANELS: dict[str, HomePanel] = {
    "books": HomePanel("books", _l("My books"), _l("You are not a member of any book yet. Ask an administrator to add you.")),
    "drafts": HomePanel("drafts", _l("My drafts"), _l("No drafts. Open a book and edit a chapter to start one.")),
    "reviews": HomePanel("reviews", _l("Awaiting my review"), _l("Nothing is waiting for your review.")),
}


def provide(panel: str) -> Callable[[Callable[[Any], list[HomeItem]]], Callable[[Any], list[HomeItem]]]:
    """Register a function ``(user) -> list[HomeItem]`` that fills the panel ``panel``."""

    def register(provider: Callable[[Any], list[HomeItem]]) -> Callable[[Any], list[HomeItem]]:
        if provider not in PANELS[panel].providers:
            PANELS[panel].providers.append(provider)
        return provider

    return register


def _book_url(book: str) -> str:
    # The book page belongs to the authoring part; until it exists, link the members page.
    try:
        return url_for("books.show", book=book)
    except Exception:
        return url_for("members.index", book=book)


@provide("books")
def my_books(user: Any) -> list[HomeItem]:
    titles = book_titles()
    return [
        HomeItem(title=titles.get(book, book), url=_book_url(book), detail=str(ROLE_LABELS[role.value]))
        for book, role in sorted(roles_of(user).items())
    ]


@provide("drafts")
def my_drafts(user: Any) -> list[HomeItem]:
    """My draft branches ``drafts/<username>/<book>``, with how far they are ahead of and behind main."""
    try:
        lib = library()
        branches = lib.branches()
    except UserError:
        return []
    titles = book_titles()
    prefix = f"drafts/{user.username}/"
    items = []
    for branch in sorted(branches):
        if not branch.startswith(prefix):
            continue
        book = branch[len(prefix):].split("/", 1)[0]
        if book not in titles or not may(user, Ability.read, book):
            continue
        ahead, behind = lib.compare("main", branch)
        base = lib.merge_base("main", branch) or "main"
        items.append(HomeItem(
            title=titles[book],
            url=url_for("history.compare", book=book, **{"from": base, "to": branch}),
            detail=str(_l("%(ahead)s changes ahead of the main version, %(behind)s behind",
                          ahead=ahead, behind=behind)),
        ))
    return items


@provide("reviews")
def awaiting_my_review(user: Any) -> list[HomeItem]:
    """HOOK for the review part: change requests waiting for this person's review.

    Empty until change requests exist; the review part fills this function (or registers its own
    provider with ``@provide("reviews")`` and removes this one).
    """
    return []


@home.route("/")
@signed_in
def index():
    panels = [(panel, panel.items(current_user)) for panel in PANELS.values()]
    return render_template("ui/home/index.html", panels=panels)
