"""Where an edit lands and who may write there: the one rule every write path asks.

An edit of a book in the browser goes into a change request: the one the person chose to edit
the book in (kept in their session), else their latest active one. Only a book whose review
policy allows direct commits lets its maintainers write ``main``, and only administrators import
a standard straight onto it. A personal draft branch ``drafts/<username>/<book>`` is where an
edit goes only while its author has no change request on the book.

The editor, the change request pages ("continue editing"), standards imports, alignment
migrations and reverts all call these functions. A platform module beside ``permissions``
rather than part of one domain, because the rule spans them: it reads change requests through
their service and the book's policy through ``review.policy``, and neither editing nor change
requests keeps a copy, so neither imports the other for it.
"""
from __future__ import annotations

from typing import Any

from flask import has_request_context, session

from materials import Library, MaterialsError, Saved
from review.errors import ReviewError
from review.policy import ReviewPolicy
from server.accounts.service import git_author
from server.change_requests.commits import sync_head
from server.change_requests.models import ChangeRequest
from server.change_requests.service import cr_for_branch, get_cr, may_write_cr, open_crs_of
from server.errors import UserError
from server.library import library
from server.permissions import Ability, is_admin, may

MAIN = "main"
DRAFTS = "drafts"
SESSION_KEY = "jb.change_request"  # book -> the number of the change request chosen to edit it in


def draft_branch(username: str, book: str) -> str:
    """The personal draft branch of one person on one book."""
    return f"{DRAFTS}/{username}/{book}"


# ------------------------------------------------------------------ the change request edits go into

def chosen_cr(user: Any, book: str) -> ChangeRequest | None:
    """The change request this person chose to edit ``book`` in (kept in their session), if still theirs to write."""
    number = (session.get(SESSION_KEY) or {}).get(book) if has_request_context() else None
    if number:
        try:
            row = get_cr(book, number)
        except UserError:
            return None
        if may_write_cr(user, row):
            return row
    return None


def choose_cr(book: str, row: ChangeRequest | None) -> None:
    """From now on this person's edits of ``book`` go into ``row`` (None: back to the default)."""
    chosen = dict(session.get(SESSION_KEY) or {})
    if row is None:
        chosen.pop(book, None)
    else:
        chosen[book] = row.number
    session[SESSION_KEY] = chosen


def branch_for_edit(user: Any, book: str, requested: str | None = None) -> str | None:
    """The change request branch an edit of ``book`` goes to: the requested one if the person may write
    it, else the chosen one, else their most recent active change request; None when they have none."""
    if requested:
        return requested if may_write_change_request(user, book, requested) else None
    row = chosen_cr(user, book)
    if row is None:
        mine = open_crs_of(user, book)
        row = mine[0] if mine else None
    return row.branch if row is not None else None


def may_write_change_request(user: Any, book: str, branch: str) -> bool:
    row = cr_for_branch(branch)
    return row is not None and row.book == book and may_write_cr(user, row)


# ------------------------------------------------------------------ the book's policy

def direct_commits_allowed(lib: Library, book: str) -> bool:
    """Does the book's review policy allow commits to main without a change request? An unreadable
    policy never does."""
    try:
        return ReviewPolicy.from_config(lib.book(book, MAIN, chapters=False).config.review).direct_commits
    except (MaterialsError, ReviewError):
        return False


def may_commit_to_main(user: Any, book: str, lib: Library) -> bool:
    """Maintainers of a book write its main directly, where the book's policy allows it."""
    return may(user, Ability.maintain, book) and direct_commits_allowed(lib, book)


def may_import_directly(user: Any, book: str, lib: Library) -> bool:
    """A standard (a file of the whole library) goes straight onto main only when an administrator
    imports it, and only where the book's policy allows direct commits."""
    return is_admin(user) and direct_commits_allowed(lib, book)


# ------------------------------------------------------------------ the branch an action writes

def working_branch(user: Any, book: str) -> str:
    """Where this person's saves on ``book`` go when they name no branch: the change request they
    edit it in (``branch_for_edit``); their personal draft branch only while they have none."""
    return branch_for_edit(user, book) or draft_branch(user.username, book)


def needs_change_request(user: Any, book: str, lib: Library) -> bool:
    """True when an edit in the browser must first continue or start a change request.

    Every edit happens inside a change request; only a book that allows
    direct commits lets its maintainers edit main without one.
    """
    if branch_for_edit(user, book) is not None:
        return False
    return not may_commit_to_main(user, book, lib)


def may_write_branch(user: Any, book: str, branch: str, lib: Library | None = None) -> bool:
    """May ``user`` save on ``branch`` of ``book``? The one rule every write path checks."""
    if not may(user, Ability.write, book):
        return False
    if branch == working_branch(user, book):
        return True
    if branch.startswith("cr/"):
        return may_write_change_request(user, book, branch)
    if branch == MAIN:
        return may_commit_to_main(user, book, lib or library())
    return False


def target_branch(user: Any, book: str, requested: str | None, lib: Library) -> str:
    """The branch an action writes to: the requested one if allowed, else the working branch."""
    if not requested:
        return working_branch(user, book)
    if not may_write_branch(user, book, requested, lib):
        raise UserError("branch.not_allowed", status=403, branch=requested)
    return requested


def read_revision(lib: Library, branch: str) -> str:
    """The commit an edit on ``branch`` starts from: its head, or main's while the draft does not exist."""
    head = lib.branch_head(branch)
    return head or lib.resolve(MAIN)


def ensure_branch(lib: Library, branch: str) -> None:
    """Create a draft branch from main on its first save (two racing first saves are fine)."""
    if lib.branch_head(branch) is not None:
        return
    try:
        lib.create_branch(branch, MAIN)
    except MaterialsError:
        if lib.branch_head(branch) is None:
            raise


def commit_on(lib: Library, user: Any, branch: str, changes: list, message: str, base: str) -> Saved:
    """One commit of ``changes`` by ``user`` on ``branch`` against ``base``, the draft branch created
    from main on its first save; ``EditConflict`` (nothing written) when it overlaps what changed since."""
    ensure_branch(lib, branch)
    saved = lib.commit(branch, changes, git_author(user), message, base=base)
    row = cr_for_branch(branch)
    if row is not None:
        sync_head(row)  # the checks of the new head are queued now, not when someone next opens the change request
    return saved
