"""MkDocs hooks of every book site (platform code, never author code).

Listed in the generated configuration. They make the published HTML safe
(nh3 over every page, nothing fetched from outside the site) and hand each
page what the theme shows around it: the standard items it covers and who
wrote it, read from ``jointbook.json`` that the build writes beside
``mkdocs.yml``.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from materials.rendering import sanitize_html

PAGE_DATA = "jointbook.json"

_data: dict[str, Any] = {"pages": {}, "sides": {}}

# An image or media source outside the site would be fetched at read time.
_EXTERNAL_SRC = re.compile(r"""<img\b[^>]*?\bsrc="(?:[a-z][a-z0-9+.-]*:)?//[^"]*"[^>]*>""", re.I)
_ALT = re.compile(r'\balt="([^"]*)"')
# Material fetches mermaid from unpkg.com for any element with this class.
_MERMAID = re.compile(r'(\bclass="[^"]*?)\bmermaid\b')
_TAGS = re.compile(r"<[^>]*>")


def clean_page_html(content: str, chinese: bool = True) -> str:
    """A chapter's rendered HTML as a student may receive it."""
    content = sanitize_html(content)

    def external(match: re.Match) -> str:
        alt = _ALT.search(match.group(0))
        label = "外部图片未收录" if chinese else "External image not included"
        return f'<span class="jb-external-image">[{label}{": " + alt.group(1) if alt and alt.group(1) else ""}]</span>'

    content = _EXTERNAL_SRC.sub(external, content)
    return _MERMAID.sub(r"\1mermaid-off", content)


def _clean_toc(items) -> None:
    for item in items:
        item.title = html.escape(html.unescape(_TAGS.sub("", item.title)), quote=False)
        _clean_toc(item.children)


def on_config(config, **kwargs):
    path = Path(config.config_file_path).parent / PAGE_DATA
    if path.is_file():
        _data.clear()
        _data.update(json.loads(path.read_text(encoding="utf-8")))
    return config


def on_page_content(html_text: str, page, config, files, **kwargs) -> str:
    chinese = bool(config.extra.get("jointbook", {}).get("chinese", True))
    _clean_toc(page.toc)
    return clean_page_html(html_text, chinese)


def on_page_context(context, page, config, nav, **kwargs):
    page.jointbook = page_info(page.file.src_uri)
    context["jointbook_sides"] = _data.get("sides", {})
    return context


def page_info(src_uri: str) -> dict:
    """What the theme shows around one page (items, objectives, contributors)."""
    return _data.get("pages", {}).get(src_uri, {})
