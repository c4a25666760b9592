"""Where to send the browser after a form: only ever back into this site."""


from __future__ import annotations
from urllib.parse import urlsplit
from flask import redirect, request, url_for
from werkzeug.wrappers import Response
from wtforms import StringField
from server.forms import QueryForm


class NextChoice(QueryForm):
    """``next``: where to go after the form, from the query string or the form itself."""

    next = StringField()


def local_target(target: str | None) -> str | None:
    """``target`` if it is a path on this site (no scheme, no host, no ``//``), else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def back(default_endpoint: str = "home.index", **values: str) -> Response:
    """Redirect to ``?next=`` / form ``next`` when local, else to ``default_endpoint``."""
    target = local_target(NextChoice(request.values).next.data)
    return redirect(target or url_for(default_endpoint, **values))
