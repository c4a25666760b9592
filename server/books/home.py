"""The home page: my books, my drafts, what waits for my review.

Each section is a ``HomePanel``. The books fill "books" and the personal draft branches of
"drafts" themselves; the other parts add theirs through the ``home_panels`` signal
(``server.books.signals``), whose receivers are connected when the application is set up.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from server import landing
from server.books.signals import HomeItem, home_panels
from server.errors import UserError
from server.library import book_titles, library
from server.permissions import Ability, may, roles_of
from server.templating import ROLE_LABELS


@dataclass(frozen=True)
class HomePanel:
    key: str
    title: Any  # lazy translated string
    empty: Any  # what the panel says when it has nothing


PANELS = (
    HomePanel("books", _l("My books"), _l("You are not a member of any book yet. Ask an administrator to add you.")),
    HomePanel("drafts", _l("My drafts"), _l("No drafts. Open a book and edit a chapter to start one.")),
    HomePanel("reviews", _l("Awaiting my review"), _l("Nothing is waiting for your review.")),
)


def home_page_panels(user: Any) -> list[tuple[HomePanel, list[HomeItem]]]:
    """Every panel with its items: the books' own first, then what the other parts answer ``home_panels``."""
    items: dict[str, list[HomeItem]] = {panel.key: [] for panel in PANELS}
    items["books"].extend(my_books(user))
    items["drafts"].extend(my_drafts(user))
    for _receiver, answer in home_panels.send(current_app._get_current_object(), user=user):
        for key, listed in answer.items():
            items[key].extend(listed)
    return [(panel, items[panel.key]) for panel in PANELS]


def my_books(user: Any) -> list[HomeItem]:
    titles = book_titles()
    return [
        HomeItem(title=titles.get(book, book), url=url_for("books.show", book=book), detail=str(ROLE_LABELS[role.value]))
        for book, role in sorted(roles_of(user).items())
    ]


def my_drafts(user: Any) -> list[HomeItem]:
    """My personal draft branches, with how far they are ahead of and behind main."""
    try:
        lib = library()
        branches = lib.branches()
    except UserError:
        return []
    titles = book_titles()
    prefix = landing.draft_branch(user.username, "")
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
