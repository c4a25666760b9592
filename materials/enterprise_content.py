"""What the enterprise side brought into a book: real cases, procedures and work tasks, and the standard items they tagged.

A college's annual cooperation report asks for the real cases (真实案例) and
working procedures (操作规程 / 操作步骤) that enterprise experts contributed
and for the standard items that came in with them. Jointbook does not ask
authors to label either; the books already say it in their structure:

* a **section** is the text under a heading of level 2 to 4 (``##`` …
  ``####``) up to the next such heading. Its kind is read from its heading:
  ``case`` when it names a case (案例, 实例, 事例, "case"), ``procedure`` when it
  names steps or a procedure (步骤, 程序, 流程, 规程, 操作, 试验,
  "procedure", "steps"), ``other`` otherwise. The starter course writes its
  cases as "## 企业案例：…", the workbook template its procedure as
  "## 实施步骤";
* a **work task** is a chapter with ``task:`` front matter (the loose-leaf
  template): the whole chapter is one item of kind ``task``.

A section (or task) counts as written by a side when that side last wrote
more than half of its non-blank lines, as ``git blame`` says and the
text-share figure counts: this is the text as it stands at the revision
measured (``main``, or a release tag), like the share of the text.

A standard item came from a side's contribution when the front-matter line
that tags it (in ``standards:`` or under ``sections:``) was last written by
that side, or when it is tagged on a section that side wrote.

Who wrote each line comes from ``authorship.line_authors`` (one replay of the
history, shared with the text share, rather than a ``git blame`` per chapter).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .authorship import line_authors
from .errors import MaterialsError
from .frontmatter import split_front_matter
from .paths import validate_book_slug
from .repository import Library

__all__ = ["KINDS", "Contribution", "TaggedItem", "section_kind", "contributed_sections", "tagged_items"]

KINDS = ("case", "procedure", "task", "other")
_CASE = re.compile(r"案例|实例|事例|\bcases?\b", re.IGNORECASE)
_PROCEDURE = re.compile(r"步骤|程序|流程|规程|操作|试验|\bprocedures?\b|\bsteps?\b", re.IGNORECASE)
_HEADING = re.compile(r"^(#{2,4})\s+(.*?)\s*#*\s*$")
_ANCHOR = re.compile(r"\s*\{#([A-Za-z0-9_-]+)\}\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Contribution:
    """A section or work task most of whose lines one side wrote."""

    book: str
    chapter: str          # the chapter's file name
    chapter_title: str
    heading: str          # the section's heading as written, without its {#anchor}; the title for a task
    kind: str             # one of KINDS
    lines: int            # non-blank lines of the section
    side_lines: int       # of them, written by the side
    authors: tuple[str, ...]
    anchor: str | None = None

    @property
    def percent(self) -> float:
        return 100.0 * self.side_lines / self.lines if self.lines else 0.0


@dataclass(frozen=True)
class TaggedItem:
    """A standard item a side tagged, or that sits on a section that side wrote."""

    book: str
    chapter: str
    chapter_title: str
    key: str
    basis: str            # "tagged" (the side wrote the tag) | "section" (on a section the side wrote)
    section: str | None = None


def section_kind(heading: str) -> str:
    """``case``, ``procedure`` or ``other``, from a section's heading."""
    if _CASE.search(heading):
        return "case"
    if _PROCEDURE.search(heading):
        return "procedure"
    return "other"


@dataclass(frozen=True)
class _Line:
    text: str
    author_name: str
    side: str


@dataclass
class _Section:
    heading: str
    anchor: str | None
    lines: list[_Line] = field(default_factory=list)


def _chapters(lib: Library, book: str | None, rev: str):
    """(book, chapter, its lines with who last wrote each) of every readable chapter at ``rev``."""
    commit = lib.resolve(rev)
    names = [validate_book_slug(book)] if book is not None else lib.books(commit)
    writers = line_authors(lib, book, commit)
    for name in names:
        try:
            the_book = lib.book(name, commit)
        except MaterialsError:
            continue
        for chapter in the_book.chapters:
            who = writers.get(chapter.path)
            if chapter.problem is not None or who is None:
                continue
            text = lib.read_text(commit, chapter.path).split("\n")
            if text and text[-1] == "":
                text.pop()
            yield name, chapter, [_Line(t, w[0], w[2]) for t, w in zip(text, who)]


def _split(lines) -> tuple[list, list[_Section]]:
    """(front-matter lines, sections) of a chapter's lines; text before the first heading is left out."""
    text = "\n".join(line.text for line in lines)
    front, _body, _start = split_front_matter(text + "\n")
    front_count = 0 if front is None else front.count("\n") + 2
    sections: list[_Section] = []
    fenced = False
    for line in lines[front_count:]:
        if _FENCE.match(line.text):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line.text)
        if match:
            title = match.group(2)
            anchor = _ANCHOR.search(title)
            sections.append(_Section(_ANCHOR.sub("", title).strip(), anchor.group(1) if anchor else None))
        if sections:
            sections[-1].lines.append(line)
    return lines[:front_count], sections


def _by_side(lines, side: str) -> tuple[int, list]:
    text = [line for line in lines if line.text.strip()]
    return len(text), [line for line in text if line.side == side]


def contributed_sections(lib: Library, book: str | None, side: str = "enterprise",
                         rev: str = "main") -> list[Contribution]:
    """Sections and work tasks ``side`` wrote most of at ``rev``, in book order."""
    out = []
    for name, chapter, lines in _chapters(lib, book, rev):
        _front, sections = _split(lines)
        if chapter.meta.task is not None:
            parts = [(chapter.meta.title, None, "task", [line for s in sections for line in s.lines])]
        else:
            parts = [(s.heading, s.anchor, section_kind(s.heading), s.lines) for s in sections]
        for heading, anchor, kind, lines in parts:
            total, theirs = _by_side(lines, side)
            if not total or 2 * len(theirs) <= total:
                continue
            authors = tuple(dict.fromkeys(line.author_name for line in theirs))
            out.append(Contribution(name, chapter.filename, chapter.meta.title, heading, kind, total, len(theirs),
                                    authors, anchor))
    return out


def tagged_items(lib: Library, book: str | None, side: str = "enterprise", rev: str = "main") -> list[TaggedItem]:
    """Standard items that came from ``side``'s contributions at ``rev`` (see the module's rule), once per
    chapter."""
    out = []
    for name, chapter, lines in _chapters(lib, book, rev):
        refs = chapter.meta.all_refs()
        if not refs:
            continue
        front, sections = _split(lines)
        found: dict[str, TaggedItem] = {}
        tokens = {ref: re.compile(r"(?<![\w.])" + re.escape(ref) + r"(?![\w.])") for ref in refs}
        for line in front:
            if line.side != side:
                continue
            for ref, pattern in tokens.items():
                if ref not in found and pattern.search(line.text):
                    found[ref] = TaggedItem(name, chapter.filename, chapter.meta.title, ref, "tagged")
        by_anchor = {s.anchor: s for s in sections if s.anchor}
        for anchor, section_refs in chapter.meta.sections.items():
            section = by_anchor.get(anchor)
            if section is None:
                continue
            total, theirs = _by_side(section.lines, side)
            if not total or 2 * len(theirs) <= total:
                continue
            for ref in section_refs:
                found.setdefault(ref, TaggedItem(name, chapter.filename, chapter.meta.title, ref, "section",
                                                 section.heading))
        out += [found[ref] for ref in refs if ref in found]
    return out
