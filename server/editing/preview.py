"""The editor's preview: an author's Markdown rendered as the published site will show it (sanitized),
the book's images served from the asset route of the branch being edited. The book's chapter pages
render through here too, so a preview shows what readers will see.
"""
from __future__ import annotations

import hashlib
import re
import threading

from cachetools import LRUCache, cached
from flask import url_for

from materials import MaterialsError
from materials.frontmatter import split_front_matter
from materials.rendering import render_markdown

PREVIEW_CACHE_SIZE = 128
PREVIEW_CACHE_MAX_TEXT = 200_000


def preview_html(book: str, text: str, branch: str | None = None) -> str:
    """The site's rendering of an author's text (a whole chapter file or its body)."""
    if text.startswith("---\n"):
        try:
            _, text, _ = split_front_matter(text)
        except MaterialsError:  # an unfinished front matter is previewed as text
            pass
    return book_html(book, text, branch)


def book_html(book: str, markdown: str, branch: str | None = None) -> str:
    """Markdown of ``book`` rendered by the site's pipeline; its images point at the asset route of ``branch``."""
    html = _rendered(markdown)
    prefix = url_for("assets.raw", book=book, name="NAME").rsplit("NAME", 1)[0]
    query = f"?branch={branch}" if branch and re.match(r"^[\w./@+-]+$", branch) else ""
    # ../assets/x.png from a chapter in chapters/, ../../assets/x.png from one in a folder of it
    return re.sub(r'src="(?:\.\./)+assets/([^"?#/]+)"', lambda m: f'src="{prefix}{m.group(1)}{query}"', html)


def _rendered(text: str) -> str:
    """``render_markdown`` remembered by the text's hash: the editor asks again for unchanged text
    (typing pauses, switching tabs), and rendering is the costly part of a preview."""
    if len(text) > PREVIEW_CACHE_MAX_TEXT:
        return render_markdown(text)
    return _remembered_rendering(text)


# sha-256 of the Markdown -> its sanitized HTML
@cached(LRUCache(maxsize=PREVIEW_CACHE_SIZE),
        key=lambda text: hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest(), lock=threading.Lock())
def _remembered_rendering(text: str) -> str:
    return render_markdown(text)
