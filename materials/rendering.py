"""The one Markdown configuration of the project.

The editor's preview, the validators and the site build all render chapters
with exactly this Python-Markdown + MkDocs Material extension set, so what an
author previews is what a student reads. ``pymdownx.snippets`` and
``pymdownx.b64`` are never enabled: they read files from the server's disk.
Every rendering is sanitized with nh3 before anyone sees it.
"""
from __future__ import annotations

import re
import threading
from html import escape

import markdown
import nh3

MARKDOWN_EXTENSIONS: list[str] = [
    "admonition",
    "attr_list",
    "def_list",
    "footnotes",
    "md_in_html",
    "tables",
    "toc",
    "pymdownx.arithmatex",
    "pymdownx.details",
    "pymdownx.highlight",
    "pymdownx.inlinehilite",
    "pymdownx.superfences",
    "pymdownx.tabbed",
    "pymdownx.tasklist",
    "pymdownx.mark",
    "pymdownx.caret",
    "pymdownx.tilde",
    "pymdownx.keys",
]

MARKDOWN_EXTENSION_CONFIGS: dict[str, dict] = {
    "toc": {"permalink": True, "slugify": None},  # filled below: slugs keep Chinese headings readable
    "pymdownx.arithmatex": {"generic": True},
    "pymdownx.highlight": {"anchor_linenums": True, "line_spans": "__span", "pygments_lang_class": True},
    "pymdownx.tabbed": {"alternate_style": True},
    "pymdownx.tasklist": {"custom_checkbox": True},
}


def _slugify():
    from pymdownx.slugs import slugify
    return slugify(case="lower")


MARKDOWN_EXTENSION_CONFIGS["toc"]["slugify"] = _slugify()

# What a chapter may contain once rendered: the output of the extensions above.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "label", "li", "mark",
    "ol", "p", "pre", "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "u", "ul", "caption", "col", "colgroup",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "loading"},
    "input": {"type", "checked", "disabled", "name", "aria-label"},
    "label": {"for"},
    "td": {"align", "colspan", "rowspan", "style"},
    "th": {"align", "colspan", "rowspan", "style"},
    "ol": {"start", "type"},
    "details": {"open"},
    "div": {"data-tabs"},
    "code": {"data-lang"},
}
URL_SCHEMES = {"http", "https", "mailto"}

_local = threading.local()


def markdown_engine() -> markdown.Markdown:
    """A configured converter; one per thread, reset between documents (building one is slow)."""
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_EXTENSION_CONFIGS)
        _local.md = md
    md.reset()
    return md


def sanitize_html(html: str) -> str:
    """Keep what the Markdown pipeline produces; drop scripts, handlers and foreign URLs."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


_TASK_ITEM = re.compile(r'(<li class="task-list-item"><label class="task-list-control"><input )([^>]*>)'
                        r'(.*?)(?=<ul|<ol|</li>)', re.S)


def _label_task_checkboxes(html: str) -> str:
    """Name each task list checkbox by its item's text: the tasklist extension leaves it unnamed, and a
    screen reader would announce "checkbox" alone."""
    def labelled(match: re.Match) -> str:
        text = " ".join(re.sub(r"<[^>]+>", "", match[3]).split())
        return f'{match[1]}aria-label="{escape(text, quote=True)}" {match[2]}{match[3]}' if text else match[0]
    return _TASK_ITEM.sub(labelled, html)


def render_markdown(text: str) -> str:
    """Chapter Markdown (without front matter) to safe HTML."""
    return sanitize_html(_label_task_checkboxes(markdown_engine().convert(text)))
