"""Pandoc's tree of a Word document, dealt out into a book's chapters.

One walk over the tree: paragraph styles become headings (by name, by the
style they are based on, or by outline level), admonitions (警告, 注意, 提示,
Note, Tip…) and list levels (List Bullet 2 inside List Bullet); numbered
headings that pandoc took for list items become headings again; pictures
become the book's images; a numbered list interrupted by a picture goes on
numbering; and the top-level blocks go to one chapter per heading of the
split level, those above it naming parts. Everything found goes to the
report, with its place in the document.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, replace

from ..errors import MaterialsError
from ..frontmatter import MAX_TITLE
from ..paths import asset_name, book_file_path, fold
from ..svg import clean_svg
from . import dialect
from .docx_package import DocxPackage, paragraph_key
from .report import CARRIED, CHANGED, LOST, ImportReport, Place

BROWSER_IMAGES = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "gif": "gif", "svg": "svg", "webp": "webp"}
# Paragraph styles that become admonitions: the start of the style's name (any case), and the kind.
ADMONITION_STYLES = (
    ("危险", "danger"), ("danger", "danger"),
    ("警告", "warning"), ("warning", "warning"), ("caution", "warning"), ("小心", "warning"),
    ("注意", "note"), ("note", "note"), ("备注", "note"),
    ("提示", "tip"), ("tip", "tip"), ("hint", "tip"), ("小贴士", "tip"), ("技巧", "tip"),
    ("重要", "info"), ("important", "info"), ("说明", "info"),
    ("示例", "example"), ("example", "example"), ("例题", "example"),
)
# Styles that carry no meaning of their own: their paragraphs come over as plain paragraphs, unreported.
_PLAIN_STYLES = re.compile(
    r"^(normal|default|body ?text.*|text ?body|first paragraph|compact|list.*|plain text|normal \(web\)|"
    r"正文.*|普通.*|table.*|表格.*|footnote.*|脚注.*|caption|题注|block ?text|index.*|"
    r"heading.*|标题.*|title|subtitle|quote|intense quote|source code|annotation text|no spacing|无间隔|"
    r"hyperlink|strong|emphasis|.* char)$", re.I)
_TOC_STYLES = re.compile(r"^(toc ?\d|toc ?heading|目录 ?\d?|contents ?\d|contents heading|index heading)$", re.I)
_LIST_LEVEL_NAME = re.compile(r"^list (?:bullet|number|paragraph|continue)?\s*([2-9])$|^列表(?:项目符号|编号)\s*([2-9])$", re.I)
_LETTERED = {"LowerAlpha", "UpperAlpha", "LowerRoman", "UpperRoman"}


@dataclass
class DraftChapter:
    number: int
    title: str
    filename: str
    path: str
    part: str
    blocks: list = field(default_factory=list)
    images: list = field(default_factory=list)
    image_count: int = 0


class ChapterReader:
    """Walks pandoc's tree once: styles become headings, admonitions and list levels, pictures become
    the book's images, and the top-level blocks are dealt out to chapters; every finding goes to the report."""

    def __init__(self, book: str, package: DocxPackage, report: ImportReport, split_level: int, title: str,
                 language: str, taken: set[str], first_number: int):
        self.book, self.package, self.report = book, package, report
        self.split_level, self.title, self.language = split_level, title, language
        self.taken, self.number = taken, first_number - 1
        self.drafts: list[DraftChapter] = []
        self.chapter: DraftChapter | None = None
        self.part = title
        self.images: dict[str, tuple[str, bytes, str]] = {}  # by media path: (repository path, bytes, alt)
        self.image_paths: dict[str, str] = {}       # media path → repository path
        self.occurrences: dict[str, int] = defaultdict(int)
        self.place = Place()
        self.heading: str | None = None
        self.paragraph = 0
        self.headings_here = True    # headings may be found here (not in tables, notes, nested lists)
        self.in_note = False
        self.styles_kept: dict[str, Place] = {}
        self.headings_found: dict[tuple, list] = {}  # (code, style, level) → [first place, count]
        self.toc_dropped = False
        self.footnotes = 0

    # -- top level: chapters and parts ----------------------------------------
    def read(self, blocks: list) -> list[DraftChapter]:
        pending: list = []
        for block in blocks:
            self.paragraph += 1
            self.place = Place(self.heading, self.paragraph, _excerpt(block), self._chapter_name())
            first_entry = len(self.report.entries)
            for out in self.block(block):
                if out["t"] == "Header":
                    level, text = out["c"][0], dialect.stringify(out["c"][2]).strip()
                    if level <= self.split_level:
                        self._close(pending)
                        pending = []
                        if level == self.split_level:
                            self._open(text, out["c"][2])
                            for entry in [e for e in self.report.entries[first_entry:] if e.code == "footnote"]:
                                self._forget(entry)  # a title has no footnotes: reported as lost instead
                        else:
                            self.part = clean_title(text) or self.part
                            self.chapter = None
                            self.report.add(CARRIED, "part", f"heading “{text}” became a part of the book",
                                            self.place, title=text)
                        self.heading = text
                        self._relocate(first_entry)
                        continue
                    self.heading = text
                    out = {"t": "Header", "c": [min(6, level - self.split_level + 1), out["c"][1], out["c"][2]]}
                if self.chapter is None:
                    self._open(self.part, None, before_heading=True)
                    self._relocate(first_entry)
                out["place"] = self.place  # for what joining it to its neighbours reports
                pending.append(out)
            self._relocate(first_entry)  # a picture may have opened the first chapter on its way
        self._close(pending)
        return self.drafts

    def _chapter_name(self) -> str | None:
        return self.chapter.filename if self.chapter else None

    def _relocate(self, first_entry: int) -> None:
        """Entries of the block just read name the chapter it went to."""
        name = self._chapter_name()
        for i in range(first_entry, len(self.report.entries)):
            entry = self.report.entries[i]
            if entry.place is not None and entry.place.chapter != name:
                self.report.entries[i] = replace(entry, place=replace(entry.place, chapter=name))
        self._place_in(name)

    def _place_in(self, chapter: str | None) -> None:
        """The current place, and what was found there and is reported later, name ``chapter``."""
        old, self.place = self.place, replace(self.place, chapter=chapter)
        for found in self.headings_found.values():
            if found[0] is old:
                found[0] = self.place
        for style, place in self.styles_kept.items():
            if place is old:
                self.styles_kept[style] = self.place

    def _open(self, text: str, inlines: list | None, *, before_heading: bool = False) -> None:
        self.number += 1
        title = clean_title(text)
        if not title:
            title = f"第 {self.number} 章" if self.language.startswith("zh") else f"Chapter {self.number}"
        if len(title) > MAX_TITLE:
            self.report.add(CHANGED, "title.shortened", f"the chapter title was shortened to {MAX_TITLE} characters",
                            self.place, limit=MAX_TITLE)
            title = title[:MAX_TITLE].rstrip()
        if inlines and any(x["t"] == "Note" for x in _walk_inlines(inlines)):
            self.report.add(LOST, "footnote.in_title", "a footnote in a chapter title was left out", self.place)
        filename = self._filename(title)
        self.chapter = DraftChapter(self.number, title, filename, f"books/{self.book}/chapters/{filename}", self.part)
        self.drafts.append(self.chapter)
        self._place_in(filename)
        if before_heading:
            self.report.add(CHANGED, "chapter.untitled",
                            f"text without a heading of level {self.split_level} above it became the chapter “{title}”",
                            self.place, title=title, level=self.split_level)
        else:
            self.report.add(CARRIED, "chapter", f"chapter “{title}” ({filename})", self.place, title=title,
                            filename=filename)

    def _filename(self, title: str) -> str:
        ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
        words = re.findall(r"[a-z0-9]+", ascii_title)
        slug = "-".join(w for w in words if re.search("[a-z]", w))[:40].strip("-") or "chapter"
        stem = f"{self.number:02d}-{slug}"
        candidate, n = f"{stem}.md", 1
        while fold(f"books/{self.book}/chapters/{candidate}") in self.taken:
            n += 1
            candidate = f"{stem}-{n}.md"
        path = book_file_path(self.book, f"books/{self.book}/chapters/{candidate}")
        self.taken.add(fold(path))
        return candidate

    def _close(self, pending: list) -> None:
        if self.chapter is not None and pending:
            self.chapter.blocks.extend(self.join(pending))

    def finish(self) -> None:
        """The entries that concern the whole document, or many places of it."""
        for (code, style, level), (place, count) in self.headings_found.items():
            what = f"paragraphs of the style “{style}”" if style else f"paragraphs with outline level {level}"
            self.report.add(CHANGED, code, f"{what} became headings of level {level} ({count})", place,
                            **({"style": style} if style else {}), level=level, count=count)
        for style, place in self.styles_kept.items():
            self.report.add(CHANGED, "style.plain", f"paragraph style “{style}” came over as plain paragraphs",
                            place, style=style)
        if self.toc_dropped:
            self.report.add(CHANGED, "toc", "the table of contents was left out: the book's site makes its own")
        if self.package.tracked_changes:
            self.report.add(CHANGED, "tracked_changes", "tracked changes were accepted",
                            count=self.package.tracked_changes)
        if self.package.comments:
            self.report.add(LOST, "comments", f"{self.package.comments} comment(s) did not come over",
                            count=self.package.comments)
        if self.package.page_furniture:
            self.report.add(LOST, "page_headers", "page headers and footers did not come over")
        self.report.add(LOST, "formatting", "fonts, colours, sizes and page layout did not come over: "
                                            "the book's theme sets them")
        # in the order of the document: joining neighbours reports when a chapter is complete
        self.report.entries.sort(key=lambda e: (e.place is None or e.place.paragraph is None,
                                                e.place.paragraph if e.place and e.place.paragraph else 0))

    # -- blocks -----------------------------------------------------------------
    def blocks(self, blocks: list) -> list:
        out = []
        for block in blocks:
            out.extend(self.block(block))
        return self.join(out)

    def block(self, block: dict) -> list:
        t, c = block["t"], block.get("c")
        if t in ("Para", "Plain"):
            level = self._outline_level(c)
            inlines = self.inlines(c)
            if level is not None:
                return [{"t": "Header", "c": [level, ["", [], []], inlines]}]
            return [{"t": t, "c": inlines}] if inlines else []
        if t == "Header":
            level, attr, inlines = c
            if any(_TOC_STYLES.match(cls.replace("-", " ")) for cls in attr[1]):
                self.toc_dropped = True
                return []
            self._outline_level(inlines, report=False)  # counts the paragraph, as the document's XML does
            return [{"t": "Header", "c": [level, ["", [], []], self.inlines(inlines)]}]
        if t == "Div":
            return self.styled(_custom_style(c[0]), c[1])
        if t in ("BulletList", "OrderedList"):
            return self.list_(block)
        if t == "Table":
            return self.table(block)
        if t == "Figure":
            _attr, caption, content = c
            return self.blocks(content) + self.blocks(caption[1] if caption else [])
        if t == "BlockQuote":
            return [{"t": t, "c": self.nested(c)}]
        if t == "CodeBlock":
            return [{"t": t, "c": [["", [], []], c[1]]}]
        if t == "LineBlock":
            return [{"t": t, "c": [self.inlines(line) for line in c]}]
        if t == "DefinitionList":
            return [{"t": t, "c": [[self.inlines(term), [self.nested(d) for d in defs]] for term, defs in c]}]
        if t == "HorizontalRule":
            return [block]
        return []

    def nested(self, blocks: list) -> list:
        """Blocks inside another (a table cell, a quote, a nested list): no chapter headings there."""
        here, self.headings_here = self.headings_here, False
        try:
            return self.blocks(blocks)
        finally:
            self.headings_here = here

    def styled(self, style: str | None, blocks: list) -> list:
        """The blocks of a paragraph style pandoc kept (``docx+styles``): heading, admonition, or plain."""
        if style is None:
            return self.blocks(blocks)
        name = style.strip()
        if _TOC_STYLES.match(name):
            self.toc_dropped = True
            for b in blocks:  # the entries of a table of contents still count as paragraphs
                if b["t"] in ("Para", "Plain"):
                    self._outline_level(b["c"], report=False)
            return []
        level = self.package.heading_level_of_style(name)
        if level is not None and self.headings_here and len(blocks) == 1 and blocks[0]["t"] in ("Para", "Plain"):
            self._outline_level(blocks[0]["c"], report=False)
            self._heading_found("heading.style", name, level)
            return [{"t": "Header", "c": [level, ["", [], []], self.inlines(blocks[0]["c"])]}]
        kind = _admonition(name)
        if kind is not None and not self.in_note:
            inner = self.nested(blocks)
            _drop_label(inner, name)
            entry = self.report.add(CARRIED, "admonition", f"“{name}” paragraphs became a “{kind}” admonition",
                                    self.place, style=name, kind=kind)
            return [{"t": "Admonition", "c": [kind, name, inner], "entry": entry}]
        out = self.blocks(blocks)
        if not _PLAIN_STYLES.match(name) and not _LIST_LEVEL_NAME.match(name) and name not in self.styles_kept \
                and not all(b["t"] == "Header" for b in out):
            self.styles_kept[name] = self.place
        return out

    def list_(self, block: dict) -> list:
        """A list, with its items' nesting; numbered headings that pandoc took for list items become headings."""
        t, c = block["t"], block["c"]
        items = c if t == "BulletList" else c[1]
        style = _first_style(items)
        match = _LIST_LEVEL_NAME.match(style or "")
        level = int(match.group(1) or match.group(2)) - 1 if match else 0
        attrs = c[0] if t == "OrderedList" else None
        if attrs and attrs[1]["t"] in _LETTERED and not any(
                e.code == "list.numbering" and e.place == self.place for e in self.report.entries[-5:]):
            self.report.add(CHANGED, "list.numbering", "a list numbered with letters or Roman numerals is "
                                                       "numbered 1, 2, 3 in the book", self.place,
                            style=attrs[1]["t"])
        top = self.headings_here
        out: list = []
        run: list = []

        def flush():
            nonlocal run
            if run:
                out.append({"t": t, "c": run if t == "BulletList" else [[attrs[0], attrs[1], attrs[2]], run],
                            "level": level})
                run = []

        for item in items:
            if top and self._is_heading_item(item):
                flush()
                out.extend(self.blocks(item))
                continue
            here, self.headings_here = self.headings_here, False
            try:
                run.append(self.blocks(item))
            finally:
                self.headings_here = here
        flush()
        return out

    def _is_heading_item(self, item: list) -> bool:
        """A list item that is one outlined paragraph (a heading numbered by its style, as LibreOffice writes)."""
        blocks = item
        while len(blocks) == 1 and blocks[0]["t"] == "Div":
            blocks = blocks[0]["c"][1]
        if len(blocks) != 1 or blocks[0]["t"] not in ("Para", "Plain"):
            return False
        key = paragraph_key(dialect.stringify(blocks[0]["c"]))
        return (self.occurrences[key] + 1) in self.package.outlined.get(key, {})

    def table(self, block: dict) -> list:
        attr, caption, specs, head, bodies, foot = block["c"]

        def rows(rows):
            return [[row[0], [[cell[0], cell[1], cell[2], cell[3], self.nested(cell[4])] for cell in row[1]]]
                    for row in rows]

        caption_blocks = self.nested(caption[1]) if caption and len(caption) > 1 else []
        table = {"t": "Table", "c": [attr, [caption[0] if caption else None, caption_blocks], specs,
                                     [head[0], rows(head[1])],
                                     [[b[0], b[1], rows(b[2]), rows(b[3])] for b in bodies], [foot[0], rows(foot[1])]]}
        size = f"{len(specs)} columns"
        if dialect.is_pipe_table(table):
            self.report.add(CARRIED, "table", f"table ({size})", self.place, columns=len(specs))
        else:
            merged = any(cell[2] > 1 or cell[3] > 1 for row in _table_rows(table) for cell in row[1])
            why = "merged cells" if merged else \
                "cells a Markdown table cannot hold (paragraphs, line breaks, footnotes)"
            self.report.add(CHANGED, "table.html", f"table ({size}) with {why}: written as an HTML table",
                            self.place, columns=len(specs), merged=merged)
        return [table]

    def join(self, blocks: list) -> list:
        """Neighbouring blocks that belong together: one admonition of the same style's paragraphs, lists of
        deeper list styles (List Bullet 2) inside the list above, and numbering continued after text."""
        out: list = []
        for block in blocks:
            prev = out[-1] if out else None
            if prev and block["t"] == "Admonition" and prev["t"] == "Admonition" \
                    and prev["c"][:2] == block["c"][:2]:
                prev["c"][2].extend(block["c"][2])
                self._forget(block["entry"])
                continue
            if prev and block.get("level", 0) > 0 and _is_list(prev) and prev.get("level", 0) < block["level"]:
                target = prev
                while True:
                    items = _items(target)
                    last = items[-1] if items else None
                    deeper = last[-1] if last and _is_list(last[-1]) else None
                    if deeper is None or deeper.get("level", 0) >= block["level"]:
                        break
                    target = deeper
                _items(target)[-1].append(block)
                continue
            if block["t"] == "OrderedList" and block["c"][0][0] > 1 and self._continue_numbering(out, block):
                continue
            if block["t"] == "OrderedList" and block["c"][0][0] > 1:
                self.report.add(CHANGED, "list.start", f"a numbered list that starts at {block['c'][0][0]} "
                                                       "is numbered from 1 in the book",
                                block.get("place", self.place), start=block["c"][0][0])
            out.append(block)
        return out

    def _forget(self, entry) -> None:
        """Take back an entry: the second paragraph of an admonition is not a second admonition."""
        for i, other in enumerate(self.report.entries):
            if other is entry:
                del self.report.entries[i]
                return

    def _continue_numbering(self, out: list, block: dict) -> bool:
        """Steps 1–2, a picture, steps 3–4: the picture goes into step 2 so the numbering goes on."""
        start = block["c"][0][0]
        for back in range(1, min(len(out), 4) + 1):
            prev = out[-back]
            if prev["t"] == "OrderedList":
                if prev["c"][0][0] + len(prev["c"][1]) != start:
                    return False
                between = out[len(out) - back + 1:]
                if any(b["t"] in ("Header", "Table", "Admonition") or _is_list(b) for b in between):
                    return False
                prev["c"][1][-1].extend(between)
                prev["c"][1].extend(block["c"][1])
                del out[len(out) - back + 1:]
                if between:
                    self.report.add(CHANGED, "list.continued",
                                    f"{len(between)} paragraph(s) between numbered steps went into the step "
                                    "before them, so the numbering goes on", block.get("place", self.place),
                                    paragraphs=len(between))
                return True
        return False

    # -- inlines ----------------------------------------------------------------
    def inlines(self, inlines: list) -> list:
        out = []
        for x in inlines:
            out.extend(self.inline(x))
        return out

    def inline(self, x: dict) -> list:
        t, c = x["t"], x.get("c")
        if t in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript"):
            return [{"t": t, "c": self.inlines(c)}]
        if t == "SmallCaps":
            return self.inlines(c)
        if t == "Span":
            classes = c[0][1]
            return [{"t": "Span", "c": [["", ["mark"], []], self.inlines(c[1])]}] if "mark" in classes \
                else self.inlines(c[1])
        if t == "Quoted":
            return [{"t": t, "c": [c[0], self.inlines(c[1])]}]
        if t == "Cite":
            return self.inlines(c[1])
        if t == "Link":
            return self.link(c)
        if t == "Image":
            return self.image(c)
        if t == "Math":
            kind = "display" if c[0]["t"] == "DisplayMath" else "inline"
            tex = dialect.clean_tex(c[1])
            if not tex:
                self.report.add(LOST, "equation.lost", "a formula could not be converted to LaTeX", self.place,
                                kind=kind)
                return []
            self.report.add(CARRIED, "equation", f"formula as LaTeX: {tex}", self.place, latex=tex, kind=kind)
            return [{"t": "Math", "c": [c[0], tex]}]
        if t == "Note":
            return self.note(c)
        if t in ("Str", "Space", "SoftBreak", "LineBreak", "Code"):
            return [x]
        return []

    def link(self, c: list) -> list:
        attr, inlines, (url, title) = c
        inner = self.inlines(inlines)
        if url.startswith("#"):
            self.report.add(CHANGED, "link.internal", f"a cross-reference inside the document "
                                                      f"(“{dialect.stringify(inlines)[:40]}”) came over as text",
                            self.place, text=dialect.stringify(inlines)[:40])
            return inner
        if re.match(r"^(https?:|mailto:)", url, re.I):
            return [{"t": "Link", "c": [["", [], []], inner, [url, title]]}]
        self.report.add(LOST, "link.target", f"a link to “{url[:80]}” was left out, its text kept", self.place,
                        url=url[:200])
        return inner

    def note(self, blocks: list) -> list:
        if self.in_note:
            return self.inlines([y for b in blocks for y in (b.get("c") if b["t"] in ("Para", "Plain") else [])])
        self.footnotes += 1
        here, self.in_note = self.in_note, True
        try:
            inner = self.nested(blocks)
        finally:
            self.in_note = here
        text = " ".join(dialect.stringify(b["c"]) for b in inner if b["t"] in ("Para", "Plain"))
        self.report.add(CARRIED, "footnote", f"footnote {self.footnotes}: {text[:60]}", self.place,
                        number=self.footnotes, text=text[:200])
        return [{"t": "Note", "c": inner}]

    def image(self, c: list) -> list:
        attr, alt_inlines, (source, title) = c
        alt = dialect.stringify(alt_inlines).strip() or (title or "").strip()
        is_equation = source in self.package.equation_previews
        extension = source.rsplit(".", 1)[-1].lower() if "." in source else ""
        data = self.package.media(source)
        if is_equation:
            alt = "公式" if self.language.startswith("zh") else "Formula"
        if data is None or extension not in BROWSER_IMAGES:
            code = "equation.lost" if is_equation else "image.lost"
            what = "a formula (an old equation object)" if is_equation else "a picture"
            why = "it is missing from the file" if data is None else f"its format ({extension.upper()}) is not one " \
                                                                     "a browser shows"
            self.report.add(LOST, code, f"{what} could not come over: {why}", self.place, source=source,
                            format=extension)
            return []
        if extension == "svg":
            try:
                data = clean_svg(data)
            except MaterialsError:
                self.report.add(LOST, "image.lost", "an SVG picture could not be read", self.place, source=source,
                                format=extension)
                return []
        path = self._image_path(source, extension)
        self.chapter_images().append(path)
        if source not in self.images:
            self.images[source] = (path, bytes(data), alt)
        if is_equation:
            self.report.add(CHANGED, "equation.image", "a formula (an old equation object) was kept as a picture: "
                                                       "it cannot become LaTeX", self.place, image=path)
        elif alt:
            self.report.add(CARRIED, "image", f"picture {path.rsplit('/', 1)[-1]} with alt text “{alt}”",
                            self.place, image=path, alt=alt)
        else:
            self.report.add(CHANGED, "image.no_alt", f"picture {path.rsplit('/', 1)[-1]} has no alt text in the "
                                                     "document: add one", self.place, image=path)
        return [{"t": "Image", "c": [["", [], []], [{"t": "Str", "c": alt}] if alt else [],
                                     ["../assets/" + path.rsplit("/", 1)[-1], ""]]}]

    def chapter_images(self) -> list:
        if self.chapter is None:
            self._open(self.part, None, before_heading=True)
        return self.chapter.images

    def _image_path(self, source: str, extension: str) -> str:
        if source in self.image_paths:
            return self.image_paths[source]
        if self.chapter is None:
            self._open(self.part, None, before_heading=True)
        self.chapter.image_count += 1
        stem = self.chapter.filename[:-3]
        base = asset_name(f"{stem}-{self.chapter.image_count}.{BROWSER_IMAGES[extension]}")
        candidate, n = base, 1
        while fold(f"books/{self.book}/assets/{candidate}") in self.taken:
            n += 1
            candidate = base.replace(".", f"-{n}.", 1) if base.count(".") == 1 else f"{n}-{base}"
        path = book_file_path(self.book, f"books/{self.book}/assets/{candidate}")
        self.taken.add(fold(path))
        self.image_paths[source] = path
        return path

    # -- outline levels -----------------------------------------------------------
    def skip_paragraph(self, text: str) -> None:
        """Count a paragraph of the XML that is not in pandoc's tree (Word's Title, lifted into metadata)."""
        key = paragraph_key(text)
        if key:
            self.occurrences[key] += 1

    def _outline_level(self, inlines: list, *, report: bool = True) -> int | None:
        """The heading level of the next paragraph if the document's XML gives it an outline level.

        Called once for every paragraph outside footnotes, in document order, so
        the n-th paragraph with a text here is the n-th with it in the XML.
        """
        if self.in_note:
            return None
        key = paragraph_key(dialect.stringify(inlines))
        if not key:
            return None
        self.occurrences[key] += 1
        level = self.package.outlined.get(key, {}).get(self.occurrences[key])
        if level is None or not self.headings_here:
            return None
        if report:
            self._heading_found("heading.outline", None, level)
        return level

    def _heading_found(self, code: str, style: str | None, level: int) -> None:
        found = self.headings_found.setdefault((code, style, level), [self.place, 0])
        found[1] += 1


def clean_title(text: str) -> str:
    return " ".join(text.split())


def _custom_style(attr: list) -> str | None:
    return next((v for k, v in attr[2] if k == "custom-style"), None)


def _first_style(items: list) -> str | None:
    for item in items[:1]:
        for block in item[:1]:
            if block["t"] == "Div":
                return _custom_style(block["c"][0])
    return None


def _admonition(style: str) -> str | None:
    name = re.sub(r"[\s\d]+$", "", style.strip()).casefold()
    for word, kind in ADMONITION_STYLES:
        if name.startswith(word):
            return kind
    return None


def _drop_label(blocks: list, style: str) -> None:
    """“警告：检修前…” in a 警告 admonition: the title says it already."""
    if not blocks or blocks[0]["t"] not in ("Para", "Plain") or not blocks[0]["c"]:
        return
    first = blocks[0]["c"][0]
    if first["t"] != "Str":
        return
    labels = {re.sub(r"[\s\d]+$", "", style.strip())} | {w for w, _ in ADMONITION_STYLES
                                                         if _admonition(style) and w in style.casefold()}
    pattern = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
    match = re.match(rf"^(?:{pattern})\s*[:：]\s*", first["c"], re.I)
    if match:
        rest = first["c"][match.end():]
        blocks[0]["c"] = ([{"t": "Str", "c": rest}] if rest else []) + blocks[0]["c"][1:]
        while blocks[0]["c"] and blocks[0]["c"][0]["t"] == "Space":
            blocks[0]["c"] = blocks[0]["c"][1:]


def _is_list(block: dict) -> bool:
    return block["t"] in ("BulletList", "OrderedList")


def _items(block: dict) -> list:
    return block["c"] if block["t"] == "BulletList" else block["c"][1]


def _table_rows(table: dict) -> list:
    _attr, _caption, _specs, head, bodies, foot = table["c"]
    return head[1] + [row for body in bodies for row in body[2] + body[3]] + foot[1]


def _walk_inlines(inlines: list):
    for x in inlines:
        yield x
        c = x.get("c")
        if x["t"] in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            yield from _walk_inlines(c)
        elif x["t"] in ("Span", "Link", "Quoted", "Cite"):
            yield from _walk_inlines(c[1])


def _excerpt(block: dict) -> str | None:
    """The first words of a block, for the report's place."""
    def first_text(b):
        t, c = b["t"], b.get("c")
        if t in ("Para", "Plain"):
            return dialect.stringify(c)
        if t == "Header":
            return dialect.stringify(c[2])
        if t in ("Div",):
            return next((s for s in map(first_text, c[1]) if s), "")
        if t in ("BulletList",):
            return next((first_text(bb) for item in c for bb in item[:1]), "")
        if t == "OrderedList":
            return next((first_text(bb) for item in c[1] for bb in item[:1]), "")
        if t == "Table":
            return next((first_text(bb) for row in _table_rows(b) for cell in row[1] for bb in cell[4][:1]), "")
        if t in ("BlockQuote",):
            return next((s for s in map(first_text, c) if s), "")
        return ""
    text = " ".join((first_text(block) or "").split())
    return (text[:30] + "…" if len(text) > 30 else text) or None
