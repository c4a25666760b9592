"""A diff as the history pages show it: rows of the side-by-side table and lines of the unified
view, the changed words of each changed line marked (``review.word_diff``, as on a change
request's files page).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from materials import DiffLine, FileDiff
from review.word_diff import Segment, changed_words


@dataclass
class Row:
    """One row of the side-by-side table (a line on either or both sides)."""

    kind: str  # "context" | "change" | "removed" | "added" | "hunk"
    old_no: int | None = None
    new_no: int | None = None
    old: list[Segment] | None = None
    new: list[Segment] | None = None
    header: str = ""


@dataclass
class UnifiedLine:
    kind: str  # " " | "-" | "+" | "@"
    old_no: int | None
    new_no: int | None
    segments: list[Segment]


@dataclass
class FileView:
    diff: FileDiff
    rows: list[Row] = field(default_factory=list)
    unified: list[UnifiedLine] = field(default_factory=list)


def _flush(removed: list[DiffLine], added: list[DiffLine], view: FileView) -> None:
    pairs = min(len(removed), len(added))
    old_segments, new_segments = [], []
    for i in range(pairs):
        o, n = changed_words(removed[i].text, added[i].text)
        old_segments.append(o)
        new_segments.append(n)
    for i, line in enumerate(removed):
        segments = old_segments[i] if i < pairs else [Segment(line.text, False)]
        view.unified.append(UnifiedLine("-", line.old_no, None, segments))
    for i, line in enumerate(added):
        segments = new_segments[i] if i < pairs else [Segment(line.text, False)]
        view.unified.append(UnifiedLine("+", None, line.new_no, segments))
    for i in range(max(len(removed), len(added))):
        old = removed[i] if i < len(removed) else None
        new = added[i] if i < len(added) else None
        kind = "change" if old and new else ("removed" if old else "added")
        view.rows.append(Row(kind, old.old_no if old else None, new.new_no if new else None,
                             (old_segments[i] if i < pairs else [Segment(old.text, False)]) if old else None,
                             (new_segments[i] if i < pairs else [Segment(new.text, False)]) if new else None))
    removed.clear()
    added.clear()


def file_view(diff: FileDiff) -> FileView:
    """Rows for the side-by-side table and lines for the unified view, with changed words marked."""
    view = FileView(diff)
    for hunk in diff.hunks:
        header = f"@@ -{hunk.old_start},{hunk.old_lines} +{hunk.new_start},{hunk.new_lines} @@ {hunk.header}".rstrip()
        view.rows.append(Row("hunk", header=header))
        view.unified.append(UnifiedLine("@", None, None, [Segment(header, False)]))
        removed: list[DiffLine] = []
        added: list[DiffLine] = []
        for line in hunk.lines:
            if line.kind == "-":
                if added:
                    _flush(removed, added, view)
                removed.append(line)
            elif line.kind == "+":
                added.append(line)
            else:
                _flush(removed, added, view)
                segment = [Segment(line.text, False)]
                view.rows.append(Row("context", line.old_no, line.new_no, segment, segment))
                view.unified.append(UnifiedLine(" ", line.old_no, line.new_no, segment))
        _flush(removed, added, view)
    return view
