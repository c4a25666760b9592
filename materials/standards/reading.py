"""Reading a standard file: YAML's safe constructors only, and the source line of every node.

The lines are what make a validation error useful to a teacher: each error
points at the line to fix.
"""
from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from ..errors import UnsafeYAML, YAMLInvalid
from ..yamlfile import compose_yaml
from .errors import DuplicateYAMLKey, StandardFieldType, StandardSyntaxError, StandardTooLarge, StandardUnsafeYAML
from .standard import Standard
from .validation import Locate, standard_from_data

MAX_STANDARD_BYTES = 20 * 1024 * 1024


def _compose(text: str, path: str, written_here: bool = False) -> yaml.Node | None:
    """The library's one safe reading of YAML (``yamlfile.compose_yaml``), its refusals said as a standard's."""
    try:
        return compose_yaml(text, path, max_bytes=MAX_STANDARD_BYTES, written_here=written_here)[0]
    except YAMLInvalid as exc:
        reason, line = exc.params.get("reason"), exc.line
        if reason == "too_large":
            raise StandardTooLarge("the standard file is too large", path=path, limit=MAX_STANDARD_BYTES) from None
        if reason == "duplicate_key":
            raise DuplicateYAMLKey(f"the key {exc.params['key']} appears twice", path=path, line=line,
                                   field=exc.params["key"]) from None
        if reason == "complex_key":
            raise StandardFieldType("mapping keys must be plain text", path=path, line=line, field="",
                                    expected="text") from None
        if isinstance(exc, UnsafeYAML):
            raise StandardUnsafeYAML(f"{exc.message} in a standard", path=path, line=line,
                                     **{k: v for k, v in exc.params.items() if k == "tag"}) from None
        raise StandardSyntaxError(f"not valid YAML: {exc.params.get('problem', exc.message)}", path=path, line=line,
                                  problem=exc.params.get("problem", exc.message)) from None


def _construct(node: yaml.Node) -> Any:
    """Plain Python values from checked nodes; timestamps stay the text the author wrote."""
    if isinstance(node, yaml.MappingNode):
        return {_construct(k): _construct(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v) for v in node.value]
    if node.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"):
        return node.value
    return SafeConstructor().construct_object(node)


def _node_locator(root: yaml.Node | None) -> Locate:
    def locate(where: tuple) -> int | None:
        node = root
        if node is None:
            return None
        for step in where:
            nxt = None
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if k.value == step:
                        nxt = v
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                nxt = node.value[step]
            if nxt is None:
                break
            node = nxt
        return node.start_mark.line + 1
    return locate


def _key_locator(root: yaml.Node | None, where: tuple, key: str) -> int | None:
    """Line of a mapping key itself (for unknown fields)."""
    node = root
    for step in where:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            node = None
        if node is None:
            return None
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if k.value == key:
                return k.start_mark.line + 1
    return None


def parse_standard(text: str | bytes, path: str, *, written_here: bool = False) -> Standard:
    """Read one standard file (safe YAML only) and validate it; errors carry path and line.

    ``written_here``: ``text`` is what ``writing.dump_standard`` has just written (an import reading back
    what it is about to save), read with one pass of the parser (``yamlfile.compose_yaml``)."""
    if isinstance(text, bytes):
        if len(text) > MAX_STANDARD_BYTES:
            raise StandardTooLarge("the standard file is too large", path=path, limit=MAX_STANDARD_BYTES)
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StandardSyntaxError("the file is not UTF-8 text", path=path, problem="encoding") from None
    if len(text) > MAX_STANDARD_BYTES:
        raise StandardTooLarge("the standard file is too large", path=path, limit=MAX_STANDARD_BYTES)
    root = _compose(text.lstrip("\ufeff"), path, written_here)
    if root is None:
        raise StandardFieldType("the file is empty; a standard is a mapping of fields", path=path, line=1,
                                field="", expected="mapping")
    data = _construct(root)
    locate = _node_locator(root)
    return standard_from_data(data, path, locate, key_line=lambda where, key: _key_locator(root, where, key))
