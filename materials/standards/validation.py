"""The schema of a standard: plain data (from YAML, CASE or CSV) checked field by field into a ``Standard``.

One checker for every format, so a standard imported from CASE or typed into
a spreadsheet obeys exactly the rules of a hand-written YAML file.
"""
from __future__ import annotations

import math
from pathlib import PurePosixPath
from typing import Any, Callable

from ..errors import MaterialsError
from .errors import (DuplicateItemKey, DuplicateLevel, ParentCycle, StandardFieldMissing, StandardFieldType,
                     StandardIdInvalid, StandardUnknownField, StandardValueInvalid, UnknownAssociationEnd,
                     UnknownKind, UnknownLevel, UnknownParent, WeightsNotHundred, WeightUnknownItem)
from .standard import (ASSOCIATION_TYPES, CASE_ASSOCIATION_FIELDS, CASE_ITEM_FIELDS, CASE_PACKAGE_PARTS,
                       EXT_ASSOCIATION_TYPE, ITEM_KEY, SCHEMES, STANDARD_ID, STATUSES, Association, Item, Level,
                       NodeRef, Standard, Supersession, Weight)

Locate = Callable[[tuple], "int | None"]

_TOP_FIELDS = ("id", "scheme", "code", "title", "edition", "status", "supersedes", "issuer",
               "source_url", "language", "levels", "kinds", "items", "weights", "associations", "case")
_REQUIRED_TOP = ("id", "scheme", "title", "edition", "status", "language", "levels", "kinds", "items")
_ITEM_FIELDS = ("key", "code", "kind", "level", "parent", "text", "replaced_by", "equivalent", "case")
_REQUIRED_ITEM = ("key", "kind", "level", "text")
_LEVEL_FIELDS = ("key", "label", "cumulative")
_WEIGHT_FIELDS = ("table", "level", "item", "percent")
_SUPERSEDES_FIELDS = ("id", "equivalent")
_ASSOCIATION_FIELDS = ("type", "origin", "destination", "case")
_NODE_REF_FIELDS = ("identifier", "uri", "title", "targetType")
_CASE_DEPTH = 12


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

    def case(self, data: dict, where: tuple, allowed: tuple, what: str) -> dict:
        """CASE data kept as the publisher gave it: known CASE names, JSON values only."""
        value = data.get("case")
        if value is None:
            return {}
        self.mapping(value, where + ("case",), allowed, (), f"the CASE fields of {what}")
        self.json_value(value, where + ("case",), 0)
        return value

    def json_value(self, value: Any, where: tuple, depth: int) -> None:
        if depth > _CASE_DEPTH:
            self.fail(StandardFieldType, "CASE data is nested too deeply", where, field=_dotted(where),
                      expected="CASE data")
        if isinstance(value, dict):
            for k, v in value.items():
                if not isinstance(k, str):
                    self.fail(StandardFieldType, "CASE field names must be text", where, field=_dotted(where),
                              expected="text")
                self.json_value(v, where + (k,), depth + 1)
        elif isinstance(value, list):
            for n, v in enumerate(value):
                self.json_value(v, where + (n,), depth + 1)
        elif isinstance(value, float) and not math.isfinite(value):
            self.fail(StandardFieldType, "CASE numbers must be finite", where, field=_dotted(where), expected="number")
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            self.fail(StandardFieldType, "CASE data holds text, numbers, lists and mappings only", where,
                      field=_dotted(where), expected="CASE data")


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
                          replaced_by=tuple(replaced), equivalent=c.flag(entry, "equivalent", where, None),
                          case=c.case(entry, where, CASE_ITEM_FIELDS, "an item")))

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

    associations = _associations(c, top, seen_at)

    return Standard(
        id=sid, scheme=scheme, title=c.text(top, "title", ()), edition=edition, status=status,
        language=c.text(top, "language", ()), levels=tuple(levels), kinds=kinds, items=tuple(items),
        code=c.text(top, "code", (), optional=True, numbers=True), supersedes=tuple(supersedes),
        issuer=c.text(top, "issuer", (), optional=True), source_url=c.text(top, "source_url", (), optional=True),
        weights=tuple(weights), associations=tuple(associations),
        case=c.case(top, (), CASE_PACKAGE_PARTS, "the standard"),
    )


def _associations(c: _Checker, top: dict, keys: dict[str, int]) -> list[Association]:
    """Links besides the tree: each end an item key of this standard or a reference elsewhere."""
    out: list[Association] = []
    for i, raw in enumerate(c.sequence(top, "associations", ())):
        where = ("associations", i)
        entry = c.mapping(raw, where, _ASSOCIATION_FIELDS, ("type", "origin", "destination"), "an association")
        kind = c.text(entry, "type", where)
        if kind not in ASSOCIATION_TYPES and not EXT_ASSOCIATION_TYPE.match(kind):
            c.fail(StandardValueInvalid, f"unknown association type {kind!r}", where + ("type",), field="type",
                   value=kind, allowed=", ".join(ASSOCIATION_TYPES) + ", ext:…")
        ends = []
        for side in ("origin", "destination"):
            end = entry[side]
            if isinstance(end, str):
                if end not in keys:
                    c.fail(UnknownAssociationEnd, f"the {kind} association names {end}, which is not an item of "
                           "this standard", where + (side,), key=end, type=kind)
                ends.append(end)
                continue
            ref = c.mapping(end, where + (side,), _NODE_REF_FIELDS, ("identifier",), "an association's end")
            ends.append(NodeRef(c.text(ref, "identifier", where + (side,)),
                                *(c.text(ref, name, where + (side,), optional=True)
                                  for name in ("uri", "title", "targetType"))))
        out.append(Association(kind, ends[0], ends[1], c.case(entry, where, CASE_ASSOCIATION_FIELDS, "an association")))
    return out


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
