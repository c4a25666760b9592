"""The home page: my books, my drafts, what waits for my review.

Each section is a ``HomePanel`` whose items come from a provider function.
Later parts plug their data in without touching this module's page::

    from server.views.home import HomeItem, provide

    @provide("drafts")
    def my_drafts(user) -> list[HomeItem]:
        return [HomeItem(title=..., url=..., detail=...)]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Blueprint, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from server.errors import UserError
from server.library import book_titles, library
from server.permissions import Ability, may, roles_of, signed_in
from server.templating import ROLE_LABELS

blueprint = Blueprint("home", __name__)


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


@blueprint.route("/")
@signed_in
def index():
    panels = [(panel, panel.items(current_user)) for panel in PANELS.values()]
    return render_template("ui/home/index.html", panels=panels)
