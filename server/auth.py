"""Who is making this request: a browser session (Flask-Login) or an API token.

Session ids embed a stamp derived from the password hash and the account's
state, so changing a password or disabling an account signs out every other
session at once.
"""
from __future__ import annotations

from flask import Flask, abort, g, request, session
from flask_login import LoginManager, login_user
from sqlalchemy import bindparam, select, update

from server.database import db, utcnow
from server.errors import UserError
from server.accounts.models import ApiToken, User
from server.accounts.models import TOKEN_PREFIX, hash_token

login_manager = LoginManager()


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    user_id, _, _stamp = session_id.partition(".")
    if not user_id.isdigit():
        return None
    user = db().get(User, int(user_id))
    if user is None or not user.active or user.get_id() != session_id:
        return None
    return user


def sign_in(user: User, remember: bool = False) -> None:
    """Start a fresh session: whatever the browser held before is dropped (no session fixation)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user, remember=remember)
    user.last_login_at = utcnow()


# One indexed lookup (the hash is unique) bringing the owner along, built once: every API call pays for it.
_TOKEN_QUERY = (select(ApiToken.id, ApiToken.last_used_at, User).join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_hash == bindparam("token_hash")))


def authenticate_token() -> None:
    """``Authorization: Bearer jb_...`` on an API path signs the request in as the token's owner.

    A present but wrong token is refused outright rather than falling back to
    the cookie, so a client always knows which identity it used.
    """
    if not request.path.startswith("/api/"):
        return
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(TOKEN_PREFIX):
        raise UserError("token.invalid", status=401)
    row = db().execute(_TOKEN_QUERY, {"token_hash": hash_token(secret)}).first()
    if row is None or not row.User.active:
        raise UserError("token.invalid", status=401)
    token_id, last_used_at, user = row
    now = utcnow()
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        db().execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        db().commit()
    g._login_user = user  # what flask_login.current_user reads
    g.token_auth = True


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "signin.login"
    login_manager.session_protection = "basic"

    @login_manager.unauthorized_handler
    def _unauthorized() -> None:
        abort(401)
