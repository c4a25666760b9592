"""Word documents (.docx, as Word, WPS and LibreOffice save them) as chapters of a book.

The converter is pandoc, through pypandoc-binary: the pandoc executable ships
inside the wheel, so every machine runs the same version and no system
package is needed. Both pandoc and mammoth read lists, tables, footnotes and
pictures; pandoc was chosen because mammoth leaves Word equations (OMML) out
and writes HTML (its Markdown output is deprecated) that a second converter
would have to turn back into Markdown, while pandoc turns OMML into LaTeX,
keeps merged cells as row and column spans, and hands over its document tree
(the JSON AST), which this package writes in the book's dialect. Pandoc runs
in ``--sandbox`` mode (no file or network access) under a memory and a time
limit.

What pandoc does not tell (outline levels, old equation objects, comments,
tracked changes, page headers) is read from the .docx's XML in
``docx_package``; no text is converted from there.

What the document becomes: one chapter per heading of the chosen level (the
heading is the chapter's ``title:``, deeper headings move up so the first
level under it is ``##``), headings above that level become parts of the
navigation, text before the first such heading a chapter of its own. The
Markdown is the book's dialect (``dialect.py``); every chapter passes the
library's front-matter check and renders through ``materials.rendering``.
"""
from __future__ import annotations

import functools
import json
import re
import subprocess
from dataclasses import dataclass
from typing import Iterable

from ..books import BookConfig, Part
from ..frontmatter import FrontMatter, parse_chapter, serialize_chapter
from ..paths import fold, validate_book_slug
from ..changes import Write
from ..text import normalise_text
from ..yamlfile import dump_yaml, load_yaml
from . import dialect
from .docx_package import DocxPackage
from .docx_tree import ChapterReader, clean_title
from .errors import DocxUnreadable, ImportInvalid
from .report import ImportReport

PANDOC_TIMEOUT = 120  # seconds


@dataclass(frozen=True)
class ImportedChapter:
    filename: str
    path: str
    title: str
    part: str
    text: str                       # the whole chapter file: front matter and Markdown
    images: tuple[str, ...] = ()    # repository paths of the images it shows


@dataclass(frozen=True)
class ImportedImage:
    path: str
    data: bytes
    alt: str


@dataclass(frozen=True)
class DocxImport:
    """What a Word document becomes in a book: chapters, images, navigation parts, and the report."""

    book: str
    chapters: tuple[ImportedChapter, ...]
    images: tuple[ImportedImage, ...]
    navigation: tuple[Part, ...]
    report: ImportReport

    def changes(self, book_yml: str | None = None) -> list[Write]:
        """The library changes that bring the import into the book, for one commit.

        Given the book's current ``book.yml``, it is rewritten with the new parts
        appended to its navigation (a part of the same title gets the chapters
        appended instead); without it, only chapters and images are written.
        """
        writes = [Write(c.path, c.text) for c in self.chapters] + [Write(i.path, i.data) for i in self.images]
        if book_yml is not None:
            writes.append(Write(f"books/{self.book}/book.yml", self.book_yml(book_yml)))
        return writes

    def book_yml(self, text: str) -> str:
        data, _ = load_yaml(text, f"books/{self.book}/book.yml")
        navigation = [{"part": p["part"], **({"page": p["page"]} if p.get("page") else {}),
                       "chapters": list(p.get("chapters") or [])} for p in (data.get("navigation") or [])]
        for part in self.navigation:
            same = next((p for p in navigation if p["part"] == part.title), None)
            if same is None:
                navigation.append({"part": part.title, **({"page": part.page} if part.page else {}),
                                   "chapters": list(part.chapters)})
            elif part.page and not same.get("page"):
                navigation[navigation.index(same)] = {"part": same["part"], "page": part.page,
                                                      "chapters": same["chapters"] + list(part.chapters)}
            else:  # the part has a page of its own: the new one is its first new chapter
                same["chapters"].extend(part.files())
        data = dict(data)
        data["navigation"] = navigation
        return dump_yaml(data)


def import_docx(data: bytes, *, book: str, file_name: str, split_level: int = 1,
                book_config: BookConfig | None = None, existing: Iterable[str] = ()) -> DocxImport:
    """Convert a .docx into chapters of ``book``, split at headings of ``split_level`` (1 = 标题 1).

    ``book_config`` (the book's settings, when it exists) numbers the new
    chapters after its own and gives the language; ``existing`` are the
    repository paths already in the book, which no new file may take.
    Raises ``DocxUnreadable`` for a file that is not a readable .docx.
    """
    validate_book_slug(book)
    if not isinstance(split_level, int) or isinstance(split_level, bool) or not 1 <= split_level <= 6:
        raise ImportInvalid("chapters are split at a heading level from 1 to 6", reason="split_level",
                            split_level=str(split_level))
    package = DocxPackage.read(data)
    document = _read_with_pandoc(data)
    report = ImportReport(file_name)
    language = book_config.language if book_config else "zh-CN"
    meta = document.get("meta", {})
    title = _text_of_meta(meta.get("title")) or package.title or _stem(file_name) or "Word"
    taken = {fold(p) for p in existing}
    first_number = len(book_config.chapter_files()) + 1 if book_config else 1
    reader = ChapterReader(book, package, report, split_level, title, language, taken, first_number)
    if meta.get("title"):
        reader.skip_paragraph(dialect.stringify(meta["title"]["c"]))  # pandoc took Word's Title paragraph out
    drafts = reader.read(_lifted_paragraphs(meta) + document["blocks"])
    if not drafts:
        raise DocxUnreadable("the document has no text to import", reason="empty")
    bodies = dialect.write_chapters([d.blocks for d in drafts], document["pandoc-api-version"], _pandoc())
    chapters = []
    for draft, body in zip(drafts, bodies):
        text = normalise_text(serialize_chapter(FrontMatter(title=draft.title), "\n" + body))
        parse_chapter(text, draft.path)  # the library's own check: a bug here must not reach a book
        chapters.append(ImportedChapter(draft.filename, draft.path, draft.title, draft.part, text,
                                        tuple(dict.fromkeys(draft.images))))
    parts: dict[str, list[str]] = {}
    for chapter in chapters:
        parts.setdefault(chapter.part, []).append(chapter.filename)
    reader.finish()
    return DocxImport(book, tuple(chapters), tuple(ImportedImage(*image) for image in reader.images.values()),
                      tuple(Part(t, tuple(files)) for t, files in parts.items()), report)


def _read_with_pandoc(data: bytes) -> dict:
    try:
        result = subprocess.run(
            [_pandoc(), "+RTS", "-M2048m", "-RTS", "--sandbox", "--from", "docx+styles", "--to", "json",
             "--track-changes=accept"], input=bytes(data), capture_output=True, timeout=PANDOC_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise DocxUnreadable("the document took too long to read", reason="timeout",
                             limit=PANDOC_TIMEOUT) from None
    if result.returncode != 0:
        raise DocxUnreadable("the document is damaged and cannot be read", reason="damaged",
                             detail=result.stderr.decode("utf-8", "replace")[:200])
    return json.loads(result.stdout)


@functools.cache
def _pandoc() -> str:
    """The pandoc executable pypandoc-binary ships."""
    import pypandoc

    return pypandoc.get_pandoc_path()


def _stem(file_name: str) -> str:
    name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return re.sub(r"\.(docx|docm|dotx|wps)$", "", name, flags=re.I).strip()


def _lifted_paragraphs(meta: dict) -> list:
    """Word's Subtitle, Author, Date and Abstract paragraphs, which pandoc lifts out of the text, put back."""
    blocks: list = []
    for key in ("subtitle", "author", "date", "abstract"):
        value = meta.get(key)
        values = value["c"] if value and value.get("t") == "MetaList" else [value] if value else []
        for item in values:
            if item.get("t") == "MetaInlines":
                blocks.append({"t": "Para", "c": item["c"]})
            elif item.get("t") == "MetaBlocks":
                blocks.extend(item["c"])
            elif item.get("t") == "MetaString":
                blocks.append({"t": "Para", "c": [{"t": "Str", "c": item["c"]}]})
    return blocks


def _text_of_meta(value) -> str | None:
    if not value:
        return None
    if value.get("t") == "MetaInlines":
        return clean_title(dialect.stringify(value["c"])) or None
    if value.get("t") == "MetaString":
        return clean_title(value["c"]) or None
    return None
