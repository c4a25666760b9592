"""The EPUB 3 of a book at a revision.

Built with ebooklib (package document, navigation document, NCX for older
readers) from the project's one Markdown pipeline and nh3
(``materials.rendering``), as the site and the PDF are. What a reading
system cannot take as the site has it is changed here, on the safe HTML
(lxml): math becomes MathML (latex2mathml, with the TeX as ``alttext``), so
it reflows with the text and is read aloud; content tabs are printed one
after another under their labels and collapsible notes are opened (an
e-reader has no script to switch them); a link to another chapter leads to
its file; a lone image is a numbered figure captioned with its alt text, as
in print; images are embedded, and what cannot be (an image from another
site, a type outside EPUB's core media types, a missing file) is left as its
alt text with a warning, so the book needs no network; videos and audio lead
to the release's published site. Every ``id`` is made an XML name (footnotes
are ``fn:1`` in HTML, which EPUB's XHTML refuses), and the links to it with it.

The identifier is stable for a book and version (a UUID from the library,
the book and the version, or the commit for a draft), and the modification
date is the book's last commit, so the same revision gives the same
metadata. An unchanged book is not built twice: with a ``cache_dir`` the
EPUB is kept under a key naming all it is made of.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
import posixpath
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

import latex2mathml.converter
from ebooklib import epub
from lxml import etree, html

from materials import NotFound
from materials.rendering import render_markdown

from . import formulas
from .assets import clean_svg, publishable
from .cache import PageCache
from .errors import BookNotFound
from .pdf import book_matter, edition_label
from .print_book import ADMONITION_TITLES, AUDIO, MEDIA, TABLE_CAPTION

HERE = Path(__file__).resolve().parent
# EPUB 3.2's core media types for images: others would need a fallback.
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".svg": "image/svg+xml"}
MATHML = "http://www.w3.org/1998/Math/MathML"
_NOT_NAME = re.compile(r"[^\w.\-]")

STYLE = """\
body { font-family: serif; line-height: 1.7; margin: 0 4%; }
h1, h2, h3, h4, h5, h6, .tab-label, .admonition-title, caption, figcaption { font-family: sans-serif; }
h1 { font-size: 1.6em; margin: 1em 0 0.8em; }
h2 { font-size: 1.3em; margin: 1.4em 0 0.6em; }
p { margin: 0.5em 0; text-align: justify; }
img { max-width: 100%; }
figure { margin: 1em 0; text-align: center; }
figcaption, caption { font-size: 0.9em; margin: 0.4em 0; }
table { border-collapse: collapse; margin: 1em auto; font-size: 0.9em; }
th, td { border: 1px solid #999; padding: 0.25em 0.5em; }
th { background: #eee; }
pre { white-space: pre-wrap; font-size: 0.85em; background: #f5f5f5; padding: 0.5em; }
code { font-family: monospace; }
kbd { border: 1px solid #999; border-radius: 3px; padding: 0 0.2em; font-size: 0.85em; }
.objectives, .admonition { border-left: 4px solid #1f3a93; background: #f0f3fa; padding: 0.4em 0.8em; margin: 1em 0; }
.admonition.warning, .admonition.caution, .admonition.danger { border-color: #e65100; background: #fff4e5; }
.objectives-title, .admonition-title { font-weight: bold; margin: 0.2em 0; }
.tab-label { font-weight: bold; color: #1f3a93; border-bottom: 2px solid #1f3a93; display: inline-block; }
.math { text-align: center; margin: 0.8em 0; }
.missing-image { color: #666; }
.task-list { list-style: none; }
.footnote { font-size: 0.9em; }
.title-page { text-align: center; margin-top: 20%; }
.title-page .title { font-size: 2em; font-weight: bold; }
.edition th { text-align: left; white-space: nowrap; }
"""


@dataclass
class EpubResult:
    path: Path
    key: str
    duration: float
    identifier: str
    skipped: bool = False
    warnings: list[str] = field(default_factory=list)


Progress = Callable[[int, int, str], None]


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """This code, the Markdown pipeline and the libraries' versions."""
    h = hashlib.sha256()
    for name in ("ebooklib", "latex2mathml", "lxml", "markdown", "pymdown-extensions", "nh3"):
        h.update(f"{name} {importlib.metadata.version(name)}\n".encode())
    for path in (HERE / "epub.py", HERE / "print_book.py", HERE / "assets.py",
                 HERE.parent / "materials" / "rendering.py"):
        h.update(path.read_bytes())
    return h.hexdigest()


def epub_key(lib, book: str, commit: str, *, version: str, site_url: str | None) -> str:
    tree = lib.subtree(commit, f"books/{book}")
    if not tree:
        raise BookNotFound(f"no book '{book}' at {commit}", book=book, rev=commit)
    parts = [tree, lib.subtree(commit, "standards") or "", lib.files(commit, "library.yml").get("library.yml", ""),
             version, site_url or "", code_fingerprint()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def book_identifier(library: str, book: str, version: str, commit: str) -> str:
    """``urn:uuid:…``, the same for every build of one version of a book (of a commit, for a draft)."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"jointbook:{library}/{book}/{version or commit}"))


def xml_id(value: str) -> str:
    """``value`` as an XML name (letters, digits, ``._-``; not starting with a digit, ``.`` or ``-``)."""
    value = _NOT_NAME.sub("-", value) or "_"
    return value if re.match(r"[^\W\d]", value) else "_" + value


def chapter_file(filename: str) -> str:
    return f"chapters/{filename[:-3]}.xhtml"


# -- one chapter ---------------------------------------------------------------

class ChapterWriter:
    """One chapter's safe HTML made EPUB's XHTML body (see the module's docstring)."""

    def __init__(self, number: int, filename: str, *, chapters: set[str], assets: dict[str, bytes],
                 site_url: str | None, chinese: bool, warnings: list[str]):
        self.number = number
        self.filename = filename
        self.chapters = chapters
        self.assets = assets
        self.site_url = site_url.rstrip("/") if site_url else None
        self.chinese = chinese
        self.warnings = warnings
        self.used: set[str] = set()
        self.math = False
        self.figures = 0
        self.tables = 0

    def warn(self, message: str) -> None:
        self.warnings.append(f"{self.filename}: {message}")

    def body(self, title: str, objectives: tuple[str, ...], source: str) -> str:
        root = html.fragment_fromstring(render_markdown(source) or "<p></p>", create_parent="div")
        first = next(iter(root), None)
        if first is not None and first.tag == "h1":
            self._drop(first)
        for node in root.xpath('.//a[contains(concat(" ", @class, " "), " headerlink ")]'):
            self._drop(node)
        for node in root.xpath('.//div[contains(concat(" ", @class, " "), " tabbed-set ")]'):
            self._tabs(node)
        for node in root.xpath(".//details"):
            self._details(node)
        for node in root.xpath('.//p[contains(concat(" ", @class, " "), " admonition-title ")]'):
            kind = (node.getparent().get("class") or "").replace("admonition", "").split()
            if kind and self.chinese and node.text_content().strip().lower() == kind[0]:
                node.text = ADMONITION_TITLES.get(kind[0], node.text)
                for child in list(node):
                    node.remove(child)
        for node in root.xpath('.//*[contains(concat(" ", @class, " "), " arithmatex ")]'):
            self._formula(node)
        for node in root.xpath(".//table"):
            self._table(node)
        for node in root.xpath(".//img"):
            self._image(node)
        for node in root.xpath(".//a[@href]"):
            self._link(node)
        for node in root.xpath(".//*[not(ancestor-or-self::math)]"):
            if node.get("id"):
                node.set("id", xml_id(node.get("id")))
            for name in ("align", "data-tabs") + (() if node.tag == "input" else ("name",)):
                node.attrib.pop(name, None)
        parts = [f"<h1>{_escape(title)}</h1>"]
        if objectives:
            label = "学习目标" if self.chinese else "Objectives"
            parts.append(f'<div class="objectives"><p class="objectives-title">{label}</p><ul>'
                         + "".join(f"<li>{_escape(o)}</li>" for o in objectives) + "</ul></div>")
        if root.text and root.text.strip():
            parts.append(f"<p>{_escape(root.text)}</p>")
        parts += [html.tostring(child, encoding="unicode") for child in root]
        return "\n".join(parts)

    @staticmethod
    def _drop(node) -> None:
        """Remove ``node`` but keep the text that follows it."""
        parent = node.getparent()
        if node.tail:
            prev = node.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + node.tail
            else:
                parent.text = (parent.text or "") + node.tail
        parent.remove(node)

    @staticmethod
    def _unwrap(node) -> None:
        """Replace ``node`` by its content."""
        parent = node.getparent()
        index = parent.index(node)
        prev = node.getprevious()
        text = (node.text or "")
        if prev is not None:
            prev.tail = (prev.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        children = list(node)
        for offset, child in enumerate(children):
            parent.insert(index + offset, child)
        last = children[-1] if children else node.getprevious()
        if node.tail:
            if last is not None and last is not node:
                last.tail = (last.tail or "") + node.tail
            else:
                parent.text = (parent.text or "") + node.tail
        parent.remove(node)

    def _tabs(self, node) -> None:
        labels = [lb.text_content().strip() for lb in node.xpath('./div[contains(@class, "tabbed-labels")]/label')]
        blocks = node.xpath('./div[contains(@class, "tabbed-content")]/div')
        replacement = etree.Element("div", {"class": "tabs"})
        for i, block in enumerate(blocks):
            tab = etree.SubElement(replacement, "div", {"class": "tab"})
            label = etree.SubElement(tab, "p", {"class": "tab-label"})
            label.text = labels[i] if i < len(labels) else ""
            tab.extend(list(block))
        replacement.tail = node.tail
        node.getparent().replace(node, replacement)

    def _details(self, node) -> None:
        summary = node.find("summary")
        kind = (node.get("class") or "note").split()[0]
        node.tag = "div"
        node.set("class", f"admonition {kind}")
        if "open" in node.attrib:
            del node.attrib["open"]
        if summary is not None:
            summary.tag = "p"
            summary.set("class", "admonition-title")

    def _formula(self, node) -> None:
        display = node.tag == "div"
        tex = formulas.strip_delimiters(node.text_content())
        try:
            mathml = latex2mathml.converter.convert(tex, display="block" if display else "inline")
            element = etree.fromstring(mathml)
        except Exception as exc:  # latex2mathml raises many kinds on TeX it cannot read
            self.warn(f"cannot write {tex!r} as MathML: {exc}")
            code = html.Element("code")
            code.text = tex
            code.tail = node.tail
            node.getparent().replace(node, code)
            return
        element.set("alttext", tex)
        # as HTML, the way ebooklib reads a chapter's body (its empty elements written open and closed)
        math = html.fragment_fromstring(etree.tostring(element, method="html", encoding="unicode"))
        self.math = True
        if display:
            wrapper = html.Element("div", {"class": "math"})
            wrapper.append(math)
            wrapper.tail = node.tail
            node.getparent().replace(node, wrapper)
        else:
            math.tail = node.tail
            node.getparent().replace(node, math)

    def _table(self, node) -> None:
        for cell in node.xpath(".//th[@align] | .//td[@align]"):
            cell.set("style", f"text-align: {cell.get('align')}")
        caption = None
        for sibling in (node.getnext(), node.getprevious()):
            if sibling is not None and sibling.tag == "p" and TABLE_CAPTION.match(sibling.text_content()):
                caption = TABLE_CAPTION.match(sibling.text_content()).group(1).strip()
                self._drop(sibling)
                break
        self.tables += 1             # numbered as in print, captioned or not
        if node.find("caption") is None and (caption or self.chinese):
            element = html.Element("caption")
            element.text = f"表 {self.number}-{self.tables}" + (f"　{caption}" if caption else "") \
                if self.chinese else caption
            node.insert(0, element)

    def _from_book(self, link: str) -> str:
        """A relative link written in this chapter as a path from the book's folder (``assets/x.png``)."""
        return posixpath.normpath(posixpath.join(posixpath.dirname(f"chapters/{self.filename}"), unquote(link)))

    def _from_here(self, path: str) -> str:
        """A path from the book's folder as a link from this chapter's page, in its folder."""
        return posixpath.relpath(path, posixpath.dirname(chapter_file(self.filename)))

    def _image(self, node) -> None:
        src, alt = node.get("src", ""), (node.get("alt") or "").strip()
        target = self._from_book(src) \
            if not re.match(r"^[a-z][a-z0-9+.-]*:|^//", src, re.I) else ""
        ext = posixpath.splitext(target)[1].lower()
        if target.startswith("assets/") and ext in MEDIA:
            link = html.Element("a", {"href": src})
            link.text = alt or posixpath.basename(target)
            link.tail = node.tail
            node.getparent().replace(node, link)        # handled as a link to media below
            return
        if target in self.assets and ext in IMAGE_TYPES:
            self.used.add(target)
            node.set("src", self._from_here(target))
            node.set("alt", alt)
            parent = node.getparent()
            lone = parent.tag == "p" and len(parent) == 1 and not (parent.text or "").strip() \
                and not (node.tail or "").strip()
            if lone:
                self.figures += 1
                figure = html.Element("figure")
                figure.append(html.Element("img", dict(node.attrib)))
                if alt:
                    caption = html.Element("figcaption")
                    caption.text = f"图 {self.number}-{self.figures}　{alt}" if self.chinese else alt
                    figure.append(caption)
                figure.tail = parent.tail
                parent.getparent().replace(parent, figure)
            return
        if not target:
            self.warn(f"image {src} is on another site: not embedded")
        elif target.startswith("assets/") and ext not in IMAGE_TYPES and target in self.assets:
            self.warn(f"image {src} is not of a type every reading system shows (PNG, JPEG, GIF, SVG)")
        else:
            self.warn(f"image {src} is not in the book")
        span = html.Element("span", {"class": "missing-image"})
        span.text = f"［{'图片' if self.chinese else 'image'}：{alt}］" if alt else f"［{'图片' if self.chinese else 'image'}］"
        span.tail = node.tail
        node.getparent().replace(node, span)

    def _link(self, node) -> None:
        href = node.get("href", "")
        if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I):
            if not href.lower().startswith(("http:", "https:", "mailto:")):
                self._unwrap(node)
            return
        path, _, fragment = href.partition("#")
        if not path:
            node.set("href", "#" + xml_id(fragment) if fragment else "#")
            return
        target = self._from_book(path)
        name = target[len("chapters/"):]
        if target.startswith("chapters/") and name in self.chapters:
            node.set("href", self._from_here(chapter_file(name)) + (f"#{xml_id(fragment)}" if fragment else ""))
            return
        ext = posixpath.splitext(target)[1].lower()
        if target.startswith("assets/") and ext in MEDIA and self.site_url:
            node.set("href", f"{self.site_url}/{target}")
            node.set("class", "media audio" if ext in AUDIO else "media video")
            return
        self._unwrap(node)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- the book ------------------------------------------------------------------

def build_epub(lib, book: str, rev: str, out_path: str | Path, *, version: str = "", site_url: str | None = None,
               cache_dir: str | Path | None = None, force: bool = False,
               progress: Progress | None = None) -> EpubResult:
    """Write ``book`` at ``rev`` as EPUB 3 into ``out_path`` (replaced only when the EPUB is complete).

    ``site_url`` is the release's published site: links to videos and audio
    lead there (without it they are left as text).
    """
    started = time.monotonic()
    out_path = Path(out_path)
    commit = lib.resolve(rev)
    try:
        the_book = lib.book(book, commit)
    except NotFound:
        raise BookNotFound(f"no book '{book}' at {rev}", book=book, rev=rev) from None
    config = the_book.config
    try:
        library_name = lib.library_config(commit).name
    except Exception:  # an unreadable library.yml: the identifier is still per book and version
        library_name = ""
    identifier = book_identifier(library_name, book, version, commit)
    key = epub_key(lib, book, commit, version=version, site_url=site_url)
    store = PageCache(Path(cache_dir) / "epub", suffix=".epub") if cache_dir is not None else None
    if store is not None and not force:
        entry = store.load(key)
        if entry is not None:
            store.copy_to(key, out_path)
            return EpubResult(out_path, key, time.monotonic() - started, identifier, skipped=True,
                              warnings=entry.get("warnings", []))

    warnings: list[str] = []
    language = config.language
    chinese = language.lower().startswith("zh")
    prefix = f"books/{book}/"
    assets: dict[str, bytes] = {}
    for path, data in lib.snapshot(commit, prefix + "assets/").items():
        rel = path[len(prefix):]
        if not publishable(rel):
            continue
        if rel.lower().endswith(".svg"):
            data = clean_svg(data)
            if data is None:
                warnings.append(f"skipped asset {rel}: not a plain SVG image")
                continue
        assets[rel] = data
    history = lib.log(commit, f"books/{book}", limit=1, follow=False)
    when = history[0].authored_at if history else None
    meta = book_matter(lib, the_book, commit, version=version, site_url=site_url, paper="16k", key=key)

    out = epub.EpubBook()
    out.set_identifier(identifier)
    out.set_title(config.title)
    out.set_language(language)
    for i, editor in enumerate(config.editors):
        uid = f"editor-{i + 1}"
        if editor["role"] == "主编":
            out.add_author(editor["name"], role="edt", uid=uid)
        else:
            out.add_metadata("DC", "contributor", editor["name"], {"id": uid})
            out.add_metadata(None, "meta", "edt", {"refines": f"#{uid}", "property": "role",
                                                   "scheme": "marc:relators"})
    for institution in config.institutions:
        out.add_metadata("DC", "publisher", institution["name"])
    out.add_metadata("DC", "rights", config.license)
    if config.description:
        out.add_metadata("DC", "description", config.description)
    if when is not None:
        out.add_metadata("DC", "date", when.date().isoformat())
    style = epub.EpubItem(uid="style", file_name="style.css", media_type="text/css", content=STYLE.encode())
    out.add_item(style)

    def page(uid: str, file_name: str, title: str, content: str):
        item = epub.EpubHtml(uid=uid, title=title, file_name=file_name, lang=language)
        item.content = content
        item.add_link(href=posixpath.relpath(style.file_name, posixpath.dirname(file_name) or "."), rel="stylesheet",
                      type="text/css")
        out.add_item(item)
        return item

    title_page = page("title-page", "title.xhtml", config.title, "".join([
        '<div class="title-page">',
        f'<p class="title">{_escape(config.title)}</p>',
        f"<p>{_escape(config.subtitle)}</p>" if config.subtitle else "",
        f"<p>{_escape(edition_label(config.edition))}</p>",
        *[f"<p>{_escape(e['role'])}　{_escape(e['name'])}"
          + (f"（{_escape(e['side_label'])}）" if e["side_label"] else "") + "</p>" for e in meta["editors"]],
        *[f"<p>{_escape(i['name'])}</p>" for i in meta["institutions"]],
        "</div>"]))
    edition_title = "版权信息" if chinese else "Edition"
    edition_page = page("edition", "edition.xhtml", edition_title, "".join([
        f"<h1>{edition_title}</h1>", '<table class="edition">',
        *[f"<tr><th>{_escape(f['label'])}</th><td>{_escape(f['value'])}</td></tr>" for f in meta["facts"]],
        *[f"<tr><th>{'对标标准' if chinese else 'Standard'}</th><td>{_escape(s['title'])}（{_escape(s['id'])}）</td></tr>"
          for s in meta["standards"]],
        "</table>"]))

    names = {c.filename for c in the_book.chapters}
    used: set[str] = set()
    items = []
    toc: list = []
    part_of: dict[str | None, list] = {}
    for number, chapter in enumerate(the_book.chapters, start=1):
        if progress:
            progress(number - 1, len(the_book.chapters) + 1, chapter.filename)
        writer = ChapterWriter(number, chapter.filename, chapters=names, assets=assets, site_url=site_url,
                               chinese=chinese, warnings=warnings)
        item = page(f"chapter-{number}", chapter_file(chapter.filename), chapter.title,
                    writer.body(chapter.title, chapter.meta.objectives, chapter.body))
        if writer.math:
            item.properties.append("mathml")
        used |= writer.used
        items.append(item)
        link = epub.Link(chapter_file(chapter.filename), chapter.title, f"toc-{number}")
        if chapter.part:
            if chapter.part not in part_of:
                part_of[chapter.part] = []
                toc.append((epub.Section(chapter.part), part_of[chapter.part]))
            part_of[chapter.part].append(link)
        else:
            toc.append(link)
    for number, name in enumerate(sorted(used), start=1):
        ext = posixpath.splitext(name)[1].lower()
        out.add_item(epub.EpubItem(uid=f"asset-{number}", file_name=name, media_type=IMAGE_TYPES[ext],
                                   content=assets[name]))
    out.toc = [epub.Link("title.xhtml", config.title, "toc-title"), epub.Link("edition.xhtml", edition_title,
                                                                              "toc-edition"), *toc]
    out.add_item(epub.EpubNcx())
    nav = epub.EpubNav(title="目录" if chinese else "Contents")
    nav.add_item(style)
    out.add_item(nav)
    out.spine = [title_page, edition_page, nav, *items]

    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".epub-") as tmp:
        built = Path(tmp) / "book.epub"
        options = {"epub3_pages": False, "epub2_guide": False, "epub3_landmark": False, "raise_exceptions": True}
        if when is not None:
            options["mtime"] = when.astimezone(timezone.utc)
        epub.write_epub(str(built), out, options)
        if store is not None:
            store.store(key, built, {"warnings": warnings, "book": book, "commit": commit, "version": version})
        tmp_out = out_path.with_name(f".{out_path.name}.{os.getpid()}")
        shutil.copyfile(built, tmp_out)
        os.replace(tmp_out, out_path)
    if progress:
        progress(len(the_book.chapters) + 1, len(the_book.chapters) + 1, "done")
    return EpubResult(out_path, key, time.monotonic() - started, identifier, warnings=warnings)
