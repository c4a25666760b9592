"""Accounts: who am I; administrators list, create and change people.

Personal access tokens of the signed-in account.

Book memberships: who works on a book with which role.
"""


from __future__ import annotations
from typing import Any
from flask_login import current_user
from sqlalchemy import select
from server.accounts import schemas, tokens
from server.accounts.models import ApiToken, Membership, User
from server.accounts.service import create_user, find_user, members_of, remove_membership, set_membership, update_user
from server.rest.registry import endpoint
from server.rest.schemas import BookName, RowId, Username
from server.database import db
from server.library import book_title
from server.permissions import Ability, admin_required, book_access, roles_of, signed_in


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def user_json(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "side": user.side,
        "is_admin": user.is_admin,
        "active": user.active,
        "created_at": _iso(user.created_at),
        "last_login_at": _iso(user.last_login_at),
        "memberships": [{"book": book, "role": role.value} for book, role in sorted(roles_of(user).items())],
    }


@endpoint("GET", "/me", summary="The signed-in account", response=schemas.User, tags=["accounts"])
@signed_in
def me() -> dict[str, Any]:
    return user_json(current_user)


@endpoint("GET", "/users", summary="Every account", response=schemas.UserList, tags=["accounts"])
@admin_required
def list_users() -> dict[str, Any]:
    return {"users": [user_json(user) for user in db().scalars(select(User).order_by(User.username))]}


@endpoint("POST", "/users", summary="Create an account", body=schemas.NewUser, response=schemas.User, status=201,
          tags=["accounts"], errors=(409,))
@admin_required
def create_user_(body: schemas.NewUser) -> dict[str, Any]:
    user = create_user(
        db(), body.username, body.password, display_name=body.display_name,
        side=body.side, email=body.email, is_admin=body.is_admin,
    )
    db().commit()
    return user_json(user)


@endpoint("GET", "/users/{username}", summary="One account", params={"username": Username},
          response=schemas.User, tags=["accounts"])
@admin_required
def get_user(username: str) -> dict[str, Any]:
    return user_json(find_user(db(), username))


@endpoint("PATCH", "/users/{username}", summary="Change an account (side, administrator, enabled...)",
          params={"username": Username}, body=schemas.UserChanges, response=schemas.User, tags=["accounts"],
          errors=(409,))
@admin_required
def change_user(username: str, body: schemas.UserChanges) -> dict[str, Any]:
    user = update_user(db(), find_user(db(), username), **body.model_dump(exclude_none=True))
    db().commit()
    return user_json(user)


def token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "hint": token.hint,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
    }


@endpoint("GET", "/tokens", summary="My access tokens", response=schemas.TokenList, tags=["tokens"])
@signed_in
def list_tokens() -> dict[str, Any]:
    return {"tokens": [token_json(token) for token in tokens.tokens_of(db(), current_user)]}


@endpoint("POST", "/tokens", summary="Create an access token (its secret is returned once)", body=schemas.NewTokenRequest,
          response=schemas.NewToken, status=201, tags=["tokens"])
@signed_in
def create_token(body: schemas.NewTokenRequest) -> dict[str, Any]:
    token, secret = tokens.issue_token(db(), current_user, body.name)
    db().commit()
    return {"token": token_json(token), "secret": secret}


@endpoint("DELETE", "/tokens/{token_id}", summary="Revoke one of my access tokens",
          params={"token_id": RowId}, status=204, tags=["tokens"])
@signed_in
def revoke_token(token_id: int) -> None:
    tokens.revoke_token(db(), current_user, tokens.own_token(db(), current_user, token_id))
    db().commit()


def member_json(membership: Membership) -> dict[str, Any]:
    user = membership.user
    return {"username": user.username, "display_name": user.display_name, "side": user.side, "role": membership.role}


@endpoint("GET", "/books/{book}/members", summary="Members of a book", params={"book": BookName},
          response=schemas.MemberList, tags=["memberships"], errors=(503,))
@book_access(Ability.maintain)
def list_members(book: str) -> dict[str, Any]:
    book_title(book)
    return {"book": book, "members": [member_json(m) for m in members_of(db(), book)]}


@endpoint("PUT", "/books/{book}/members/{username}", summary="Add a member or change their role",
          params={"book": BookName, "username": Username}, body=schemas.RoleChange, response=schemas.Member,
          tags=["memberships"], errors=(503,))
@book_access(Ability.maintain)
def put_member(book: str, username: str, body: schemas.RoleChange) -> dict[str, Any]:
    book_title(book)
    membership = set_membership(db(), find_user(db(), username), book, body.role)
    db().commit()
    return member_json(membership)


@endpoint("DELETE", "/books/{book}/members/{username}", summary="Remove a member from a book",
          params={"book": BookName, "username": Username}, status=204, tags=["memberships"], errors=(503,))
@book_access(Ability.maintain)
def delete_member(book: str, username: str) -> None:
    book_title(book)
    remove_membership(db(), find_user(db(), username), book)
    db().commit()
