"""A change request's files page: each file's diff as table rows, and the rendered text beside it.

The changed words of a rewritten line are marked as on the history pages
(``review.word_diff``); each row keeps the new line as written, which a
reviewer's suggestion form starts from.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache, cached
from markupsafe import Markup, escape

from materials import Library, MaterialsError, NotFound, parse_chapter
from materials.history import FileDiff
from review import changes
from review.word_diff import Segment as Seg, changed_words, inline_changes
from server.change_requests.checks import path_id


def _html(segs: list[Seg] | None) -> Markup | None:
    """Escaped once here rather than per segment in the template: a big diff has thousands of rows."""
    if segs is None:
        return None
    return Markup("".join(f"<mark>{escape(s.text)}</mark>" if s.changed else str(escape(s.text)) for s in segs))


@dataclass
class DiffRow:
    kind: str  # hunk | context | change | removed | added
    old_no: int | None = None
    new_no: int | None = None
    old: list[Seg] | None = None
    new: list[Seg] | None = None
    text: str = ""  # the new line as written (suggestion forms start from it)
    old_html: Markup | None = None
    new_html: Markup | None = None

    def __post_init__(self) -> None:
        self.old_html, self.new_html = _html(self.old), _html(self.new)


@dataclass
class FileView:
    diff: FileDiff
    id: str
    rows: list[DiffRow]


def file_view(diff: FileDiff) -> FileView:
    """The rows of one file's diff, the changed words of each changed line marked."""
    rows: list[DiffRow] = []
    for hunk in diff.hunks:
        rows.append(DiffRow("hunk", text=f"@@ -{hunk.old_start},{hunk.old_lines} +{hunk.new_start},{hunk.new_lines} @@"))
        removed: list = []
        added: list = []

        def flush() -> None:
            for i in range(max(len(removed), len(added))):
                o = removed[i] if i < len(removed) else None
                n = added[i] if i < len(added) else None
                if o is not None and n is not None:
                    left, right = changed_words(o.text, n.text)
                    rows.append(DiffRow("change", o.old_no, n.new_no, left, right, n.text))
                elif o is not None:
                    rows.append(DiffRow("removed", o.old_no, None, [Seg(o.text, False)], None))
                else:
                    rows.append(DiffRow("added", None, n.new_no, None, [Seg(n.text, False)], n.text))
            removed.clear()
            added.clear()

        for line in hunk.lines:
            if line.kind == "-":
                if added:
                    flush()
                removed.append(line)
            elif line.kind == "+":
                added.append(line)
            else:
                flush()
                seg = [Seg(line.text, False)]
                rows.append(DiffRow("context", line.old_no, line.new_no, seg, seg, line.text))
        flush()
    return FileView(diff, path_id(diff.path), rows)


# pages are served by several threads
@cached(LRUCache(maxsize=32), key=lambda lib, book, base, head: (str(lib.path), book, base, head),
        lock=threading.Lock())
def file_views(lib: Library, book: str, base: str, head: str) -> tuple[list[FileView], dict[str, Any]]:
    """The Markdown and rendered-text diffs of base..head, kept by commit ids (immutable, never stale)."""
    diff = lib.diff(base, head, [f"books/{book}"])
    views = [file_view(f) for f in diff.files]
    rendered = {r.path: r for r in changes.rendered_diff(lib, base, head,
                                                     [f.path for f in diff.files if not f.binary and f.new_path])}
    return views, rendered


@dataclass
class ChapterChanges:
    """What changes in one chapter as students read it: each changed block as one text, words marked."""

    path: str
    id: str
    title: str
    blocks: list[tuple[str, Markup]]  # (change | added | removed, the block's text with <ins>/<del> marks)


def marked_block(old: str | None, new: str | None) -> Markup:
    """One rendered block read as one text: removed words in ``<del>``, added ones in ``<ins>``."""
    tags = {"added": "ins", "removed": "del"}
    return Markup("".join(f"<{tags[p.kind]}>{escape(p.text)}</{tags[p.kind]}>" if p.kind in tags
                          else str(escape(p.text)) for p in inline_changes(old, new)))


def _title(lib: Library, revs: tuple[str, ...], path: str) -> str:
    for rev in revs:
        try:
            meta, _ = parse_chapter(lib.read_text(rev, path), path)
            return meta.title
        except (NotFound, MaterialsError, ValueError):
            continue
    return path.rsplit("/", 1)[-1]


@cached(LRUCache(maxsize=32), key=lambda lib, book, base, head, paths=None: (
    str(lib.path), book, base, head, None if paths is None else tuple(paths)), lock=threading.Lock())
def rendered_changes(lib: Library, book: str, base: str, head: str,
                     paths: list[str] | None = None) -> list[ChapterChanges]:
    """The changed chapters of base..head (every one, or those of ``paths``) by title, their changed blocks
    with the words marked; kept by commit ids (immutable, never stale)."""
    if paths is None:
        _views, rendered = file_views(lib, book, base, head)
    else:
        rendered = {r.path: r for r in changes.rendered_diff(lib, base, head, paths)}
    out = []
    for path, diff in rendered.items():
        if not diff.rows:
            continue
        blocks = [(r.kind, marked_block(r.old, r.new)) for r in diff.rows]
        out.append(ChapterChanges(path, path_id(path), _title(lib, (head, base), path), blocks))
    return out
