"""Accounts: who am I; administrators list, create and change people."""
from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy import select

from server.api.registry import endpoint
from server.api.schemas import NEW_USER, USER, USER_CHANGES, USER_LIST, USERNAME_PARAM
from server.database import db
from server.models import User
from server.people import create_user, find_user, update_user
from server.permissions import admin_required, roles_of, signed_in


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


@endpoint("GET", "/me", summary="The signed-in account", response=USER, tags=["accounts"])
@signed_in
def me() -> dict[str, Any]:
    return user_json(current_user)


@endpoint("GET", "/users", summary="Every account", response=USER_LIST, tags=["accounts"])
@admin_required
def list_users() -> dict[str, Any]:
    return {"users": [user_json(user) for user in db().scalars(select(User).order_by(User.username))]}


@endpoint("POST", "/users", summary="Create an account", body=NEW_USER, response=USER, status=201,
          tags=["accounts"], errors=(409,))
@admin_required
def create_user_(body: dict[str, Any]) -> dict[str, Any]:
    user = create_user(
        db(), body["username"], body["password"], display_name=body.get("display_name"),
        side=body.get("side", "school"), email=body.get("email"), is_admin=body.get("is_admin", False),
    )
    db().commit()
    return user_json(user)


@endpoint("GET", "/users/{username}", summary="One account", params={"username": USERNAME_PARAM},
          response=USER, tags=["accounts"])
@admin_required
def get_user(username: str) -> dict[str, Any]:
    return user_json(find_user(db(), username))


@endpoint("PATCH", "/users/{username}", summary="Change an account (side, administrator, enabled...)",
          params={"username": USERNAME_PARAM}, body=USER_CHANGES, response=USER, tags=["accounts"], errors=(409,))
@admin_required
def change_user(username: str, body: dict[str, Any]) -> dict[str, Any]:
    user = update_user(db(), find_user(db(), username), **body)
    db().commit()
    return user_json(user)
