"""Two versions of a chapter that collide, told passage by passage, and the text an author's choices make.

An author whose save overlaps someone else's edit chooses, for each passage both changed,
their own text, the other text, both, or a text of their own; and for each front matter field
both changed, whose value to keep. Everything that merged cleanly is taken as merged and not
asked about. The chosen text is built from the versions' own lines: a field nobody touched,
or one whose value is taken from a version, keeps that version's lines byte for byte, and the
result has LF line endings.

Body passages come from ``git merge-file`` (the algorithm the rest of the library merges with)
run with long conflict markers, so a line of the chapter can never be read as a marker.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from .errors import MaterialsError
from .frontmatter import _front_matter_by_key, split_front_matter
from .gitcommand import GitCommand, run_git
from .text import normalise_text

MARKER = 41  # the conflict markers' length: longer than any line an author writes of only < = >
CHOICES = ("mine", "theirs", "both", "edit")


@dataclass(frozen=True)
class Passage:
    """A stretch of the body: agreed text (``conflict`` False, in ``text``), or two texts that collide."""

    text: str = ""
    theirs: str = ""
    yours: str = ""
    base: str = ""
    conflict: bool = False
    theirs_line: int = 0  # where their passage starts in their whole file (1-based; 0 for an empty passage)


@dataclass(frozen=True)
class FieldClash:
    """One front matter field both versions changed, with each version's value."""

    key: str
    theirs: Any
    yours: Any


@dataclass(frozen=True)
class Collision:
    """Everything an author needs to decide: the clashing fields and every passage, in order."""

    fields: list[FieldClash]
    passages: list[Passage]
    front_matter: bool  # does the chapter have front matter at all?
    # How the front matter is put back: (key, [its lines] or [mine, theirs] when it clashes), and its closing line.
    plan: list | None = field(default=None, repr=False)
    closing: str = field(default="---\n", repr=False)

    @property
    def conflicts(self) -> list[Passage]:
        return [p for p in self.passages if p.conflict]


def collide(base: str, theirs: str, yours: str) -> Collision:
    """Split the three versions of one chapter file into clashing fields and passages."""
    base, theirs, yours = (normalise_text(t or "") for t in (base, theirs, yours))
    front = [_front(t) for t in (base, theirs, yours)]
    bodies = [f[2] for f in front]
    plan, clashes = _merge_fields(front[0][1], front[1][1], front[2][1], front[1][3], front[2][3])
    theirs_offset = theirs.count("\n") - bodies[1].count("\n")
    passages = _passages(bodies[0], bodies[1], bodies[2], theirs_offset)
    closing = front[2][0] or front[1][0] or front[0][0] or "---\n"
    return Collision(clashes, passages, any(f[1] is not None for f in front), plan, closing)


def resolve(collision: Collision, field_choices: Mapping[str, str], passage_choices: Sequence[str],
            edited: Sequence[str] = ()) -> str:
    """The chapter text the author's choices make.

    ``field_choices`` maps each clashing field to ``mine`` or ``theirs``; ``passage_choices``
    gives, for each clashing passage in order, one of ``CHOICES`` (``edit`` takes the matching
    entry of ``edited``). A choice missing or unknown keeps the author's own text: nothing of
    theirs is lost by it, since their text stays in the branch's history.
    """
    body: list[str] = []
    n = 0
    for passage in collision.passages:
        if not passage.conflict:
            body.append(passage.text)
            continue
        choice = passage_choices[n] if n < len(passage_choices) else "mine"
        if choice == "theirs":
            body.append(passage.theirs)
        elif choice == "both":
            body.append(_ended(passage.yours) + ("\n" if passage.yours and passage.theirs else "") + passage.theirs)
        elif choice == "edit":
            body.append(_ended(normalise_text(edited[n] if n < len(edited) else passage.yours)))
        else:
            body.append(passage.yours)
        n += 1
    text = "".join(body)
    plan = collision.plan
    if plan is None:
        return text
    lines: list[str] = []
    for key, options in plan:
        if key is None or len(options) == 1:
            lines.append(options[0])
        else:
            chosen = field_choices.get(key, "mine")
            lines.append(options[1] if chosen == "theirs" else options[0])
    return "---\n" + "".join(lines) + collision.closing + text


def _ended(text: str) -> str:
    return text if not text or text.endswith("\n") else text + "\n"


def _front(text: str) -> tuple[str | None, list | None, str, dict]:
    """(closing line, [(key, lines)], body, values by key) of one version; no front matter: (None, None, text, {})."""
    try:
        raw, body, _ = split_front_matter(text)
    except MaterialsError:
        return None, None, text, {}
    if raw is None:
        return None, None, body, {}
    parts = _front_matter_by_key(text)
    if parts is None:  # front matter the library cannot take apart by key: one field, the whole block
        closing = text[len("---\n") + len(raw):].split("\n", 1)[0] + "\n"
        return closing, [("front matter", raw)], body, {"front matter": raw}
    closing, segments, values = parts
    rows = [(key, lines) for key, lines, _node in segments]
    values = {key: values.get(key) for key, _lines in rows if key is not None}
    return closing, rows, body, values


def _merge_fields(base: list | None, theirs: list | None, yours: list | None,
                  theirs_values: dict, yours_values: dict):
    """[(key or None, [lines of the field] or [mine, theirs] when it clashes)] in the author's order, and the clashes."""
    if theirs is None and yours is None:
        return None, []
    by_key = [dict((k, v) for k, v in (rows or []) if k is not None) for rows in (base, theirs, yours)]
    b, t, y = by_key
    plan: list[tuple[str | None, list[str]]] = []
    clashes: list[FieldClash] = []
    for key, lines in (yours or []):
        if key is None:
            plan.append((None, [lines]))
            continue
        old, other = b.get(key), t.get(key)
        if other is None and old is not None and old == lines:
            continue  # they removed a field the author left alone
        if other is None or other == lines or old == other:
            plan.append((key, [lines]))
        elif old == lines:
            plan.append((key, [other]))
        else:
            plan.append((key, [lines, _ended(other)]))
            clashes.append(FieldClash(key, theirs_values.get(key), yours_values.get(key)))
    added = [(k, v) for k, v in (theirs or []) if k is not None and k not in y and k not in b]
    if added:
        at = max((i for i, (k, _o) in enumerate(plan) if k is not None), default=len(plan) - 1) + 1
        plan[at:at] = [(k, [_ended(v)]) for k, v in added]
    return plan, clashes


def _passages(base: str, theirs: str, yours: str, theirs_offset: int) -> list[Passage]:
    """The body as agreed stretches and clashing passages (``git merge-file`` with long markers)."""
    if theirs == yours or base == theirs:
        return [Passage(text=yours)]
    if base == yours:
        return [Passage(text=theirs)]
    merged = _merge_file(base, theirs, yours)
    out: list[Passage] = []
    same: list[str] = []
    mine: list[str] = []
    other: list[str] = []
    original: list[str] = []
    where = None
    cursor = 0
    for line in merged.splitlines(keepends=True):
        bare = line.rstrip("\n")
        if bare.startswith("<" * MARKER) and len(bare.split(" ", 1)[0]) == MARKER:
            where = "mine"
            continue
        if where is not None and bare.startswith("|" * MARKER) and len(bare.split(" ", 1)[0]) == MARKER:
            where = "base"
            continue
        if where is not None and bare == "=" * MARKER:
            where = "theirs"
            continue
        if where == "theirs" and bare.startswith(">" * MARKER) and len(bare.split(" ", 1)[0]) == MARKER:
            if same:
                out.append(Passage(text="".join(same)))
                same = []
            theirs_text = "".join(other)
            at = theirs.find(theirs_text, cursor) if theirs_text else -1
            line_no = theirs_offset + theirs.count("\n", 0, at) + 1 if at >= 0 else 0
            if at >= 0:
                cursor = at + len(theirs_text)
            out.append(Passage(theirs=theirs_text, yours="".join(mine), base="".join(original), conflict=True,
                               theirs_line=line_no))
            mine, other, original, where = [], [], [], None
            continue
        {"mine": mine, "base": original, "theirs": other, None: same}[where].append(line)
    if same:
        out.append(Passage(text="".join(same)))
    return out


def _merge_file(base: str, theirs: str, yours: str) -> str:
    with tempfile.TemporaryDirectory(prefix="jb-passages-") as tmp:
        paths = []
        for name, text in (("yours", yours), ("base", base), ("theirs", theirs)):
            p = os.path.join(tmp, name)
            with open(p, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            paths.append(p)
        result = run_git(GitCommand("merge-file", "-p", "--diff3", f"--marker-size={MARKER}",
                                    "-L", "yours", "-L", "base", "-L", "theirs").paths(*paths), check=False)
    if result.returncode < 0 or result.returncode > 127:
        raise MaterialsError("merge-file failed: " + result.stderr.decode(errors="replace")[:200])
    return result.stdout.decode("utf-8", "surrogateescape")
