"""Writing a standard: plain data in file order, and YAML that reads back into an equal ``Standard``."""
from __future__ import annotations

from typing import Any

import yaml

from .standard import Standard


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
