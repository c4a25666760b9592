"""A standard item's statement as its publisher wrote it: Markdown and TeX math, rendered safe.

CASE publishers write ``fullStatement`` in Markdown, with formulas as
``$…$`` or ``\\(…\\)``; teachers type 1+X statements with units and formulas
too. The statement is rendered with the project's one Markdown configuration
(``materials.rendering``: math stays TeX in ``span.arithmatex`` for KaTeX on
the page) and sanitized with nh3. Most statements are plain Chinese text:
those are only escaped, and rendered ones are kept by their text.
"""
from __future__ import annotations

import html
import re
import threading

from cachetools import LRUCache

from ..rendering import render_markdown

__all__ = ["statement_html"]

# nothing Markdown or TeX would read differently from plain text
_PLAIN = re.compile(r"^(?!\s*(?:\d+[.)]|[-+*>#])\s)[^*_`\[\]$\\<>&!~^=|\n]*$")
_ONE_PARAGRAPH = re.compile(r"^<p>((?:(?!<p>|</p>).)*)</p>$", re.S)
_cache: LRUCache = LRUCache(maxsize=20000)
_lock = threading.Lock()


def statement_html(text: str) -> str:
    """Safe HTML of a statement: inline when it is one paragraph, so it sits in a list item or a button."""
    if _PLAIN.match(text):
        return html.escape(text, quote=False)
    with _lock:
        found = _cache.get(text)
    if found is None:
        rendered = render_markdown(text).strip()
        one = _ONE_PARAGRAPH.match(rendered)
        found = one.group(1) if one else rendered
        with _lock:
            _cache[text] = found
    return found
