"""Book memberships: who works on a book with which role."""
from __future__ import annotations

from typing import Any

from server.api.registry import endpoint
from server.api.schemas import BOOK_PARAM, MEMBER, MEMBER_LIST, ROLE_CHANGE, USERNAME_PARAM
from server.database import db
from server.errors import UserError
from server.library import book_titles
from server.models import Membership
from server.people import find_user, members_of, remove_membership, set_membership
from server.permissions import Ability, book_access


def member_json(membership: Membership) -> dict[str, Any]:
    user = membership.user
    return {"username": user.username, "display_name": user.display_name, "side": user.side, "role": membership.role}


def _require_book(book: str) -> None:
    if book not in book_titles():
        raise UserError("book.not_found", status=404, book=book)


@endpoint("GET", "/books/{book}/members", summary="Members of a book", params={"book": BOOK_PARAM},
          response=MEMBER_LIST, tags=["memberships"], errors=(503,))
@book_access(Ability.maintain)
def list_members(book: str) -> dict[str, Any]:
    _require_book(book)
    return {"book": book, "members": [member_json(m) for m in members_of(db(), book)]}


@endpoint("PUT", "/books/{book}/members/{username}", summary="Add a member or change their role",
          params={"book": BOOK_PARAM, "username": USERNAME_PARAM}, body=ROLE_CHANGE, response=MEMBER,
          tags=["memberships"], errors=(503,))
@book_access(Ability.maintain)
def put_member(book: str, username: str, body: dict[str, Any]) -> dict[str, Any]:
    _require_book(book)
    membership = set_membership(db(), find_user(db(), username), book, body["role"])
    db().commit()
    return member_json(membership)


@endpoint("DELETE", "/books/{book}/members/{username}", summary="Remove a member from a book",
          params={"book": BOOK_PARAM, "username": USERNAME_PARAM}, status=204, tags=["memberships"], errors=(503,))
@book_access(Ability.maintain)
def delete_member(book: str, username: str) -> None:
    _require_book(book)
    remove_membership(db(), find_user(db(), username), book)
    db().commit()
