"""People and their book memberships: the operations the pages, the API and the CLI share.

Each function validates, changes the session and records an audit event; the
caller commits. Refusals are ``UserError`` with a code the person can read.
"""


from __future__ import annotations
import re
from typing import Any
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from materials import Author
from materials.paths import BOOK_SLUG
from server.audit import service as audit
from server.errors import UserError
from server.accounts.models import Membership, Role, User
from server.accounts.models import SIDES
from server.accounts.passwords import check_strength


USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,63}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def stand_in_email(user: Any) -> str:
    """The address a person's commits carry while their account has no e-mail: stable and never delivered."""
    return f"{user.username}@users.jointbook.invalid"


def git_author(user: Any) -> Author:
    """How a person signs every commit they make: display name, e-mail (or the stand-in) and side.

    The one place an account becomes a Git author, whichever page or command writes: what Git
    cannot hold in a name or address (``<``, ``>``, line breaks, NUL; spaces in an address) is
    dropped, so "王 <主编>" signs as "王 主编" rather than failing the commit.
    """
    name = re.sub(r"[<>\r\n\0]", "", user.display_name or "").strip() or user.username
    email = re.sub(r"[<>\r\n\0\s]", "", user.email or "") or stand_in_email(user)
    return Author(name, email, user.side)


def git_addresses(user: Any) -> frozenset[str]:
    """Every address this person's commits may carry: ``git_author``'s now, and the stand-in used while
    they had none (so that adding an e-mail later does not hide their earlier commits)."""
    return frozenset({git_author(user).email.lower(), stand_in_email(user).lower()})


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        raise UserError("user.not_found", status=404, username=username)
    return user


def create_user(
    session: Session, username: str, password: str, *, display_name: str | None = None, side: str = "school",
    email: str | None = None, is_admin: bool = False, actor: Any = None,
) -> User:
    username = username.strip().lower()
    if not re.match(USERNAME_PATTERN, username):
        raise UserError("request.invalid", detail=f"username {username!r}")
    if side not in SIDES:
        raise UserError("request.invalid", detail=f"side {side!r}")
    if email and not re.match(EMAIL_PATTERN, email):
        raise UserError("request.invalid", detail="email")
    if session.scalar(select(User.id).where(func.lower(User.username) == username)) is not None:
        raise UserError("user.exists", status=409, username=username)
    check_strength(password, [username, display_name, email])
    user = User(username=username, display_name=(display_name or username).strip()[:120], side=side,
                email=email or None, is_admin=is_admin, active=True)
    user.set_password(password)
    session.add(user)
    audit.record("user.create", username, actor=actor, side=side, is_admin=is_admin)
    return user


def _admins_left(session: Session, without: User) -> int:
    return session.scalar(
        select(func.count()).select_from(User).where(User.is_admin, User.active, User.id != without.id)
    ) or 0


def update_user(
    session: Session, user: User, *, actor: Any = None, display_name: str | None = None, email: str | None = None,
    side: str | None = None, is_admin: bool | None = None, active: bool | None = None, password: str | None = None,
) -> User:
    """Change what is given; refuses to leave the platform without an active administrator."""
    changes: dict[str, Any] = {}
    if side is not None and side not in SIDES:
        raise UserError("request.invalid", detail=f"side {side!r}")
    if email and not re.match(EMAIL_PATTERN, email):
        raise UserError("request.invalid", detail="email")
    if password:
        check_strength(password, [user.username, display_name or user.display_name, email or user.email])
    losing_admin = (is_admin is False and user.is_admin) or (active is False and user.active and user.is_admin)
    if losing_admin and _admins_left(session, user) == 0:
        raise UserError("user.last_admin", status=409)
    for name, value in (("display_name", display_name), ("side", side), ("is_admin", is_admin), ("active", active)):
        if value is not None and getattr(user, name) != value:
            setattr(user, name, value)
            changes[name] = value
    if email is not None and (email or None) != user.email:
        user.email = email or None
        changes["email"] = email
    if password:
        user.set_password(password)
        changes["password"] = "changed"
    if changes:
        audit.record("user.update", user.username, actor=actor, **changes)
    return user


def set_membership(session: Session, user: User, book: str, role: Role | str, *, actor: Any = None) -> Membership:
    """Add ``user`` to ``book`` with ``role``, or change their role there."""
    role = Role(role)
    if not BOOK_SLUG.match(book):
        raise UserError("book.not_found", status=404, book=book)
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id, Membership.book == book))
    if membership is None:
        membership = Membership(user=user, book=book, role=role.value)
        session.add(membership)
        audit.record("membership.add", f"{book}/{user.username}", actor=actor, role=role.value)
    elif membership.role != role.value:
        audit.record("membership.change", f"{book}/{user.username}", actor=actor, role=role.value, was=membership.role)
        membership.role = role.value
    return membership


def remove_membership(session: Session, user: User, book: str, *, actor: Any = None) -> None:
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id, Membership.book == book))
    if membership is None:
        raise UserError("membership.not_found", status=404, username=user.username, book=book)
    session.delete(membership)
    audit.record("membership.remove", f"{book}/{user.username}", actor=actor, role=membership.role)


def members_of(session: Session, book: str) -> list[Membership]:
    return list(
        session.scalars(select(Membership).join(Membership.user).where(Membership.book == book).order_by(User.username))
    )


def record_sign_in(user: User) -> None:
    audit.record("session.login", user.username, actor=user)


def update_profile(user: User, display_name: str, email: str | None) -> None:
    """What a person may change of their own account (the administrator changes the rest)."""
    user.display_name = display_name.strip()
    user.email = email or None
    audit.record("user.update_profile", user.username)


def change_password(user: User, new_password: str) -> None:
    """Set ``user``'s password (checked for strength by the form); other sessions are signed out
    because the session id changes with it."""
    user.set_password(new_password)
    audit.record("user.change_password", user.username)
