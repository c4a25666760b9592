"""Qualification standards: one YAML file per standard edition.

A standard is what a book is aligned to: a Chinese National Occupational
Skill Standard (职业功能 → 工作内容 → 技能要求 / 相关知识要求, per level,
with weight tables), a 1+X skill-level standard, an Australian unit of
competency, an ESCO skill set... all carried by one model: ordered levels,
kinds of item, a tree of items, and weight tables.

The file is read with YAML's safe constructors only, every node is checked
against a strict schema, and every error names the file and the line, so a
teacher can fix the file without reading Python.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any, Callable, Iterable, Mapping

import yaml
from yaml.constructor import SafeConstructor

from .errors import (
    AmbiguousItemRef,
    MaterialsError,
    StandardInvalid,
    UndeclaredStandard,
    UnknownStandardItem,
    UnsafeYAML,
    YAMLInvalid,
)
from .yamlfile import compose_yaml

__all__ = [
    "SCHEMES", "STATUSES", "MAX_STANDARD_BYTES",
    "Standard", "Level", "Item", "Weight", "Supersession",
    "parse_standard", "standard_from_data", "standard_to_data", "dump_standard",
    "resolve_refs", "partition_refs", "superseded_by", "migration_proposal",
    "StandardInvalid", "StandardSyntaxError", "StandardUnsafeYAML", "StandardTooLarge",
    "StandardFieldMissing", "StandardFieldType", "StandardUnknownField", "StandardValueInvalid",
    "StandardIdInvalid", "DuplicateYAMLKey", "DuplicateItemKey", "DuplicateLevel",
    "UnknownParent", "ParentCycle", "UnknownLevel", "UnknownKind",
    "WeightsNotHundred", "WeightUnknownItem",
    "UnknownStandardItem", "UndeclaredStandard", "AmbiguousItemRef",
]

SCHEMES = ("cn-noss", "cn-1x", "cn-pts", "au-uoc", "uk-nos", "esco", "custom")
STATUSES = ("current", "superseded", "withdrawn")
MAX_STANDARD_BYTES = 20 * 1024 * 1024

STANDARD_ID = re.compile(r"^[a-z0-9][a-z0-9.-]{0,119}@[A-Za-z0-9][A-Za-z0-9.-]{0,39}$")
# an item key is used in front matter lists and in "<standard-id>:<key>" refs
ITEM_KEY = re.compile(r"^[^\s:,\[\]{}#]{1,200}$")


# --------------------------------------------------------------------- errors

class StandardSyntaxError(StandardInvalid, YAMLInvalid):
    """The file is not YAML at all (a tab, an unclosed quote...)."""

    code = "standard.yaml_syntax"


class StandardUnsafeYAML(StandardInvalid, UnsafeYAML):
    """A tag (``!!python/object``, ``!custom``) or an alias: never constructed."""

    code = "standard.unsafe_yaml"


class StandardTooLarge(StandardInvalid):
    code = "standard.too_large"


class StandardFieldMissing(StandardInvalid):
    code = "standard.field_missing"


class StandardFieldType(StandardInvalid):
    code = "standard.field_type"


class StandardUnknownField(StandardInvalid):
    code = "standard.unknown_field"


class StandardValueInvalid(StandardInvalid):
    """A value outside its allowed set (scheme, status, key form...)."""

    code = "standard.value_invalid"


class StandardIdInvalid(StandardInvalid):
    code = "standard.id_invalid"


class DuplicateYAMLKey(StandardInvalid):
    code = "standard.duplicate_key"


class DuplicateItemKey(StandardInvalid):
    code = "standard.duplicate_item"


class DuplicateLevel(StandardInvalid):
    code = "standard.duplicate_level"


class UnknownParent(StandardInvalid):
    code = "standard.unknown_parent"


class ParentCycle(StandardInvalid):
    code = "standard.parent_cycle"


class UnknownLevel(StandardInvalid):
    code = "standard.unknown_level"


class UnknownKind(StandardInvalid):
    code = "standard.unknown_kind"


class WeightsNotHundred(StandardInvalid):
    code = "standard.weights_sum"


class WeightUnknownItem(StandardInvalid):
    code = "standard.weight_unknown_item"


# ---------------------------------------------------------------------- model

@dataclass(frozen=True)
class Level:
    key: str
    label: str
    cumulative: bool = False


@dataclass(frozen=True)
class Item:
    key: str
    code: str
    kind: str
    level: str
    parent: str | None
    text: str
    replaced_by: tuple[str, ...] = ()
    equivalent: bool | None = None


@dataclass(frozen=True)
class Weight:
    table: str
    level: str
    item: str
    percent: float


@dataclass(frozen=True)
class Supersession:
    id: str
    equivalent: bool = False


@dataclass(frozen=True)
class Standard:
    """One edition of a standard. Immutable: a new edition is a new file."""

    id: str
    scheme: str
    title: str
    edition: str
    status: str
    language: str
    levels: tuple[Level, ...]
    kinds: Mapping[str, str]
    items: tuple[Item, ...]
    code: str = ""
    supersedes: tuple[Supersession, ...] = ()
    issuer: str = ""
    source_url: str = ""
    weights: tuple[Weight, ...] = ()

    __hash__ = None  # kinds is a dict; compare standards, do not hash them

    @cached_property
    def by_key(self) -> dict[str, Item]:
        return {item.key: item for item in self.items}

    @cached_property
    def children(self) -> dict[str | None, list[str]]:
        """Parent key (None for roots) -> child keys, in file order."""
        out: dict[str | None, list[str]] = {}
        for item in self.items:
            out.setdefault(item.parent, []).append(item.key)
        return out

    @cached_property
    def level_keys(self) -> list[str]:
        return [lv.key for lv in self.levels]

    def item(self, key: str) -> Item:
        try:
            return self.by_key[key]
        except KeyError:
            raise UnknownStandardItem(f"{self.id} has no item {key}", standard=self.id, key=key) from None

    def levels_included(self, level: str) -> list[str]:
        """The level keys whose items count for ``level``: itself, plus all lower ones when cumulative."""
        index = self.level_keys.index(level)
        if self.levels[index].cumulative:
            return self.level_keys[: index + 1]
        return [level]


# --------------------------------------------------------------- YAML reading

Locate = Callable[[tuple], "int | None"]


def _compose(text: str, path: str) -> yaml.Node | None:
    """The library's one safe reading of YAML (``yamlfile.compose_yaml``), its refusals said as a standard's."""
    try:
        return compose_yaml(text, path, max_bytes=MAX_STANDARD_BYTES)[0]
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


def parse_standard(text: str | bytes, path: str) -> Standard:
    """Read one standard file (safe YAML only) and validate it; errors carry path and line."""
    if isinstance(text, bytes):
        if len(text) > MAX_STANDARD_BYTES:
            raise StandardTooLarge("the standard file is too large", path=path, limit=MAX_STANDARD_BYTES)
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StandardSyntaxError("the file is not UTF-8 text", path=path, problem="encoding") from None
    if len(text) > MAX_STANDARD_BYTES:
        raise StandardTooLarge("the standard file is too large", path=path, limit=MAX_STANDARD_BYTES)
    root = _compose(text.lstrip("\ufeff"), path)
    if root is None:
        raise StandardFieldType("the file is empty; a standard is a mapping of fields", path=path, line=1,
                                field="", expected="mapping")
    data = _construct(root)
    locate = _node_locator(root)
    return standard_from_data(data, path, locate, key_line=lambda where, key: _key_locator(root, where, key))


# ----------------------------------------------------------------- validation

_TOP_FIELDS = ("id", "scheme", "code", "title", "edition", "status", "supersedes", "issuer",
               "source_url", "language", "levels", "kinds", "items", "weights")
_REQUIRED_TOP = ("id", "scheme", "title", "edition", "status", "language", "levels", "kinds", "items")
_ITEM_FIELDS = ("key", "code", "kind", "level", "parent", "text", "replaced_by", "equivalent")
_REQUIRED_ITEM = ("key", "kind", "level", "text")
_LEVEL_FIELDS = ("key", "label", "cumulative")
_WEIGHT_FIELDS = ("table", "level", "item", "percent")
_SUPERSEDES_FIELDS = ("id", "equivalent")


class _Checker:
    """Walks plain data; every error gets the path of the file and the line of the node."""

    def __init__(self, path: str, locate: Locate | None, key_line: Callable[[tuple, str], int | None] | None):
        self.path = path
        self._locate = locate or (lambda where: None)
        self._key_line = key_line or (lambda where, key: None)

    def fail(self, cls: type[MaterialsError], message: str, where: tuple, **params) -> None:
        raise cls(message, path=self.path, line=self._locate(where), **params)

    def mapping(self, value: Any, where: tuple, allowed: tuple, required: tuple, what: str) -> dict:
        if not isinstance(value, dict):
            self.fail(StandardFieldType, f"{what} must be a mapping of fields", where,
                      field=_dotted(where), expected="mapping")
        for key in value:
            if key not in allowed:
                raise StandardUnknownField(f"unknown field {key!r} in {what}", path=self.path,
                                           line=self._key_line(where, key) or self._locate(where),
                                           field=str(key), allowed=", ".join(allowed))
        for key in required:
            if key not in value or value[key] is None:
                self.fail(StandardFieldMissing, f"{what} needs the field {key!r}", where, field=key)
        return value

    def text(self, data: dict, key: str, where: tuple, *, optional: bool = False, numbers: bool = False) -> str:
        value = data.get(key)
        if value is None:
            if optional:
                return ""
            self.fail(StandardFieldMissing, f"missing field {key!r}", where, field=key)
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # edition: 2019 / code: 2 written without quotes
        if not isinstance(value, str):
            self.fail(StandardFieldType, f"{key!r} must be text", where + (key,), field=key, expected="text")
        if not optional and not value.strip():
            self.fail(StandardFieldMissing, f"{key!r} must not be empty", where + (key,), field=key)
        return value

    def flag(self, data: dict, key: str, where: tuple, default: bool | None) -> bool | None:
        value = data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(StandardFieldType, f"{key!r} must be true or false", where + (key,), field=key, expected="boolean")
        return value

    def sequence(self, data: dict, key: str, where: tuple) -> list:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(StandardFieldType, f"{key!r} must be a list", where + (key,), field=key, expected="list")
        return value


def _dotted(where: tuple) -> str:
    return ".".join(str(w) for w in where)


def standard_from_data(data: Any, path: str, locate: Locate | None = None,
                       key_line: Callable[[tuple, str], int | None] | None = None) -> Standard:
    """Validate plain data (from YAML, CASE or CSV) and build the ``Standard``.

    ``locate(("items", 3, "parent"))`` returns the source line of that node, so
    importers other than YAML can point at their own rows.
    """
    c = _Checker(path, locate, key_line)
    top = c.mapping(data, (), _TOP_FIELDS, _REQUIRED_TOP, "the standard")

    sid = c.text(top, "id", ())
    if not STANDARD_ID.match(sid):
        c.fail(StandardIdInvalid, f"the id {sid!r} is not of the form slug@edition (e.g. cn-noss-6-23-01-03@2019)",
               ("id",), id=sid)
    edition = c.text(top, "edition", (), numbers=True)
    if sid.split("@", 1)[1] != edition:
        c.fail(StandardIdInvalid, f"the id {sid!r} does not end with the edition @{edition}", ("id",), id=sid, edition=edition)
    stem = PurePosixPath(path).stem
    if PurePosixPath(path).parent.name == "standards" and stem != sid:
        c.fail(StandardIdInvalid, f"the file must be named {sid}.yml", ("id",), id=sid, file=PurePosixPath(path).name)
    scheme = c.text(top, "scheme", ())
    if scheme not in SCHEMES:
        c.fail(StandardValueInvalid, f"unknown scheme {scheme!r}", ("scheme",), field="scheme", value=scheme,
               allowed=", ".join(SCHEMES))
    status = c.text(top, "status", ())
    if status not in STATUSES:
        c.fail(StandardValueInvalid, f"unknown status {status!r}", ("status",), field="status", value=status,
               allowed=", ".join(STATUSES))

    supersedes = []
    for i, raw in enumerate(c.sequence(top, "supersedes", ())):
        where = ("supersedes", i)
        entry = c.mapping(raw, where, _SUPERSEDES_FIELDS, ("id",), "a supersedes entry")
        old = c.text(entry, "id", where)
        if not STANDARD_ID.match(old):
            c.fail(StandardIdInvalid, f"the id {old!r} is not of the form slug@edition", where + ("id",), id=old)
        supersedes.append(Supersession(old, bool(c.flag(entry, "equivalent", where, False))))

    levels: list[Level] = []
    raw_levels = c.sequence(top, "levels", ())
    if not raw_levels:
        c.fail(StandardFieldMissing, "a standard needs at least one level", ("levels",), field="levels")
    for i, raw in enumerate(raw_levels):
        where = ("levels", i)
        entry = c.mapping(raw, where, _LEVEL_FIELDS, ("key", "label"), "a level")
        key = c.text(entry, "key", where, numbers=True)
        if any(lv.key == key for lv in levels):
            c.fail(DuplicateLevel, f"the level {key} is listed twice", where + ("key",), level=key)
        levels.append(Level(key, c.text(entry, "label", where, numbers=True), bool(c.flag(entry, "cumulative", where, False))))
    level_keys = {lv.key for lv in levels}

    kinds_raw = top.get("kinds")
    if not isinstance(kinds_raw, dict) or not kinds_raw:
        c.fail(StandardFieldType, "kinds must map kind keys to labels, e.g. {S: 技能要求}", ("kinds",),
               field="kinds", expected="mapping")
    kinds: dict[str, str] = {}
    for k, label in kinds_raw.items():
        if not isinstance(k, str) or not isinstance(label, str) or not k or not label.strip():
            c.fail(StandardFieldType, f"the kind {k!r} needs a text label", ("kinds", k), field="kinds", expected="text")
        kinds[k] = label

    items: list[Item] = []
    seen_at: dict[str, int] = {}
    for i, raw in enumerate(c.sequence(top, "items", ())):
        where = ("items", i)
        entry = c.mapping(raw, where, _ITEM_FIELDS, _REQUIRED_ITEM, "an item")
        key = c.text(entry, "key", where)
        if not ITEM_KEY.match(key):
            c.fail(StandardValueInvalid, f"the item key {key!r} may not contain spaces, ':' or brackets",
                   where + ("key",), field="key", value=key)
        if key in seen_at:
            c.fail(DuplicateItemKey, f"the item key {key} is used twice", where + ("key",), key=key)
        seen_at[key] = i
        kind = c.text(entry, "kind", where)
        if kind not in kinds:
            c.fail(UnknownKind, f"the kind {kind!r} is not one of the standard's kinds", where + ("kind",),
                   key=key, kind=kind, allowed=", ".join(kinds))
        level = c.text(entry, "level", where, numbers=True)
        if level not in level_keys:
            c.fail(UnknownLevel, f"the level {level!r} is not one of the standard's levels", where + ("level",),
                   key=key, level=level, allowed=", ".join(level_keys))
        parent = entry.get("parent")
        if parent is not None and not isinstance(parent, str):
            c.fail(StandardFieldType, "'parent' must be an item key", where + ("parent",), field="parent", expected="text")
        replaced = c.sequence(entry, "replaced_by", where)
        if not all(isinstance(r, str) and r for r in replaced):
            c.fail(StandardFieldType, "'replaced_by' must list item keys", where + ("replaced_by",),
                   field="replaced_by", expected="list of text")
        items.append(Item(key=key, code=c.text(entry, "code", where, optional=True, numbers=True), kind=kind,
                          level=level, parent=parent or None, text=c.text(entry, "text", where),
                          replaced_by=tuple(replaced), equivalent=c.flag(entry, "equivalent", where, None)))

    for i, item in enumerate(items):
        if item.parent is not None and item.parent not in seen_at:
            c.fail(UnknownParent, f"the parent {item.parent} of {item.key} is not an item of this standard",
                   ("items", i, "parent"), key=item.key, parent=item.parent)
    _check_cycles(items, seen_at, c)

    weights: list[Weight] = []
    totals: dict[tuple[str, str], tuple[float, int]] = {}
    for i, raw in enumerate(c.sequence(top, "weights", ())):
        where = ("weights", i)
        entry = c.mapping(raw, where, _WEIGHT_FIELDS, _WEIGHT_FIELDS, "a weight")
        table = c.text(entry, "table", where)
        level = c.text(entry, "level", where, numbers=True)
        if level not in level_keys:
            c.fail(UnknownLevel, f"the level {level!r} is not one of the standard's levels", where + ("level",),
                   level=level, allowed=", ".join(level_keys))
        key = c.text(entry, "item", where)
        if key not in seen_at:
            c.fail(WeightUnknownItem, f"the weight names {key}, which is not an item of this standard",
                   where + ("item",), key=key)
        percent = entry["percent"]
        if isinstance(percent, bool) or not isinstance(percent, (int, float)) or not math.isfinite(percent) \
                or not 0 <= percent <= 100:
            c.fail(StandardFieldType, "'percent' must be a number from 0 to 100", where + ("percent",),
                   field="percent", expected="number 0-100")
        weights.append(Weight(table, level, key, percent))
        total, first = totals.get((table, level), (0.0, i))
        totals[(table, level)] = (total + percent, first)
    for (table, level), (total, first) in totals.items():
        if abs(total - 100) > 1e-6:
            c.fail(WeightsNotHundred, f"the {table} weights of level {level} add up to {total:g}, not 100",
                   ("weights", first), table=table, level=level, total=f"{total:g}")

    return Standard(
        id=sid, scheme=scheme, title=c.text(top, "title", ()), edition=edition, status=status,
        language=c.text(top, "language", ()), levels=tuple(levels), kinds=kinds, items=tuple(items),
        code=c.text(top, "code", (), optional=True, numbers=True), supersedes=tuple(supersedes),
        issuer=c.text(top, "issuer", (), optional=True), source_url=c.text(top, "source_url", (), optional=True),
        weights=tuple(weights),
    )


def _check_cycles(items: list[Item], index: dict[str, int], c: _Checker) -> None:
    parent = {item.key: item.parent for item in items}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = known to reach a root
    for item in items:
        path: list[str] = []
        key: str | None = item.key
        while key is not None and state.get(key) != 2:
            if state.get(key) == 1:
                loop = path[path.index(key):]
                c.fail(ParentCycle, f"the items {' → '.join(loop + [key])} are each other's parents",
                       ("items", index[key], "parent"), keys=", ".join(loop))
            state[key] = 1
            path.append(key)
            key = parent.get(key)
        for k in path:
            state[k] = 2


# -------------------------------------------------------------------- writing

def standard_to_data(std: Standard) -> dict:
    """Plain data in file order; optional empty fields are left out."""
    out: dict[str, Any] = {"id": std.id, "scheme": std.scheme}
    if std.code:
        out["code"] = std.code
    out.update(title=std.title, edition=std.edition, status=std.status)
    if std.supersedes:
        out["supersedes"] = [{"id": s.id, "equivalent": s.equivalent} for s in std.supersedes]
    if std.issuer:
        out["issuer"] = std.issuer
    if std.source_url:
        out["source_url"] = std.source_url
    out["language"] = std.language
    out["levels"] = [{"key": lv.key, "label": lv.label, "cumulative": lv.cumulative} for lv in std.levels]
    out["kinds"] = dict(std.kinds)
    items = []
    for item in std.items:
        row: dict[str, Any] = {"key": item.key}
        if item.code:
            row["code"] = item.code
        row.update(kind=item.kind, level=item.level)
        if item.parent is not None:
            row["parent"] = item.parent
        row["text"] = item.text
        if item.replaced_by:
            row["replaced_by"] = list(item.replaced_by)
        if item.equivalent is not None:
            row["equivalent"] = item.equivalent
        items.append(row)
    out["items"] = items
    if std.weights:
        out["weights"] = [{"table": w.table, "level": w.level, "item": w.item, "percent": w.percent}
                          for w in std.weights]
    return out


class _Dumper(yaml.SafeDumper):
    """Block style, but the small leaf mappings (levels, weights) stay on one line like the design."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_standard(std: Standard) -> str:
    """YAML text that ``parse_standard`` reads back into an equal ``Standard``."""
    return yaml.dump(standard_to_data(std), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=100)


# ------------------------------------------------------------ item references

def _resolve_one(ref: str, declared: Mapping[str, Standard]) -> tuple[str, str]:
    if not isinstance(ref, str) or not ref.strip():
        raise UnknownStandardItem(f"empty standard item reference {ref!r}", ref=str(ref), standard="", key="")
    ref = ref.strip()
    if ":" in ref:
        sid, key = ref.split(":", 1)
        if sid not in declared:
            raise UndeclaredStandard(f"{ref}: the book does not declare the standard {sid}", ref=ref, standard=sid,
                                     declared=", ".join(declared))
    else:
        key = ref
        if len(declared) == 0:
            raise UndeclaredStandard(f"{ref}: the book declares no standard", ref=ref, standard="", declared="")
        if len(declared) > 1:
            raise AmbiguousItemRef(f"{ref}: the book declares several standards; write <standard-id>:{ref}",
                                   ref=ref, declared=", ".join(declared))
        sid = next(iter(declared))
    if key not in declared[sid].by_key:
        raise UnknownStandardItem(f"{ref}: {sid} has no item {key}", ref=ref, standard=sid, key=key)
    return sid, key


def resolve_refs(refs: Iterable[str], declared: Mapping[str, Standard]) -> list[tuple[str, str]]:
    """Turn front-matter refs into (standard id, item key); raise on the first bad one.

    A ref is ``key`` when the book declares exactly one standard, else
    ``<standard-id>:<key>``.
    """
    return [_resolve_one(ref, declared) for ref in refs]


def partition_refs(refs: Iterable[str], declared: Mapping[str, Standard]
                   ) -> tuple[list[tuple[str, str]], list[MaterialsError]]:
    """Like ``resolve_refs`` but keep going: (resolved, one error per bad ref)."""
    good: list[tuple[str, str]] = []
    bad: list[MaterialsError] = []
    for ref in refs:
        try:
            good.append(_resolve_one(ref, declared))
        except (UnknownStandardItem, UndeclaredStandard, AmbiguousItemRef) as exc:
            bad.append(exc)
    return good, bad


# ---------------------------------------------------------------- supersession

def superseded_by(standards: Mapping[str, Standard] | Iterable[Standard]) -> dict[str, str]:
    """Old edition id -> the id of the edition that supersedes it (by its ``supersedes`` list)."""
    values = standards.values() if isinstance(standards, Mapping) else standards
    out: dict[str, str] = {}
    for std in sorted(values, key=lambda s: s.id):
        for old in std.supersedes:
            out.setdefault(old.id, std.id)
    return out


def migration_proposal(old: Standard, new: Standard) -> dict[str, list[str]]:
    """For each item of ``old``, the items of ``new`` a chapter aligned to it should move to.

    ``replaced_by`` on the old item wins. Otherwise, when the new edition
    declares itself equivalent to the old one (or the item says
    ``equivalent: true``), the item with the same key, failing that the items
    with the same level, kind and code. An empty list means "decide by hand".
    """
    declared_equivalent = any(s.id == old.id and s.equivalent for s in new.supersedes)
    by_code: dict[tuple[str, str, str], list[str]] = {}
    for item in new.items:
        if item.code:
            by_code.setdefault((item.level, item.kind, item.code), []).append(item.key)
    proposal: dict[str, list[str]] = {}
    for item in old.items:
        if item.replaced_by:
            proposal[item.key] = [k for k in item.replaced_by if k in new.by_key]
            continue
        equivalent = declared_equivalent if item.equivalent is None else item.equivalent
        if not equivalent:
            proposal[item.key] = []
        elif item.key in new.by_key:
            proposal[item.key] = [item.key]
        else:
            proposal[item.key] = list(by_code.get((item.level, item.kind, item.code), [])) if item.code else []
    return proposal
