"""The one place that answers "may this person do X on book B?".

Global administrators may do everything. Everyone else acts through a
membership role per book, and the roles form a ladder: a reviewer may do all a
author may, a maintainer all a reviewer may.

Every view declares what it needs with one of the decorators below
(``public``, ``signed_in``, ``admin_required``, ``book_access``); the app
refuses to start if a view declares nothing, and a test walks ``app.url_map``
proving that anonymous and under-privileged people are refused.
"""
from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from flask import Flask, abort, g, has_app_context, has_request_context
from flask_login import current_user
from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from server.database import db
from server.accounts.models import Membership, Role, User

F = TypeVar("F", bound=Callable[..., Any])


class Ability(str, enum.Enum):
    """What someone may do with a book."""

    read = "read"  # open the book, its history and drafts
    write = "write"  # edit chapters and assets (on a draft / change request)
    review = "review"  # approve or request changes
    maintain = "maintain"  # manage members, merge, release, book settings


# The lowest role that grants each ability.
LOWEST_ROLE: dict[Ability, Role] = {
    Ability.read: Role.reader,
    Ability.write: Role.author,
    Ability.review: Role.reviewer,
    Ability.maintain: Role.maintainer,
}
ROLE_RANK: dict[Role, int] = {role: rank for rank, role in enumerate(Role)}


# Built once: SQLAlchemy then skips re-deriving the statement's cache key on every check.
_ROLE_QUERY = select(Membership.role).where(Membership.user_id == bindparam("user_id"),
                                            Membership.book == bindparam("book"))


def role_on(user: Any, book: str) -> Role | None:
    """The person's membership role on ``book`` (None for non-members and anonymous).

    Read once per request: the view's declaration, the API registry and the
    branch rules all ask, and each asking used to cost a query. Any change to
    memberships or accounts written in the meantime (flush, bulk statement) or
    rolled back forgets what was read, so a check never sees an outdated role.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    session = db()
    key = (user.id, book)
    known = _roles_this_request()
    # Only a clean session may answer from memory: with changes pending, the query flushes them
    # first (autoflush), exactly as before, and a flush touching people forgets every role read.
    if known is not None and key in known and not (session.new or session.deleted or session.dirty):
        return known[key]
    role = session.scalar(_ROLE_QUERY, {"user_id": user.id, "book": book})
    found = Role(role) if role else None
    known = _roles_this_request()
    if known is not None:
        known[key] = found
    return found


def _roles_this_request() -> dict[tuple[int, str], Role | None] | None:
    """The roles read during the current request (None outside a request: jobs, CLI)."""
    if not has_request_context():
        return None
    known = g.get("_jointbook_roles")
    if known is None:
        known = g._jointbook_roles = {}
    return known


def forget_roles() -> None:
    if has_app_context():
        g.pop("_jointbook_roles", None)


def _changes_people(session: Session) -> bool:
    """Does ``session`` hold changes to memberships or accounts (being flushed)?"""
    return any(isinstance(o, (Membership, User)) for o in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "after_flush")
def _forget_roles_on_change(session: Session, _context: Any) -> None:
    if _changes_people(session):
        forget_roles()


@event.listens_for(Session, "do_orm_execute")
def _forget_roles_on_bulk_change(state: Any) -> None:
    if not state.is_select:  # UPDATE / DELETE / INSERT statements bypass the flush
        forget_roles()


@event.listens_for(Session, "after_soft_rollback")
def _forget_roles_on_rollback(_session: Session, _previous: Any) -> None:
    forget_roles()


def roles_of(user: Any) -> dict[str, Role]:
    """Every book the person belongs to, with their role there."""
    if not getattr(user, "is_authenticated", False):
        return {}
    rows = db().execute(select(Membership.book, Membership.role).where(Membership.user_id == user.id))
    return {book: Role(role) for book, role in rows}


def role_grants(role: Role | None, ability: Ability) -> bool:
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[LOWEST_ROLE[ability]]


def may(user: Any, ability: Ability | str, book: str) -> bool:
    """May ``user`` exercise ``ability`` on ``book``? Disabled and anonymous users may not."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if user.is_admin:
        return True
    return role_grants(role_on(user, book), Ability(ability))


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_admin)


# ---------------------------------------------------------------- declarations

@dataclass(frozen=True)
class Requirement:
    """What a view needs; shown in the OpenAPI document as ``x-permission``."""

    kind: str  # "public" | "signed_in" | "admin" | "book"
    ability: Ability | None = None
    book_arg: str = "book"

    def describe(self) -> str:
        return f"book:{self.ability.value}" if self.kind == "book" and self.ability else self.kind

    def allows(self, user: Any, view_args: dict[str, Any]) -> bool:
        if self.kind == "public":
            return True
        if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
            return False
        if self.kind == "signed_in":
            return True
        if self.kind == "admin":
            return is_admin(user)
        assert self.ability is not None
        return may(user, self.ability, str(view_args.get(self.book_arg, "")))

    def enforce(self, view_args: dict[str, Any]) -> None:
        """Abort with 401 (anonymous) or 403 (signed in, not allowed) unless the current user may."""
        if not self.allows(current_user, view_args):
            refuse()


def requirement_of(view: Callable[..., Any]) -> Requirement | None:
    return getattr(view, "requirement", None)


def _declare(requirement: Requirement) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            requirement.enforce(kwargs)
            return view(*args, **kwargs)

        guarded.requirement = requirement  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def refuse() -> None:
    """401 for anonymous people (pages turn it into a redirect to sign in), 403 otherwise."""
    if not current_user.is_authenticated:
        abort(401)
    abort(403)


def public(view: F) -> F:
    """Anyone, signed in or not (sign-in page, language switch, health, OpenAPI)."""
    return _declare(Requirement("public"))(view)


def signed_in(view: F) -> F:
    """Any signed-in, active account."""
    return _declare(Requirement("signed_in"))(view)


def admin_required(view: F) -> F:
    """Global administrators only."""
    return _declare(Requirement("admin"))(view)


def book_access(ability: Ability | str, book_arg: str = "book") -> Callable[[F], F]:
    """Members whose role on the book named by the URL variable ``book_arg`` grants ``ability``."""
    return _declare(Requirement("book", Ability(ability), book_arg))


def check_every_view_declares(app: Flask) -> None:
    """Fail at start-up, not in production, when a view forgets to say who may use it."""
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and requirement_of(view) is None
    ]
    if missing:
        raise RuntimeError(f"views without a permission declaration: {', '.join(sorted(missing))}")
    for rule in app.url_map.iter_rules():
        requirement = requirement_of(app.view_functions[rule.endpoint]) if rule.endpoint != "static" else None
        if requirement and requirement.kind == "book" and requirement.book_arg not in rule.arguments:
            raise RuntimeError(f"{rule.rule}: book_access needs a <{requirement.book_arg}> URL variable")


__all__ = [
    "Ability",
    "Requirement",
    "Role",
    "User",
    "admin_required",
    "book_access",
    "check_every_view_declares",
    "is_admin",
    "may",
    "public",
    "refuse",
    "role_on",
    "roles_of",
    "signed_in",
]
