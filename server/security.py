"""Defences every request passes through: CSRF, rate limits, security headers, proxies.

CSRF: every state-changing request carries a CSRF token (forms: hidden
field; JavaScript and JSON with a session cookie: the ``X-CSRFToken`` header),
except API requests authenticated by a personal access token, which a
browser on another site cannot forge.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from flask import Flask, Response, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()

# Pages are served from our own origin only; no inline script or style anywhere.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "SAMEORIGIN",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def takes_posts_from_other_sites(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that takes posts from pages we do not serve (the feedback form of published
    sites, possibly opened from disk): no CSRF token. Such a view must act as an anonymous visitor
    unless the request is provably from our own origin; see server/feedback/api.py."""
    view.takes_posts_from_other_sites = True  # type: ignore[attr-defined]
    return view


def body_limit(config_key: str, default: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a view that accepts less than MAX_CONTENT_LENGTH (``config_key`` in the config, else
    ``default`` bytes); applied before any check reads the body, so the smaller limit always holds."""
    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view.body_limit = (config_key, default)  # type: ignore[attr-defined]
        return view
    return mark


def _marked(name: str) -> Any:
    """What the view of this request was marked with (None when unmarked or no view matched)."""
    return getattr(current_app.view_functions.get(request.endpoint or ""), name, None)


def init_security(app: Flask) -> Limiter:
    """Install CSRF, the rate limiter (returned, for views to use) and security headers."""
    app.config["REMEMBER_COOKIE_SECURE"] = app.config.get("SESSION_COOKIE_SECURE", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's life
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked below, after token authentication
    csrf.init_app(app)

    if app.config.get("TRUSTED_PROXIES"):
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        headers_enabled=True,
        default_limits=[],
    )
    limiter.init_app(app)
    app.extensions["jointbook.limiter"] = limiter

    @app.after_request
    def _headers(response: Response) -> Response:
        # A view may set its own policy (e.g. published sites); keep it then.
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith("/api/") or response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return limiter


# Text no database column can hold: NUL (PostgreSQL refuses it) and lone UTF-16 surrogates
# (JSON's "\ud800" decodes to one; UTF-8 cannot encode it). Nobody types either.
UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")


def _unstorable_field(value: object, name: str) -> str | None:
    """The name of the first field of ``value`` (JSON, form or query) holding unstorable text."""
    if isinstance(value, str):
        return name if UNSTORABLE_TEXT.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _unstorable_field(key, str(key)) or _unstorable_field(item, str(key))
            if found:
                return found
    if isinstance(value, list):
        for item in value:
            found = _unstorable_field(item, name)
            if found:
                return found
    return None


def refuse_unstorable_text() -> None:
    """One check for every query string, form and JSON body: text the database cannot store is a 400."""
    from server.errors import UserError

    limit = _marked("body_limit")
    if limit is not None:
        request.max_content_length = current_app.config.get(limit[0], limit[1])
    submitted: list[object] = [dict(request.args.lists())]
    if request.method in UNSAFE_METHODS:
        if request.is_json:
            submitted.append(request.get_json(silent=True))
        elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            submitted.append(dict(request.form.lists()))
            submitted.append({name: [upload.filename or "" for upload in uploads]
                              for name, uploads in request.files.lists()})
    field = _unstorable_field(submitted, "")
    if field is not None:
        raise UserError("request.unstorable_text", status=400, field=UNSTORABLE_TEXT.sub("\ufffd", field)[:100])


def check_csrf() -> None:
    """Registered after token authentication: token-authenticated API calls are exempt."""
    if request.method not in UNSAFE_METHODS or g.get("token_auth") or _marked("takes_posts_from_other_sites"):
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    csrf.protect()
