"""What the accounts API takes and answers: people, their access tokens and book memberships.

The request models are the API's whole validation of these fields (``server.rest.registry``);
``server.accounts.service`` keeps its own checks for the pages and the command line.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from server.accounts.service import EMAIL_PATTERN
from server.rest.schemas import Body, NewUsername, RoleName, SideName

Password = Annotated[str, Field(min_length=10, max_length=256)]
DisplayName = Annotated[str, Field(min_length=1, max_length=120)]
Email = Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN)]


class Membership(BaseModel):
    book: str
    role: RoleName


class User(BaseModel):
    username: str
    display_name: str
    email: str | None
    side: str
    is_admin: bool
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    memberships: list[Membership]


class UserList(BaseModel):
    users: list[User]


class NewUser(Body):
    username: NewUsername
    password: Password
    display_name: DisplayName | None = None
    email: Email | None = None
    side: SideName = "school"
    is_admin: bool = False


class UserChanges(Body):
    """Only what is given changes (null: left as it is); an empty ``email`` removes it."""

    display_name: DisplayName | None = None
    email: Annotated[str, Field(max_length=254, pattern=f"{EMAIL_PATTERN}|^$")] | None = None
    side: SideName | None = None
    is_admin: bool | None = None
    active: bool | None = None
    password: Password | None = None


class Member(BaseModel):
    username: str
    display_name: str
    side: str
    role: RoleName


class MemberList(BaseModel):
    book: str
    members: list[Member]


class RoleChange(Body):
    role: RoleName


class Token(BaseModel):
    id: int
    name: str
    hint: str
    created_at: datetime
    last_used_at: datetime | None


class TokenList(BaseModel):
    tokens: list[Token]


class NewTokenRequest(Body):
    name: Annotated[str, Field(min_length=1, max_length=100)]


class NewToken(BaseModel):
    token: Token
    secret: str = Field(description="shown once; send as Bearer")
