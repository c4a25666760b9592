"""Form bases shared by the pages (Flask-WTF: every form carries the CSRF token)."""


from __future__ import annotations
from typing import Any
from flask import request
from flask_wtf import FlaskForm
from wtforms import Field


class PageForm(FlaskForm):
    """A form that knows whether it, and not another form on the same page, was submitted."""

    def submit_ok(self) -> bool:
        if not self.is_submitted():
            return False
        if self._prefix and not any(key.startswith(self._prefix) for key in request.form):
            return False
        return self.validate()


class UploadForm(PageForm):
    """A form whose only filled field may be its file: it counts as submitted when its file arrives."""

    def submitted_here(self) -> bool:
        return self.is_submitted() and any(k.startswith(self._prefix) for k in [*request.form, *request.files])

    def submit_ok(self) -> bool:
        return self.submitted_here() and self.validate()


class ValuesField(Field):
    """Every value posted under one name, in order: the editor's repeated inputs (one per objective),
    the checked boxes of a list. WTForms' ``FieldList`` wants numbered names (``objectives-0``...)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = list(valuelist)

    def _value(self) -> str:
        return ""


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the confirmation button of a destructive action."""


class QueryForm(FlaskForm):
    """A page's query string (filters, page numbers, a language) read with fields.

    Nothing is changed through it, so it carries no CSRF token. A value that is
    not valid (a page that is no number, a filter that is no choice) is read as
    the field's default, as a link with a stale argument should still open the page.
    """

    class Meta:
        csrf = False

    def __init__(self, formdata: Any = None, **kwargs: Any) -> None:
        """``formdata``: ``request.values`` for a value a page takes from its query string or its form."""
        super().__init__(formdata=request.args if formdata is None else formdata, **kwargs)
        if not self.validate():
            for name in self.errors:
                self[name].data = self[name].default
