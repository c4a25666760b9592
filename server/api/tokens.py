"""Personal access tokens of the signed-in account."""
from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy import select

from server import audit
from server.api.registry import endpoint
from server.api.schemas import NEW_TOKEN, NEW_TOKEN_REQUEST, TOKEN_LIST
from server.database import db
from server.errors import UserError
from server.models import ApiToken
from server.permissions import signed_in


def token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "hint": token.hint,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
    }


@endpoint("GET", "/tokens", summary="My access tokens", response=TOKEN_LIST, tags=["tokens"])
@signed_in
def list_tokens() -> dict[str, Any]:
    tokens = db().scalars(select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id))
    return {"tokens": [token_json(token) for token in tokens]}


@endpoint("POST", "/tokens", summary="Create an access token (its secret is returned once)", body=NEW_TOKEN_REQUEST,
          response=NEW_TOKEN, status=201, tags=["tokens"])
@signed_in
def create_token(body: dict[str, Any]) -> dict[str, Any]:
    token, secret = ApiToken.issue(current_user, body["name"].strip() or "token")
    db().add(token)
    audit.record("token.create", current_user.username, name=token.name)
    db().commit()
    return {"token": token_json(token), "secret": secret}


@endpoint("DELETE", "/tokens/{token_id}", summary="Revoke one of my access tokens",
          params={"token_id": {"type": "integer"}}, status=204, tags=["tokens"])
@signed_in
def revoke_token(token_id: int) -> None:
    token = db().get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        raise UserError("token.not_found", status=404)
    audit.record("token.revoke", current_user.username, name=token.name)
    db().delete(token)
    db().commit()
