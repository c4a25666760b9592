"""A book at a commit as the printed page needs it: plain data for the print template.

Each chapter goes through the project's one Markdown pipeline and nh3
(``materials.rendering``), exactly as on the site; the safe HTML is then read
into a small tree of print nodes (``{"t": kind, "a": attributes, "c":
children}`` or a string) that ``templates/print/book.typ`` lays out. Authors'
text stays data all the way: the template never evaluates it as markup.

What the site shows one way and paper another is decided here: a lone image
becomes a numbered figure with its alt text as caption, tables become
numbered tables, content tabs are printed one after another under their
labels, footnotes go to the foot of the page, a link to another chapter
becomes a page reference, math becomes SVG (``formulas``), and every chapter
and every video or audio reference gets a QR code to the same release's page
(``qr``). A work task's record and evaluation sheets (its ``task:`` front
matter) close its 记录 and 评价 sections. Line breaks inside Chinese
paragraphs are dropped (HTML would print them as spaces), and the space authors type between Chinese and Latin text is
left to the typesetter's own CJK–Latin spacing, so it is the same everywhere.
"""
from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable, Protocol

from materials.rendering import render_markdown
from materials.tasks import RATER_LABELS, Task

from . import formulas
from .assets import clean_svg, publishable
from .qr import qr_svg, short_address

Node = Any  # str | dict

VOID = {"br", "hr", "img", "input", "col"}
PRINTABLE_IMAGES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
AUDIO = {".mp3", ".wav", ".m4a", ".ogg"}
MEDIA = {".mp4", ".webm", *AUDIO}
# Python-Markdown titles an admonition without its own title with its kind, in English.
ADMONITION_TITLES = {
    "note": "注意", "abstract": "摘要", "summary": "摘要", "info": "说明", "todo": "待办", "tip": "提示",
    "hint": "提示", "important": "重要", "success": "正确做法", "check": "检查", "done": "完成",
    "question": "思考", "help": "帮助", "faq": "问答", "warning": "警告", "caution": "注意", "attention": "注意",
    "failure": "错误做法", "fail": "错误做法", "missing": "缺失", "danger": "危险", "error": "错误",
    "bug": "缺陷", "example": "示例", "quote": "引文", "cite": "引文",
}
TABLE_CAPTION = re.compile(r"^\s*(?:表|Table)\s*[:：]\s*(.+)$", re.S)

_CJK = "\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_BREAK_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s*\n\s*(?=[{_CJK}])")
_SPACE_CJK_LATIN = re.compile(rf"(?<=[{_HAN}]) (?=[A-Za-z0-9])|(?<=[A-Za-z0-9]) (?=[{_HAN}])")
_SPACES = re.compile(r"\s+")


def flow_text(text: str) -> str:
    """Running text as print wants it (see the module's docstring)."""
    text = _BREAK_BETWEEN_CJK.sub("", text)
    text = _SPACES.sub(" ", text)
    return _SPACE_CJK_LATIN.sub("", text)


# -- HTML to a tree ------------------------------------------------------------

class _TreeBuilder(HTMLParser):
    """The sanitized HTML as nested dicts (nh3's output is well formed)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root: dict = {"t": "root", "a": {}, "c": []}
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = {"t": tag, "a": {k: (v if v is not None else "") for k, v in attrs}, "c": []}
        self.stack[-1]["c"].append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1]["c"].append({"t": tag, "a": {k: (v if v is not None else "") for k, v in attrs}, "c": []})

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i]["t"] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1]["c"].append(data)


def html_tree(html: str) -> list[Node]:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root["c"]


def classes(node: Node) -> set[str]:
    return set(node["a"].get("class", "").split()) if isinstance(node, dict) else set()


def text_of(node: Node) -> str:
    if isinstance(node, str):
        return node
    return "".join(text_of(c) for c in node["c"])


def _elements(nodes: list[Node]) -> list[dict]:
    return [n for n in nodes if isinstance(n, dict)]


def _blank(node: Node) -> bool:
    return isinstance(node, str) and not node.strip()


# -- the book ------------------------------------------------------------------

@dataclass
class PrintChapter:
    id: str
    filename: str
    title: str
    part: str | None
    url: str | None
    qr: str | None          # the QR code's file, leading to url
    body: list[Node]
    objectives: list[str] = field(default_factory=list)


@dataclass
class PrintBook:
    """Everything the print template reads (``to_data``) and the files it refers to."""

    meta: dict[str, Any]
    chapters: list[PrintChapter]
    files: dict[str, bytes] = field(default_factory=dict)      # path under the print root -> content
    warnings: list[str] = field(default_factory=list)
    qr_codes: dict[str, str] = field(default_factory=dict)     # address -> its file

    def to_data(self) -> dict[str, Any]:
        parts: list[dict] = []
        for ch in self.chapters:
            if not parts or parts[-1]["title"] != ch.part:
                parts.append({"title": ch.part, "chapters": []})
            parts[-1]["chapters"].append({"id": ch.id, "title": ch.title, "url": ch.url,
                                          "qr": ch.qr,
                                          "short": short_address(ch.url) if ch.url else None,
                                          "objectives": ch.objectives, "body": ch.body})
        return {"meta": self.meta, "parts": parts}

    def qr_file(self, url: str) -> str:
        """The QR code of ``url`` as a file of the print root (one per address)."""
        name = self.qr_codes.get(url)
        if name is None:
            name = self.qr_codes[url] = f"qr/{hashlib.sha256(url.encode()).hexdigest()[:24]}.svg"
            self.files[name] = qr_svg(url)
        return name


def chapter_id(filename: str) -> str:
    return "ch-" + filename[:-3]


def chapter_url(site_url: str | None, filename: str) -> str | None:
    """The chapter's page in the release's site (``use_directory_urls: false``)."""
    if not site_url:
        return None
    return f"{site_url.rstrip('/')}/chapters/{filename[:-3]}.html"


class ChapterReader:
    """One chapter's safe HTML into print nodes, with its figures, tables, formulas and QR codes."""

    def __init__(self, book: PrintBook, chapter_file: str, *, assets: dict[str, bytes], chapters: set[str],
                 site_url: str | None, formula: Callable[[str, bool], formulas.Formula]):
        self.book = book
        self.chapter_file = chapter_file
        self.assets = assets
        self.chapters = chapters
        self.site_url = site_url.rstrip("/") if site_url else None
        self.formula = formula
        self.footnotes: dict[str, list[Node]] = {}
        self.media_codes: list[dict] = []     # QR codes of the media the current block refers to
        self.used: set[str] = set()           # the files of the print root this chapter refers to

    def warn(self, message: str) -> None:
        self.book.warnings.append(f"{self.chapter_file}: {message}")

    def from_book(self, link: str) -> str:
        """A relative link written in this chapter (in its folder of ``chapters/``) as a path from the book's folder."""
        return posixpath.normpath(posixpath.join(posixpath.dirname(f"chapters/{self.chapter_file}"), link))

    def read(self, html: str) -> list[Node]:
        tree = html_tree(html)
        for div in _elements(tree):
            if "footnote" in classes(div):
                for li in self._find(div, "li"):
                    self.footnotes[li["a"].get("id", "")] = li["c"]
        tree = [n for n in tree if not ("footnote" in classes(n))]
        # the chapter's title is printed from its front matter: a leading h1 repeats it
        first = next((n for n in tree if not _blank(n)), None)
        if isinstance(first, dict) and first["t"] == "h1":
            tree.remove(first)
        return self.blocks(tree)

    def _find(self, node: dict, tag: str) -> list[dict]:
        out = []
        for c in _elements(node["c"]):
            if c["t"] == tag:
                out.append(c)
            out.extend(self._find(c, tag))
        return out

    # blocks ------------------------------------------------------------------
    def blocks(self, nodes: list[Node]) -> list[Node]:
        out: list[Node] = []
        nodes = [n for n in nodes if not _blank(n)]
        i = 0
        while i < len(nodes):
            node = nodes[i]
            if isinstance(node, str):
                out.append({"t": "p", "a": {}, "c": self.inlines([node])})
            elif node["t"] == "table":
                # a caption is a paragraph "表：…" right after the table, or right before it
                caption = ""
                after = nodes[i + 1] if i + 1 < len(nodes) else None
                before = out[-1] if out else None
                if isinstance(after, dict) and after["t"] == "p" and TABLE_CAPTION.match(text_of(after)):
                    caption = TABLE_CAPTION.match(text_of(after)).group(1)
                    i += 1
                elif isinstance(before, dict) and before["t"] == "p" and TABLE_CAPTION.match(text_of(before)):
                    caption = TABLE_CAPTION.match(text_of(before)).group(1)
                    out.pop()
                out.append(self.table(node, flow_text(caption).strip()))
            else:
                out.extend(self.block(node))
            if self.media_codes:          # printed right after the block that refers to them
                out.append({"t": "media-codes", "a": {}, "c": self.media_codes})
                self.media_codes = []
            i += 1
        return out

    def block(self, node: dict) -> list[Node]:
        tag, cls = node["t"], classes(node)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            level = min(int(tag[1]) + 1, 6)       # parts are level 1, chapters level 2
            return [{"t": "heading", "a": {"level": max(level, 3)}, "c": self.inlines(node["c"])}]
        if tag == "p":
            inner = [c for c in node["c"] if not _blank(c)]
            if len(inner) == 1 and isinstance(inner[0], dict) and inner[0]["t"] == "img":
                return [self.image(inner[0], figure=True)]
            return [{"t": "p", "a": {}, "c": self.inlines(node["c"])}]
        if tag == "figure":
            img = next(iter(self._find(node, "img")), None)
            cap = next((c for c in _elements(node["c"]) if c["t"] == "figcaption"), None)
            if img is not None:
                fig = self.image(img, figure=True)
                if cap is not None and fig["t"] == "figure":
                    fig["a"]["caption"] = flow_text(text_of(cap)).strip()
                return [fig]
            return self.blocks(node["c"])
        if tag == "div" and "arithmatex" in cls:
            return [self.math(text_of(node), display=True)]
        if tag == "div" and "admonition" in cls:
            return [self.admonition(node, cls - {"admonition"})]
        if tag == "details":
            return [self.admonition(node, cls)]
        if tag == "div" and "tabbed-set" in cls:
            return self.tabs(node)
        if tag == "div" and ("highlight" in cls or any(c.startswith("language-") for c in cls)):
            pre = next(iter(self._find(node, "pre")), None)
            return [self.code_block(pre if pre is not None else node, cls)]
        if tag == "pre":
            return [self.code_block(node, cls)]
        if tag in ("ul", "ol"):
            items = [self.list_item(li) for li in _elements(node["c"]) if li["t"] == "li"]
            attrs: dict[str, Any] = {}
            if tag == "ol":
                attrs["start"] = int(node["a"].get("start") or 1) if str(node["a"].get("start", "1")).isdigit() else 1
            return [{"t": tag, "a": attrs, "c": items}]
        if tag == "dl":
            items, term = [], None
            for c in _elements(node["c"]):
                if c["t"] == "dt":
                    term = self.inlines(c["c"])
                elif c["t"] == "dd":
                    items.append({"t": "term", "a": {}, "c": [{"t": "span", "a": {}, "c": term or []},
                                                             {"t": "div", "a": {}, "c": self.blocks(c["c"])}]})
                    term = None
            return [{"t": "dl", "a": {}, "c": items}]
        if tag == "blockquote":
            return [{"t": "quote", "a": {}, "c": self.blocks(node["c"])}]
        if tag == "hr":
            return [{"t": "hr", "a": {}, "c": []}]
        if tag in ("div", "section", "span"):
            return self.blocks(node["c"])
        return [{"t": "p", "a": {}, "c": self.inlines([node])}]

    def list_item(self, li: dict) -> dict:
        children = li["c"]
        if any(isinstance(c, dict) and c["t"] in ("p", "ul", "ol", "div", "pre", "table", "dl", "blockquote")
               for c in children):
            return {"t": "li", "a": {}, "c": self.blocks(children)}
        return {"t": "li", "a": {}, "c": [{"t": "p", "a": {}, "c": self.inlines(children)}]}

    def admonition(self, node: dict, kinds: set[str]) -> dict:
        kind = next(iter(sorted(kinds)), "note")
        title_node = next((c for c in _elements(node["c"])
                           if "admonition-title" in classes(c) or c["t"] == "summary"), None)
        title = flow_text(text_of(title_node)).strip() if title_node is not None else ""
        if not title or title.lower() == kind:
            title = ADMONITION_TITLES.get(kind, kind)
        rest = [c for c in node["c"] if c is not title_node]
        return {"t": "admonition", "a": {"kind": kind, "title": title}, "c": self.blocks(rest)}

    def tabs(self, node: dict) -> list[Node]:
        labels_div = next((c for c in _elements(node["c"]) if "tabbed-labels" in classes(c)), None)
        content = next((c for c in _elements(node["c"]) if "tabbed-content" in classes(c)), None)
        labels = [flow_text(text_of(lb)).strip() for lb in _elements(labels_div["c"])] if labels_div else []
        blocks = [b for b in _elements(content["c"])] if content else []
        out = []
        for i, blk in enumerate(blocks):
            out.append({"t": "tab", "a": {"label": labels[i] if i < len(labels) else ""},
                        "c": self.blocks(blk["c"])})
        return out

    def code_block(self, pre: dict, cls: set[str]) -> dict:
        code = next(iter(self._find(pre, "code")), pre)
        lang = ""
        for c in classes(code) | cls:
            if c.startswith("language-"):
                lang = c[len("language-"):]
        return {"t": "code", "a": {"lang": lang, "text": text_of(code).rstrip("\n"), "block": True}, "c": []}

    def table(self, node: dict, caption: str) -> dict:
        rows = []
        for tr in self._find(node, "tr"):
            cells = []
            for cell in _elements(tr["c"]):
                if cell["t"] not in ("td", "th"):
                    continue
                align = cell["a"].get("align") or ""
                style = cell["a"].get("style", "")
                m = re.search(r"text-align:\s*(left|right|center)", style)
                cells.append({"t": cell["t"], "a": {
                    "align": (m.group(1) if m else align) or "",
                    "colspan": int(cell["a"]["colspan"]) if str(cell["a"].get("colspan", "")).isdigit() else 1,
                    "rowspan": int(cell["a"]["rowspan"]) if str(cell["a"].get("rowspan", "")).isdigit() else 1,
                }, "c": self.inlines(cell["c"])})
            if cells:
                rows.append({"t": "tr", "a": {"header": all(c["t"] == "th" for c in cells)}, "c": cells})
        columns = max((sum(c["a"]["colspan"] for c in r["c"]) for r in rows), default=1)
        cap = next((c for c in _elements(node["c"]) if c["t"] == "caption"), None)
        if cap is not None:
            caption = flow_text(text_of(cap)).strip()
        return {"t": "table", "a": {"columns": columns, "caption": caption}, "c": rows}

    # inlines -----------------------------------------------------------------
    def inlines(self, nodes: list[Node]) -> list[Node]:
        out: list[Node] = []
        for node in nodes:
            if isinstance(node, str):
                text = flow_text(node)
                if text:
                    out.append(text)
                continue
            out.extend(self.inline(node))
        # no space at either end of a paragraph or cell
        if out and isinstance(out[0], str):
            out[0] = out[0].lstrip()
        if out and isinstance(out[-1], str):
            out[-1] = out[-1].rstrip()
        return [n for n in out if n != ""]

    def inline(self, node: dict) -> list[Node]:
        tag, cls = node["t"], classes(node)
        if tag == "a" and ("headerlink" in cls or "footnote-backref" in cls):
            return []
        if tag == "sup" and node["a"].get("id", "").startswith("fnref"):
            link = next(iter(self._find(node, "a")), None)
            target = (link["a"].get("href", "") if link else "").lstrip("#")
            note = self.footnotes.get(target)
            if note is None:
                return []
            # a footnote is one run of text at the foot of the page, its paragraphs joined by line breaks
            paragraphs = [self.inlines(n["c"]) if isinstance(n, dict) and n["t"] == "p" else self.inlines([n])
                          for n in note if not _blank(n)]
            runs: list[Node] = []
            for run in paragraphs:
                runs += ([{"t": "br", "a": {}, "c": []}] if runs else []) + run
            return [{"t": "footnote", "a": {}, "c": runs}]
        if tag == "span" and "arithmatex" in cls:
            return [self.math(text_of(node), display=False)]
        if tag == "img":
            return [self.image(node, figure=False)]
        if tag == "input" and node["a"].get("type") == "checkbox":
            return [{"t": "checkbox", "a": {"checked": "checked" in node["a"]}, "c": []}]
        if tag == "input":
            return []
        if tag == "code":
            return [{"t": "code", "a": {"lang": "", "text": text_of(node), "block": False}, "c": []}]
        if tag == "br":
            return [{"t": "br", "a": {}, "c": []}]
        if tag == "a":
            return self.link(node)
        if tag == "label" and "task-list-control" in cls:
            return self.inlines(node["c"])
        kinds = {"strong": "strong", "b": "strong", "em": "em", "i": "em", "mark": "mark", "del": "strike",
                 "s": "strike", "ins": "underline", "u": "underline", "sub": "sub", "sup": "sup", "kbd": "kbd",
                 "small": "small"}
        if tag in kinds:
            return [{"t": kinds[tag], "a": {}, "c": self.inlines(node["c"])}]
        if tag in ("p", "div", "ul", "ol", "table", "pre", "blockquote", "dl", "figure", "details"):
            return [{"t": "span", "a": {}, "c": [" "] + self.inlines([text_of(node)]) + [" "]}]
        return self.inlines(node["c"])

    def link(self, node: dict) -> list[Node]:
        href = node["a"].get("href", "")
        children = self.inlines(node["c"])
        if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I):
            return [{"t": "link", "a": {"href": href}, "c": children}]
        path = href.split("#", 1)[0]
        if not path:
            return children
        target = self.from_book(path)
        if target.startswith("chapters/") and target.endswith(".md") and target[len("chapters/"):] in self.chapters:
            return [{"t": "xref", "a": {"target": chapter_id(target[len("chapters/"):])}, "c": children}]
        if target.startswith("assets/") and posixpath.splitext(target)[1].lower() in MEDIA:
            return [self.media(target, children)]
        return children

    def media(self, asset: str, label: list[Node]) -> dict:
        if not self.site_url:
            return {"t": "span", "a": {}, "c": label}
        url = f"{self.site_url}/{asset}"
        action = "扫码收听" if posixpath.splitext(asset)[1].lower() in AUDIO else "扫码观看"
        qr = self.book.qr_file(url)
        self.used.add(qr)
        self.media_codes.append({"t": "media", "a": {"qr": qr, "short": short_address(url),
                                                     "action": action}, "c": label})
        return {"t": "span", "a": {}, "c": label}

    def image(self, node: dict, *, figure: bool) -> dict:
        src, alt = node["a"].get("src", ""), flow_text(node["a"].get("alt", "")).strip()
        target = self.from_book(src) if not re.match(r"^[a-z]+:|^//", src, re.I) else ""
        ext = posixpath.splitext(target)[1].lower()
        if target.startswith("assets/") and ext in MEDIA:
            return self.media(target, [alt] if alt else [])
        data = self.assets.get(target) if target.startswith("assets/") and ext in PRINTABLE_IMAGES else None
        if data is None:
            self.warn(f"image {src} is not in the book" if not target.startswith("assets/") or ext in PRINTABLE_IMAGES
                      else f"image {src} cannot be printed")
            missing = {"t": "missing-image", "a": {"alt": alt}, "c": []}
            return {"t": "p", "a": {}, "c": [missing]} if figure else missing
        self.book.files[target] = data
        self.used.add(target)
        return {"t": "figure" if figure else "img", "a": {"src": target, "caption": alt}, "c": []}

    def math(self, source: str, *, display: bool) -> Node:
        tex = formulas.strip_delimiters(source)
        try:
            f = self.formula(tex, display)
        except formulas.FormulaInvalid as exc:
            self.warn(str(exc))
            return {"t": "code", "a": {"lang": "", "text": tex, "block": display}, "c": []}
        # named by content: a formula repeated through the book is one image to the typesetter
        name = f"math/{hashlib.sha256(f.svg).hexdigest()[:24]}.svg"
        self.book.files[name] = f.svg
        self.used.add(name)
        return {"t": "math", "a": {"src": name, "display": display, "width": round(f.width, 4),
                                   "height": round(f.height, 4), "depth": round(f.depth, 4)}, "c": []}


# The sections of a task chapter where its sheets are printed (at the section's end).
RECORD_SECTIONS = {"记录", "任务记录", "记录表", "任务记录表", "record"}
EVALUATION_SECTIONS = {"评价", "任务评价", "评价表", "任务评价表", "考核评价", "evaluation"}
_ENUMERATION = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|\d+(?:[、.．]|\s)|[（(][一二三四五六七八九十\d]+[)）])\s*")


def _amount(value: int | float) -> str:
    return f"{value:g}"


def record_sheet(task: Task) -> dict:
    """The record sheet (记录表) as a print node: given cells printed, the others and the empty rows to fill in."""
    record = task.record
    width = len(record.columns)
    rows = [[flow_text(c).strip() for c in row] + [""] * (width - len(row)) for row in record.rows]
    return {"t": "task-record", "a": {"title": flow_text(record.title or "任务记录表"),
                                      "columns": [flow_text(c) for c in record.columns],
                                      "rows": rows, "blank": record.empty_rows}, "c": []}


def evaluation_sheet(task: Task) -> dict:
    """The evaluation sheet (评价表): criteria with their points, a column per rater, the total."""
    ev = task.evaluation
    raters = [{"label": RATER_LABELS[r] + (f"（{_amount(ev.weights[r])}%）" if ev.weights else "")} for r in ev.raters]
    weighted = "＋".join(f"{RATER_LABELS[r]}×{_amount(ev.weights[r])}%" for r in ev.raters) if ev.weights else ""
    return {"t": "task-evaluation", "a": {
        "title": flow_text(ev.title or "任务评价表"), "raters": raters,
        "criteria": [{"criterion": flow_text(c.criterion), "points": _amount(c.points)} for c in ev.criteria],
        "total": _amount(ev.total), "weighted": weighted}, "c": []}


def with_task_sheets(body: list[Node], task: Task) -> list[Node]:
    """A task chapter's body with its record and evaluation sheets.

    Each goes at the end of the chapter's 记录 (评价) section, after what the
    author wrote there, or at the end of the chapter when it has none.
    """
    body = list(body)
    for sheet, names in ((record_sheet(task) if task.record else None, RECORD_SECTIONS),
                         (evaluation_sheet(task) if task.evaluation else None, EVALUATION_SECTIONS)):
        if sheet is None:
            continue
        at = len(body)
        for i, node in enumerate(body):
            if isinstance(node, dict) and node["t"] == "heading" and \
                    _ENUMERATION.sub("", text_of(node)).strip().lower() in names:
                level = node["a"]["level"]
                at = next((j for j in range(i + 1, len(body)) if isinstance(body[j], dict)
                           and body[j]["t"] == "heading" and body[j]["a"]["level"] <= level), len(body))
                break
        body.insert(at, sheet)
    return body


class ChapterStore(Protocol):
    """Where read chapters are kept between builds (``build.pdf`` keeps them on disk)."""

    def load(self, key: str) -> dict | None: ...

    def save(self, key: str, entry: dict) -> None: ...


def print_book(lib, book, commit: str, *, site_url: str | None, meta: dict[str, Any],
               formula: Callable[[str, bool], formulas.Formula] | None = None,
               progress: Callable[[int, int, str], None] | None = None,
               store: ChapterStore | None = None, salt: str = "") -> PrintBook:
    """The book's chapters (in book.yml's order, unlisted ones last) as print data.

    With a ``store``, a chapter read before is taken from it, by a key naming
    all it depends on (its text, the book's chapter files and assets, the
    site's address and ``salt``, the code's fingerprint): after one chapter
    changed, only that one goes through Markdown and the formulas again.
    """
    out = PrintBook(meta=meta, chapters=[])
    prefix = f"books/{book.name}/"
    assets: dict[str, bytes] = {}
    for path, data in lib.snapshot(commit, prefix + "assets/").items():
        rel = path[len(prefix):]
        if not publishable(rel):
            continue
        if rel.lower().endswith(".svg"):
            data = clean_svg(data)
            if data is None:
                out.warnings.append(f"skipped asset {rel}: not a plain SVG image")
                continue
        assets[rel] = data
    names = {c.filename for c in book.chapters}
    typeset = formula or (lambda tex, display: formulas.typeset(tex, display=display))
    context = "\0".join([salt, site_url or "", lib.subtree(commit, prefix + "assets") or "", *sorted(names)])
    for i, chapter in enumerate(book.chapters):
        if progress:
            progress(i, len(book.chapters), chapter.filename)
        key = hashlib.sha256(f"{context}\0{chapter.filename}\0{chapter.body}".encode()).hexdigest()
        entry = store.load(key) if store is not None else None
        if entry is not None:
            body = entry["body"]
            out.warnings += entry["warnings"]
            for name in entry["assets"]:
                out.files[name] = assets[name]
            for name, text in entry["files"].items():
                out.files[name] = text.encode("utf-8")
            out.qr_codes.update(entry["qr_codes"])
        else:
            reader = ChapterReader(out, chapter.filename, assets=assets, chapters=names, site_url=site_url,
                                   formula=typeset)
            before = len(out.warnings)
            body = reader.read(render_markdown(chapter.body))
            if store is not None:
                store.save(key, {
                    "body": body, "warnings": out.warnings[before:],
                    "assets": sorted(n for n in reader.used if n in assets),
                    "files": {n: out.files[n].decode("utf-8") for n in sorted(reader.used) if n not in assets},
                    "qr_codes": {u: n for u, n in out.qr_codes.items() if n in reader.used},
                })
        if chapter.meta.task is not None:
            body = with_task_sheets(body, chapter.meta.task)
        url = chapter_url(site_url, chapter.filename)
        out.chapters.append(PrintChapter(chapter_id(chapter.filename), chapter.filename,
                                         flow_text(chapter.title).strip(), chapter.part,
                                         url, out.qr_file(url) if url else None, body,
                                         [flow_text(o).strip() for o in chapter.meta.objectives]))
    return out
