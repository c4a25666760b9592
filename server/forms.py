"""Form bases shared by the pages (Flask-WTF: every form carries the CSRF token)."""


from __future__ import annotations
from flask import request
from flask_wtf import FlaskForm


class PageForm(FlaskForm):
    """A form that knows whether it, and not another form on the same page, was submitted."""

    def submit_ok(self) -> bool:
        if not self.is_submitted():
            return False
        if self._prefix and not any(key.startswith(self._prefix) for key in request.form):
            return False
        return self.validate()


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the confirmation button of a destructive action."""
