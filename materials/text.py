"""The one form in which text enters the library.

Browsers send every textarea with CRLF line endings, Windows editors add a byte
order mark, old Mac files end lines with a lone CR, and editors disagree about
the final newline. Stored as sent, a chapter saved from another machine shows
as rewritten from the first line to the last: blame goes to whoever saved it,
and every other change request on that chapter conflicts on the whole file.
So every chapter is stored in one form: no byte order mark, LF line endings,
exactly one final newline. ``Library.commit`` applies it to every Markdown file
it writes, so no way in can bypass it; the server applies it too where it
checks text before saving (conflict markers are found line by line).
"""
from __future__ import annotations

from typing import Union

MARKDOWN_SUFFIX = ".md"


def normalise_text(text: str) -> str:
    """``text`` with LF line endings and exactly one final newline (none when it is empty)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = lf_line_endings(text).rstrip("\n")
    return text + "\n" if text else ""


def lf_line_endings(text: str) -> str:
    """CRLF and lone CR as LF: for passages of a file (a suggested replacement), not whole files."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_markdown(path: str) -> bool:
    """Chapters and every other Markdown file of a book are text kept in the one form."""
    return path.lower().endswith(MARKDOWN_SUFFIX)


def stored_form(path: str, data: Union[bytes, str]) -> Union[bytes, str]:
    """What the library stores for ``data`` written at ``path``.

    Markdown is normalised; bytes that are not UTF-8 are left as they are (they
    are not text, and the book's checks report them), as is every other file.
    """
    if not is_markdown(path):
        return data
    if isinstance(data, str):
        return normalise_text(data)
    try:
        return normalise_text(data.decode("utf-8")).encode("utf-8")
    except UnicodeDecodeError:
        return data
