"""A book's images and media as they may be published.

Book assets share the site root with the theme (``assets/``), so only media
types are copied: an author can never ship a script or a stylesheet, nor
replace one of the theme's. SVG is XML that can carry scripts and links to
other sites, so it is cleaned again before publishing, by the library's own
allow-list sanitizer.
"""
from __future__ import annotations

from materials.svg import InvalidSVG
from materials.svg import clean_svg as clean_picture

MEDIA = {
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".bmp", ".ico", ".svg",
    ".mp4", ".webm", ".ogg", ".mp3", ".wav", ".m4a", ".pdf", ".txt", ".csv",
}


def publishable(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return not name.startswith(".") and ("." + name.rsplit(".", 1)[-1].lower()) in MEDIA


def clean_svg(data: bytes) -> bytes | None:
    """The SVG as the library cleans every picture (``materials.svg``); None if it is no SVG picture."""
    try:
        return clean_picture(data)
    except InvalidSVG:
        return None
