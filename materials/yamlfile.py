"""YAML as the library stores it: safe, plain, and with line numbers for errors.

``compose_yaml`` is the one way YAML from people is read (book.yml, front
matter, standards, library.yml). Only the safe loader is used; tags such as
``!!python/object`` or ``!x`` are refused, as are aliases (a few lines of
aliases can expand to gigabytes), documents over a size limit, nesting deeper
than any settings need (a parser that recurses would crash on it) and
duplicate keys (YAML would silently keep the last one).
"""
from __future__ import annotations

from typing import Any

import yaml

from .errors import UnsafeYAML, YAMLInvalid

MAX_YAML_BYTES = 2 * 1024 * 1024
MAX_YAML_DEPTH = 40  # book.yml nests four levels, a standard five
_SAFE_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map", "tag:yaml.org,2002:timestamp",
}

try:  # libyaml when available: the same rules, parsed faster
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


class Lines:
    """Line numbers (1-based) of the keys and items of a loaded document."""

    def __init__(self, offset: int = 0):
        self._lines: dict[tuple, int] = {}
        self.offset = offset

    def set(self, where: tuple, line: int) -> None:
        self._lines[where] = line + 1 + self.offset

    def of(self, *where) -> int | None:
        """The line of the deepest known prefix of ``where``."""
        where = tuple(where)
        while where:
            if where in self._lines:
                return self._lines[where]
            where = where[:-1]
        return self._lines.get((), None)


def compose_yaml(text: str, path: str, *, line_offset: int = 0,
                 max_bytes: int = MAX_YAML_BYTES, written_here: bool = False) -> tuple[yaml.Node | None, Lines]:
    """The checked node tree of ``text`` (nothing constructed yet) and where each key stands.

    ``written_here``: the text is what the library's own writer has just made from plain data, which holds
    no alias and no nesting a Python object could not, so the parser's first pass over its events (which
    refuses those before a node tree is built) is left out; the node tree is checked all the same, depth
    included. It halves the time of reading back a big standard that an import has just written."""
    if len(text.encode("utf-8", "surrogateescape")) > max_bytes:
        raise YAMLInvalid("file is too large", path=path, reason="too_large", limit=max_bytes)
    try:
        if not written_here:
            _check_events(text, path, line_offset)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        raise YAMLInvalid(f"YAML syntax error: {exc.problem}", path=path, line=line, problem=str(exc.problem),
                          reason="syntax") from None
    except yaml.YAMLError as exc:
        raise YAMLInvalid(f"YAML syntax error: {exc}", path=path, problem=str(exc), reason="syntax") from None
    lines = Lines(line_offset)
    if node is not None:
        _check(node, (), lines, path, set())
    return node, lines


def _check_events(text: str, path: str, line_offset: int) -> None:
    """Aliases and nesting, refused from the parser's events, before a node tree is built."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 + line_offset
        if isinstance(event, yaml.AliasEvent):
            raise UnsafeYAML("YAML aliases are not allowed", path=path, line=line, reason="alias")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise UnsafeYAML(f"YAML nested deeper than {MAX_YAML_DEPTH} levels", path=path, line=line,
                                 reason="too_deep")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def load_yaml(text: str, path: str, *, line_offset: int = 0) -> tuple[Any, Lines]:
    """Parse ``text`` with the safe loader, returning the data and where each key stands."""
    node, lines = compose_yaml(text, path, line_offset=line_offset)
    if node is None:
        return None, lines
    loader = _Loader("")
    try:
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise YAMLInvalid(f"YAML error: {exc}", path=path, problem=str(exc)) from None
    finally:
        loader.dispose()
    return data, lines


def _check(node, where: tuple, lines: Lines, path: str, seen: set[int]) -> None:
    if id(node) in seen:
        raise UnsafeYAML("YAML anchors and aliases are not allowed", path=path,
                         line=node.start_mark.line + 1 + lines.offset, reason="alias")
    seen.add(id(node))
    if node.tag not in _SAFE_TAGS:
        raise UnsafeYAML(f"YAML tag {node.tag} is not allowed", path=path,
                         line=node.start_mark.line + 1 + lines.offset, tag=node.tag, reason="tag")
    lines.set(where, node.start_mark.line)
    if len(where) >= MAX_YAML_DEPTH and isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        raise UnsafeYAML(f"YAML nested deeper than {MAX_YAML_DEPTH} levels", path=path,
                         line=node.start_mark.line + 1 + lines.offset, reason="too_deep")
    if isinstance(node, yaml.MappingNode):
        keys: set = set()
        for key_node, value_node in node.value:
            if isinstance(key_node, (yaml.MappingNode, yaml.SequenceNode)):
                raise UnsafeYAML("complex YAML keys are not allowed", path=path,
                                 line=key_node.start_mark.line + 1 + lines.offset, reason="complex_key")
            if key_node.tag not in _SAFE_TAGS:
                raise UnsafeYAML(f"YAML tag {key_node.tag} is not allowed", path=path,
                                 line=key_node.start_mark.line + 1 + lines.offset, tag=key_node.tag, reason="tag")
            key = key_node.value
            if key in keys:
                raise YAMLInvalid(f"duplicate key '{key}'", path=path,
                                  line=key_node.start_mark.line + 1 + lines.offset, key=key, reason="duplicate_key")
            keys.add(key)
            lines.set(where + (key,), key_node.start_mark.line)
            _check(value_node, where + (key,), lines, path, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _check(item, where + (i,), lines, path, seen)


class _IndentedListsDumper(yaml.SafeDumper):
    """Block lists indented under their key (``key:`` then ``  - item``), as many authors write them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def dump_yaml(data: Any, *, flow_lists: bool = False, list_indent: int = 0) -> str:
    """YAML the way people read it: Chinese as is, keys in the given order.

    ``flow_lists`` writes lists of plain values as ``[a, b]``; ``list_indent``
    indents block lists that many spaces under their key (0: at the key's
    column, PyYAML's own way). Both let a rewritten key keep the style its
    author chose.
    """
    return yaml.dump(data, Dumper=_IndentedListsDumper if list_indent else yaml.SafeDumper, allow_unicode=True,
                     sort_keys=False, default_flow_style=None if flow_lists else False, width=1000,
                     indent=list_indent or None)
