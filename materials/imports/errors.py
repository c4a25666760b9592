"""Errors an import can raise on what a user sent; each has a stable code for the server's messages."""
from __future__ import annotations

from ..errors import MaterialsError


class DocxUnreadable(MaterialsError):
    """The upload is not a .docx pandoc can read: another format, password-protected, damaged or too large."""

    code = "import.docx_unreadable"


class ImportInvalid(MaterialsError):
    """An import asked for something the book cannot take (a split level outside 1–6)."""

    code = "import.invalid"


class MkDocsInvalid(MaterialsError):
    """The upload is no MkDocs project the platform can read: no zip, no mkdocs.yml, no pages, too large."""

    code = "import.mkdocs_invalid"


class HistoryInvalid(MkDocsInvalid):
    """The project's Git history cannot be read: no repository or bundle, or one git refuses."""

    code = "import.history_invalid"
