"""What a change request changes, as reviewers read it: the rendered text
side by side, and the standard items its chapters gain or lose.

Plain functions over the library at two commits, so pages, the API and
benchmarks share them; results are kept by blob ids, which never go stale.
"""
from __future__ import annotations

import difflib
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from cachetools import LRUCache, cached
from materials import MaterialsError, parse_chapter
from materials.rendering import render_markdown


@dataclass
class TextRow:
    """One row of a side-by-side comparison: the old and new text (None when absent) and how they differ."""

    kind: str  # context | change | removed | added
    old: str | None
    new: str | None


@dataclass
class RenderedDiff:
    path: str
    rows: list[TextRow] = field(default_factory=list)


class _Blocks(HTMLParser):
    """The readable text of each block (paragraph, heading, list item, cell...) of rendered HTML."""

    BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "pre", "dt", "dd", "summary",
              "figcaption", "caption", "blockquote"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.depth = 0
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.BLOCKS:
            self._flush()
        if tag == "a" and any(k == "class" and v and "headerlink" in v for k, v in attrs):
            self.skip += 1
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.skip:
            self.skip -= 1
        if tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self.parts).split())
        if text:
            self.blocks.append(text)
        self.parts = []


@cached(LRUCache(maxsize=2000), key=lambda text, key: key, lock=threading.Lock())
def rendered_blocks(text: str, key: str) -> tuple[str, ...]:
    """The chapter as a student reads it, cut into text blocks (cached by blob id: same bytes, same blocks)."""
    try:
        _, body = parse_chapter(text, "chapter.md")
    except MaterialsError:
        body = text
    parser = _Blocks()
    parser.feed(render_markdown(body))
    parser.close()
    parser._flush()
    return tuple(parser.blocks)


def rendered_diff(lib: Any, base: str, head: str, paths: list[str]) -> list[RenderedDiff]:
    """Side-by-side text blocks of each changed chapter as rendered, before and after."""
    out = []
    for path in paths:
        if not path.endswith(".md"):
            continue
        sides = []
        for rev in (base, head):
            entry = lib.entry(rev, path)
            sides.append(rendered_blocks(lib.read_text(rev, path), entry.sha) if entry else ())
        old, new = sides
        diff = RenderedDiff(path)
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue  # unchanged blocks are not repeated: the reader looks for what changed
            for k in range(max(i2 - i1, j2 - j1)):
                a = old[i1 + k] if i1 + k < i2 else None
                b = new[j1 + k] if j1 + k < j2 else None
                diff.rows.append(TextRow("change" if a is not None and b is not None else
                                         ("removed" if a is not None else "added"), a, b))
        out.append(diff)
    return out


@dataclass
class ItemChange:
    ref: str
    code: str
    text: str
    chapter: str


@cached(LRUCache(maxsize=5000), key=lambda lib, rev, path, blob: blob, lock=threading.Lock())
def _chapter_refs(lib: Any, rev: str, path: str, blob: str) -> list[str]:
    """The item refs of the chapter at ``path`` on ``rev``, kept by its blob id."""
    try:
        meta, _ = parse_chapter(lib.read(rev, path).decode("utf-8", "replace"), path)
        return list(meta.all_refs())
    except MaterialsError:
        return []


def standard_changes(lib: Any, book: str, base: str, head: str, paths: list[str]) -> tuple[list[ItemChange],
                                                                                            list[ItemChange]]:
    """Standard items the change adds to and removes from chapters' front matter (added, removed)."""
    from materials.standards.item_refs import partition_refs

    def refs(rev: str, path: str) -> list[str]:
        entry = lib.entry(rev, path)
        return [] if entry is None else _chapter_refs(lib, rev, path, entry.sha)

    try:
        declared_ids = lib.book(book, head, chapters=False).config.standards
        everything = lib.standards(head)  # parsed editions are kept by blob id
    except MaterialsError:
        declared_ids, everything = [], {}
    declared = {sid: everything[sid] for sid in declared_ids if sid in everything}

    def describe(ref: str, chapter: str) -> ItemChange:
        good, _ = partition_refs([ref], declared)
        if good:
            sid, key = good[0]
            item = declared[sid].by_key[key]
            return ItemChange(ref, item.code, item.text, chapter)
        return ItemChange(ref, "", "", chapter)

    added, removed = [], []
    for path in paths:
        if not path.endswith(".md") or "/chapters/" not in path:
            continue
        before, after = refs(base, path), refs(head, path)
        chapter = path.split("/chapters/", 1)[1]  # sub-folders and all
        added += [describe(r, chapter) for r in after if r not in before]
        removed += [describe(r, chapter) for r in before if r not in after]
    return added, removed


