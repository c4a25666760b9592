"""Writing one change together: the co-authors of a change request and each writer's share.

The author asks people with write access to the book to write the change request with them, or
such a person joins it on their own, unless its author closed it to others; a co-author saves into its branch from the editor like its author, signing their own commits
(name and side), so the policy's four-eyes rule sees what each of them wrote. Every writer's
share is counted from those commits: how many saves, how many lines added or removed.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache, cached
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from materials import MaterialsError
from materials.changes import SIDE_TRAILER
from review import workflow
from server.accounts.models import Membership, Role, User
from server.accounts.service import git_addresses
from server.audit.service import record
from server.change_requests.models import ACTIVE, ChangeRequest, CoAuthor
from server.change_requests.service import audit_target, is_author, require_manage, tell, to_domain
from server.database import db
from server.errors import MESSAGES, UserError
from server.library import library
from server.notifications.service import register_text
from server.permissions import Ability, may

WRITING_ROLES = (Role.author, Role.reviewer, Role.maintainer)
MAX_CO_AUTHORS = 20

# Worded beside the rules that refuse: what a person reads when adding a co-author fails.
MESSAGES.update({
    "co_author.not_a_writer": _l("Only someone who may write in this book can be a co-author."),
    "co_author.already": _l("%(name)s already writes this change request."),
    "co_author.too_many": _l("A change request can have at most %(limit)s co-authors."),
    "co_author.not_found": _l("This person is not a co-author of the change request."),
    "co_author.closed": _l("The author of change request #%(number)s closed it to other writers: ask them to add you."),
})
register_text("cr.co_author_added",
              _l("%(actor)s asks you to write change request #%(number)s “%(title)s” with them."))
register_text("cr.co_author_joined",
              _l("%(actor)s joined change request #%(number)s “%(title)s” to write it with you."))


@dataclass(frozen=True)
class Share:
    """One writer of a change request and what their commits in it add up to."""

    name: str  # display name
    side: str
    role: str  # author | co_author | other
    commits: int
    lines: int  # added + removed
    percent: int  # of all the lines the change request's commits add or remove


def candidates(row: ChangeRequest) -> list[User]:
    """People who may be asked to co-write: active members with write access, not already writing it."""
    taken = {row.author_id, *(c.user_id for c in row.co_authors)}
    people = db().scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.book == row.book, Membership.role.in_([r.value for r in WRITING_ROLES]), User.active.is_(True))
        .order_by(User.side, User.display_name))
    return [p for p in people if p.id not in taken]


def person_by_id(user_id: int | None) -> User | None:
    return db().get(User, user_id) if user_id else None


def person_by_username(username: str) -> User | None:
    return db().scalar(select(User).where(User.username == (username or "").strip()))


def add_co_author(actor: Any, row: ChangeRequest, person: User | None) -> CoAuthor:
    """The author (or a maintainer) asks ``person`` to write the change request with them."""
    require_manage(actor, row)
    if row.state not in ACTIVE:
        raise UserError("change_request.illegal_transition", status=409, number=row.number, state=row.state)
    if person is None or not person.active or not may(person, Ability.write, row.book):
        raise UserError("co_author.not_a_writer", status=422)
    if is_author(person, row) or any(c.user_id == person.id for c in row.co_authors):
        raise UserError("co_author.already", status=409, name=person.display_name or person.username)
    return _enrol(actor, row, person, "change_request.co_author_add", "cr.co_author_added", [person.id])


def _enrol(actor: Any, row: ChangeRequest, person: User, action: str, text: str, told: list[int]) -> CoAuthor:
    """Make ``person`` a co-author (audited as ``action``) and tell ``told`` with the notification ``text``."""
    if len(row.co_authors) >= MAX_CO_AUTHORS:
        raise UserError("co_author.too_many", status=422, limit=MAX_CO_AUTHORS)
    co_author = CoAuthor(change_request_id=row.id, user_id=person.id, username=person.username,
                         display_name=person.display_name or person.username, side=person.side,
                         added_by=actor.username)
    db().add(co_author)
    row.co_authors.append(co_author)
    record(action, target=audit_target(row), co_author=person.username)
    db().flush()
    tell(actor, row, "other", text, only=told)
    db().commit()
    return co_author


def may_join(person: Any, row: ChangeRequest) -> bool:
    """Whether ``person`` may join the change request on their own: an active one, open to others,
    in a book they may write, and not already theirs."""
    return (getattr(person, "is_authenticated", False) and row.state in ACTIVE and not row.closed_to_others
            and may(person, Ability.write, row.book) and not is_author(person, row)
            and not any(c.user_id == person.id for c in row.co_authors))


def join(actor: Any, row: ChangeRequest) -> CoAuthor:
    """Someone who writes the book joins the change request as a co-author (its author is told),
    unless the author closed it to others."""
    if row.state not in ACTIVE:
        raise UserError("change_request.illegal_transition", status=409, number=row.number, state=row.state)
    if not may(actor, Ability.write, row.book):
        raise UserError("co_author.not_a_writer", status=403)
    if is_author(actor, row) or any(c.user_id == actor.id for c in row.co_authors):
        raise UserError("co_author.already", status=409, name=actor.display_name or actor.username)
    if row.closed_to_others:
        raise UserError("co_author.closed", status=403, number=row.number)
    return _enrol(actor, row, actor, "change_request.co_author_join", "cr.co_author_joined",
                  [row.author_id] if row.author_id else [])


def close_to_others(actor: Any, row: ChangeRequest, closed: bool) -> None:
    """Its author (or a maintainer) closes the change request to people joining on their own, or opens it
    again; the co-authors it has stay, and the author may still add people."""
    require_manage(actor, row)
    if row.closed_to_others == closed:
        return
    row.closed_to_others = closed
    record("change_request.close_to_others" if closed else "change_request.open_to_others",
           target=audit_target(row))
    db().commit()


def remove_co_author(actor: Any, row: ChangeRequest, person: User | None) -> None:
    """The author (or a maintainer) takes a co-author off; a co-author may also leave on their own.
    What they wrote stays in the branch, and still counts as written by them."""
    leaving = person is not None and getattr(actor, "is_authenticated", False) and actor.id == person.id
    if not leaving:
        require_manage(actor, row)
    co_author = next((c for c in row.co_authors if person is not None and c.user_id == person.id), None)
    if co_author is None:
        raise UserError("co_author.not_found", status=404)
    row.co_authors.remove(co_author)
    db().delete(co_author)
    record("change_request.co_author_remove", target=audit_target(row), co_author=co_author.username)
    db().commit()


def shares(row: ChangeRequest) -> list[Share]:
    """The author, each co-author, and anyone else who wrote in the change request, with their share.

    Lines are counted on the change request's own commits that are not merges (a merge brings main in);
    a person is recognised by every address their commits may carry.
    """
    lib = library()
    try:
        written = workflow.authored_commits(lib, to_domain(row))
    except MaterialsError:
        written = ()
    people: list[tuple[str, str, str, frozenset[str]]] = []  # (name, side, role, addresses)
    ids = [row.author_id] + [c.user_id for c in row.co_authors]
    users = {u.id: u for u in db().scalars(select(User).where(User.id.in_([i for i in ids if i is not None])))}
    author = users.get(row.author_id)
    people.append((author.display_name if author else row.author_name, row.author_side, "author",
                   git_addresses(author) if author else frozenset()))
    for c in row.co_authors:
        user = users.get(c.user_id)
        people.append((user.display_name if user else c.display_name, c.side, "co_author",
                       git_addresses(user) if user else frozenset()))
    counts = [[0, 0] for _ in people]
    others: dict[str, list] = {}
    for commit in written:
        obj = lib.objects.commit(commit.sha)
        lines = _lines(lib, row.book, commit.sha) if len(obj.parents) == 1 else 0
        writers = {w.strip().lower() for w in commit.writers}
        known = False
        for index, (_name, _side, _role, addresses) in enumerate(people):
            if writers & addresses:
                counts[index][0] += 1
                counts[index][1] += lines
                known = True
        if not known:
            name = obj.author.name
            entry = others.setdefault(name, [name, _side_of(obj), 0, 0])
            entry[2] += 1
            entry[3] += lines
    total = sum(c[1] for c in counts) + sum(e[3] for e in others.values())
    percent = (lambda n: round(100 * n / total) if total else 0)  # noqa: E731
    out = [Share(name, side, role, n, lines, percent(lines))
           for (name, side, role, _a), (n, lines) in zip(people, counts)]
    out += [Share(name, side, "other", n, lines, percent(lines)) for name, side, n, lines in others.values()]
    return out


# pages are served by several threads; a commit's line count never changes
@cached(LRUCache(maxsize=4096), key=lambda lib, book, sha: (str(lib.path), book, sha), lock=threading.Lock())
def _lines(lib: Any, book: str, sha: str) -> int:
    """Lines a (non-merge) commit adds or removes in the book."""
    try:
        parent = lib.objects.commit(sha).parents[0]
        return sum(f.added + f.removed for f in lib.diff(parent, sha, [f"books/{book}"]).files)
    except MaterialsError:
        return 0


def _side_of(commit: Any) -> str:
    """The side the commit's trailer records ("" when it names none)."""
    return commit.trailer(SIDE_TRAILER) or ""
