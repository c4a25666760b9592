"""A person's access tokens for the API: issued, listed and revoked, from the tokens page and the API alike.

Each function changes the session and records an audit event; the caller commits.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.accounts.models import ApiToken
from server.audit import service as audit
from server.errors import UserError


def tokens_of(session: Session, user: Any) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def issue_token(session: Session, user: Any, name: str) -> tuple[ApiToken, str]:
    """A new token of ``user`` and its secret, which is shown once and never stored."""
    token, secret = ApiToken.issue(user, name.strip() or "token")
    session.add(token)
    audit.record("token.create", user.username, name=token.name)
    return token, secret


def own_token(session: Session, user: Any, token_id: int) -> ApiToken:
    """``user``'s token ``token_id``; someone else's answers 404 as a missing one does."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise UserError("token.not_found", status=404)
    return token


def revoke_token(session: Session, user: Any, token: ApiToken) -> None:
    audit.record("token.revoke", user.username, name=token.name)
    session.delete(token)
