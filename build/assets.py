"""A book's images and media as they may be published.

Book assets share the site root with the theme (``assets/``), so only media
types are copied: an author can never ship a script or a stylesheet, nor
replace one of the theme's. SVG is XML that can carry scripts and links to
other sites, so it is cleaned here before publishing.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

MEDIA = {
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".bmp", ".ico", ".svg",
    ".mp4", ".webm", ".ogg", ".mp3", ".wav", ".m4a", ".pdf", ".txt", ".csv",
}
MAX_SVG = 5 * 1024 * 1024

_SVG_NS = "http://www.w3.org/2000/svg"
_DROP = {"script", "foreignObject", "iframe", "object", "embed", "audio", "video", "handler", "listener"}
_HREF = re.compile(r"^\s*#")


def publishable(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return not name.startswith(".") and ("." + name.rsplit(".", 1)[-1].lower()) in MEDIA


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def clean_svg(data: bytes) -> bytes | None:
    """The SVG without scripts, event handlers or references outside itself; None if unreadable."""
    if len(data) > MAX_SVG or b"<!ENTITY" in data or b"<!DOCTYPE" in data.upper():
        return None
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    if _local(root.tag) != "svg":
        return None
    _clean(root)
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _clean(element: ET.Element) -> None:
    for child in list(element):
        if _local(child.tag) in _DROP:
            element.remove(child)
        else:
            _clean(child)
    for name in list(element.attrib):
        local = _local(name).lower()
        value = element.attrib[name]
        if local.startswith("on"):
            del element.attrib[name]
        elif local == "href" and not _HREF.match(value):
            del element.attrib[name]
        elif local == "style" and ("url(" in value.lower() or "@import" in value.lower()):
            del element.attrib[name]
    if _local(element.tag) == "style" and element.text and re.search(r"url\(|@import", element.text, re.I):
        element.text = re.sub(r"(?is)@import[^;]*;|url\([^)]*\)", "none", element.text)
