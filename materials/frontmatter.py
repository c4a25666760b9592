"""Chapter front matter: the YAML block that says what a chapter teaches.

Teachers edit it through a form, never as YAML. A new chapter gets it in one
canonical shape; a saved one keeps the lines of every field that did not
change (``revise_chapter``). What it reads is validated key by key, with the
line of each mistake.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import FrontMatterInvalid, MaterialsError, YAMLInvalid
from .tasks import Task, parse_task
from .text import normalise_text
from .yamlfile import compose_yaml, dump_yaml, load_yaml

KEYS = ("title", "standards", "objectives", "summary", "hours", "sections", "task")
MAX_TITLE = 200


@dataclass(frozen=True)
class FrontMatter:
    title: str
    standards: tuple[str, ...] = ()
    objectives: tuple[str, ...] = ()
    summary: str | None = None
    hours: float | int | None = None
    sections: dict[str, tuple[str, ...]] = field(default_factory=dict)
    task: Task | None = None          # a work task of a loose-leaf book (``materials.tasks``)

    def all_refs(self) -> list[str]:
        """Every standard item the chapter claims, its sections' included, in order, once."""
        seen: dict[str, None] = dict.fromkeys(self.standards)
        for refs in self.sections.values():
            seen.update(dict.fromkeys(refs))
        return list(seen)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"title": self.title}
        if self.standards:
            out["standards"] = list(self.standards)
        if self.objectives:
            out["objectives"] = list(self.objectives)
        if self.summary:
            out["summary"] = self.summary
        if self.hours is not None:
            out["hours"] = self.hours
        if self.sections:
            out["sections"] = {k: list(v) for k, v in self.sections.items()}
        if self.task is not None:
            out["task"] = self.task.to_dict()
        return out


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """(yaml text or None, body, line number where the YAML starts)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not (text.startswith("---\n") or text.startswith("---\r\n")):
        return None, text, 0
    lines = text.splitlines(keepends=True)
    for i in range(1, len(lines)):
        if lines[i].rstrip("\r\n") in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1:]), 1
    raise FrontMatterInvalid("front matter is not closed with '---'", line=1, reason="unclosed")


def _str_list(value, key, path, lines) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
        raise FrontMatterInvalid(f"'{key}' must be a list of texts", path=path, line=lines.of(key), key=key)
    out = tuple(str(v).strip() for v in value)
    if any(not v for v in out):
        raise FrontMatterInvalid(f"'{key}' has an empty entry", path=path, line=lines.of(key), key=key)
    return out


def parse_front_matter(data: Any, path: str, lines) -> FrontMatter:
    if not isinstance(data, dict):
        raise FrontMatterInvalid("front matter must be a mapping of keys", path=path, line=lines.of(), reason="not_mapping")
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise FrontMatterInvalid(f"unknown key '{unknown[0]}' (allowed: {', '.join(KEYS)})", path=path,
                                 line=lines.of(unknown[0]), key=str(unknown[0]), reason="unknown_key")
    title = data.get("title")
    if not isinstance(title, (str, int, float)) or isinstance(title, bool) or not str(title).strip():
        raise FrontMatterInvalid("a chapter needs a title", path=path, line=lines.of("title"), key="title", reason="title")
    title = str(title).strip()
    if len(title) > MAX_TITLE or "\n" in title:
        raise FrontMatterInvalid("the title is too long", path=path, line=lines.of("title"), key="title", reason="title")
    hours = data.get("hours")
    if hours is not None and (isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours < 0 or hours > 1000):
        raise FrontMatterInvalid("'hours' must be a number of teaching hours", path=path, line=lines.of("hours"), key="hours")
    summary = data.get("summary")
    if summary is not None and not isinstance(summary, str):
        raise FrontMatterInvalid("'summary' must be text", path=path, line=lines.of("summary"), key="summary")
    sections_raw = data.get("sections") or {}
    if not isinstance(sections_raw, dict):
        raise FrontMatterInvalid("'sections' maps a heading anchor to standard items", path=path,
                                 line=lines.of("sections"), key="sections")
    sections = {str(k): _str_list(v, "sections", path, lines) for k, v in sections_raw.items()}
    return FrontMatter(
        title=title,
        standards=_str_list(data.get("standards"), "standards", path, lines),
        objectives=_str_list(data.get("objectives"), "objectives", path, lines),
        summary=summary.strip() if summary else None,
        hours=hours,
        sections=sections,
        task=parse_task(data.get("task"), path, lines),
    )


def parse_chapter(text: str, path: str) -> tuple[FrontMatter, str]:
    """Split a chapter into its validated front matter and its Markdown body."""
    try:
        raw, body, offset = split_front_matter(text)
    except FrontMatterInvalid as exc:
        exc.path = path
        raise
    if raw is None:
        raise FrontMatterInvalid("a chapter starts with front matter between '---' lines", path=path, line=1,
                                 reason="missing")
    try:
        data, lines = load_yaml(raw, path, line_offset=offset)
    except YAMLInvalid as exc:
        raise FrontMatterInvalid(exc.message, path=path, line=exc.line, reason=exc.code) from None
    return parse_front_matter(data, path, lines), body


def chapter_problems(text: str, path: str) -> list[MaterialsError]:
    """Every problem of a chapter's front matter, each with its line, not only the first.

    ``parse_chapter`` stops at the first problem, as saving needs; here each key
    is checked again on its own (with the title, which every check needs) by that
    same code, so the list says exactly what a save would refuse, key by key.
    """
    try:
        parse_chapter(text, path)
        return []
    except MaterialsError as first:
        problems: list[MaterialsError] = [first]
    try:
        raw, _body, offset = split_front_matter(text)
        data, lines = load_yaml(raw or "", path, line_offset=offset)
    except MaterialsError:
        return problems  # the front matter is no YAML: there are no keys to look at one by one
    if not isinstance(data, dict):
        return problems
    alone = [{"title": data.get("title")}] + [{"title": "?", key: value} for key, value in data.items() if key != "title"]
    for one in alone:
        try:
            parse_front_matter(one, path, lines)
        except FrontMatterInvalid as problem:
            problems.append(problem)
    return distinct_problems(problems)


def distinct_problems(problems: list[MaterialsError]) -> list[MaterialsError]:
    """Each problem once (the first one is found twice), in the order of the file's lines."""
    seen, out = set(), []
    for problem in problems:
        key = (problem.line, problem.message)
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return sorted(out, key=lambda p: p.line or 0)


def serialize_chapter(meta: FrontMatter, body: str) -> str:
    """The chapter file for ``meta`` and ``body``; ``parse_chapter`` gives them back."""
    return "---\n" + dump_yaml(meta.to_dict()) + "---\n" + body


def revise_chapter(previous: str | None, meta: FrontMatter, body: str) -> str:
    """The chapter file for ``meta`` and ``body``, written over the ``previous`` text of the chapter.

    Fields whose value did not change keep their lines byte for byte (flow or
    block lists, indentation, quotes, comments); a changed field is rewritten
    alone, in its list style; a new field goes after the last one, a removed one
    takes only its own lines. So a chapter whose front matter nobody touched
    keeps it exactly, and one changed word shows as one changed line.

    Hand-written over PyYAML's node positions rather than a round-trip library
    (ruamel.yaml): those re-emit the whole document with their own indentation
    and spacing, so lines of unchanged keys would still move. A previous text
    without readable front matter, or with one the lines of whose keys cannot be
    told apart (a flow mapping), gets the canonical front matter.
    """
    parts = _front_matter_by_key(previous) if previous is not None else None
    if parts is None:
        return serialize_chapter(meta, body)
    closing, segments, old = parts
    new = meta.to_dict()
    present = {key for key, _, _ in segments if key is not None}
    last_key = max((i for i, (key, _, _) in enumerate(segments) if key is not None), default=-1)
    out: list[str] = []
    for i, (key, text, node) in enumerate(segments):
        if key is None or new.get(key) == old.get(key):
            out.append(text)
        elif key in new:
            out.append(_dump_like(key, new[key], node, text))
        if i == last_key:
            out.extend(dump_yaml({k: v}) for k, v in new.items() if k not in present)
    if last_key < 0:
        out.extend(dump_yaml({k: v}) for k, v in new.items())
    return "---\n" + "".join(out) + closing + body


def _front_matter_by_key(text: str) -> tuple[str, list[tuple[str | None, str, Any]], dict[str, Any]] | None:
    """(closing line, [(key or None for the lines between keys, its lines, its value node)], old fields)."""
    text = normalise_text(text)
    try:
        raw, _, offset = split_front_matter(text)
        if raw is None:
            return None
        data, lines = load_yaml(raw, "", line_offset=offset)
        old = parse_front_matter(data, "", lines).to_dict()
    except MaterialsError:
        return None
    closing = text[len("---\n") + len(raw):].split("\n", 1)[0] + "\n"
    node, _ = compose_yaml(raw, "")
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        return None
    rows = raw.splitlines(keepends=True)
    segments: list[tuple[str | None, str, Any]] = []
    at = 0
    for key_node, value_node in node.value:
        start = key_node.start_mark.line
        end = value_node.end_mark.line + (1 if value_node.end_mark.column else 0)
        if key_node.start_mark.column != 0 or start < at or end <= start:
            return None
        while end > start + 1 and (not rows[end - 1].strip() or rows[end - 1].startswith("#")):
            end -= 1  # blank lines and comments after a value stay where they are
        segments.append((None, "".join(rows[at:start]), None))
        segments.append((str(key_node.value), "".join(rows[start:end]), value_node))
        at = end
    segments.append((None, "".join(rows[at:]), None))
    return closing, segments, old


def _dump_like(key: str, value: Any, node: Any, lines: str) -> str:
    """``key: value`` in the list style of the lines it replaces."""
    collections = [node] + ([v for _, v in node.value] if isinstance(node, yaml.MappingNode) else [])
    flow = any(isinstance(n, yaml.CollectionNode) and n.flow_style for n in collections)
    rows = lines.splitlines()
    indent = len(rows[1]) - len(rows[1].lstrip(" ")) if len(rows) > 1 else 0
    return dump_yaml({key: value}, flow_lists=flow, list_indent=indent if 2 <= indent <= 8 else 0)
