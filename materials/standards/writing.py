"""Writing a standard: plain data in file order, and YAML that reads back into an equal ``Standard``."""
from __future__ import annotations

from typing import Any, Mapping

import yaml

from .standard import Association, NodeRef, Standard


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
        if item.case:
            row["case"] = _plain(item.case)
        items.append(row)
    out["items"] = items
    if std.weights:
        out["weights"] = [{"table": w.table, "level": w.level, "item": w.item, "percent": w.percent}
                          for w in std.weights]
    if std.associations:
        out["associations"] = [_association(a) for a in std.associations]
    if std.case:
        out["case"] = _plain(std.case)
    return out


def _end(end: str | NodeRef) -> str | dict:
    if isinstance(end, str):
        return end
    ref: dict[str, Any] = {"identifier": end.identifier}
    for name, value in (("uri", end.uri), ("title", end.title), ("targetType", end.target_type)):
        if value:
            ref[name] = value
    return ref


def _association(a: Association) -> dict:
    row: dict[str, Any] = {"type": a.type, "origin": _end(a.origin), "destination": _end(a.destination)}
    if a.case:
        row["case"] = _plain(a.case)
    return row


def _plain(value: Any) -> Any:
    """CASE data as plain dicts and lists (the YAML dumper knows no mapping proxies or tuples)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# libyaml's emitter writes the same text several times faster than the pure-Python one
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """Block style, but the small leaf mappings (levels, weights) stay on one line like the design.

    Never an alias: ``standard_to_data`` makes every mapping and list anew (so none is written today), and
    the reader refuses them; saying so also spares the representer its bookkeeping of every object."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_standard(std: Standard) -> str:
    """YAML text that ``parse_standard`` reads back into an equal ``Standard``."""
    return yaml.dump(standard_to_data(std), Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=100)
