"""A standard typed in from the printed booklet, as a spreadsheet.

Most standards reach a college on paper or as a PDF. A teacher can copy them
into a five-column sheet — level, kind, code, text, parent — and save it as
CSV from Excel or WPS; the header may be English or Chinese
(层级,类别,编号,内容,上级编号). The parent column may stay empty: "2.1.1"
belongs under "2.1" of the same level, 技能要求/相关知识要求 under 工作内容,
工作内容 under 职业功能. Every error names the spreadsheet row.
"""
from __future__ import annotations

import csv
import io
from typing import Any

from ..errors import MaterialsError
from .standard import ITEM_KEY, Standard
from .validation import standard_from_data

__all__ = [
    "COLUMNS", "COLUMNS_ZH", "DEFAULT_KINDS", "CSV_ENCODING", "MAX_CSV_BYTES",
    "csv_template", "standard_from_csv", "standard_to_csv",
    "CsvError", "CsvTooLarge", "CsvHeaderError", "CsvRowError", "CsvMissingValue", "CsvUnknownLevel",
    "CsvUnknownKind", "CsvUnknownParent", "CsvDuplicateCode",
]

COLUMNS = ("level", "kind", "code", "text", "parent")
COLUMNS_ZH = ("层级", "类别", "编号", "内容", "上级编号")
DEFAULT_KINDS = {"F": "职业功能", "C": "工作内容", "S": "技能要求", "K": "相关知识要求"}
CSV_ENCODING = "utf-8-sig"  # what Excel needs to open Chinese text correctly
MAX_CSV_BYTES = 5 * 1024 * 1024
_SOURCE = "CSV"
_HEADER_NAMES = {name: canon for names in (COLUMNS, COLUMNS_ZH) for name, canon in zip(names, COLUMNS)}
_HEADER_NAMES.update({"级别": "level", "等级": "level", "类型": "kind", "代码": "code", "描述": "text",
                      "上级": "parent", "parent code": "parent"})
# which kind an item of each kind hangs under, best first
_PARENT_KINDS = {"S": ("C", "F"), "K": ("C", "F"), "C": ("F",), "F": ()}


class CsvError(MaterialsError):
    code = "csv.invalid"


class CsvTooLarge(CsvError):
    code = "csv.too_large"


class CsvRowError(CsvError):
    """Something wrong in one row; ``row`` is the spreadsheet row number (the header is row 1)."""

    code = "csv.row_invalid"

    def __init__(self, message: str, *, row: int, **params: Any):
        super().__init__(f"row {row}: {message}", path=_SOURCE, line=row, row=row, **params)
        self.row = row


class CsvHeaderError(CsvRowError):
    code = "csv.header"


class CsvMissingValue(CsvRowError):
    code = "csv.missing_value"


class CsvUnknownLevel(CsvRowError):
    code = "csv.unknown_level"


class CsvUnknownKind(CsvRowError):
    code = "csv.unknown_kind"


class CsvUnknownParent(CsvRowError):
    code = "csv.unknown_parent"


class CsvDuplicateCode(CsvRowError):
    code = "csv.duplicate_code"


def csv_template(language: str = "zh-CN") -> str:
    """A header row and four example rows (one of each kind) to overwrite."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS_ZH if language.startswith("zh") else COLUMNS)
    writer.writerows([
        ("L4", "F", "1", "机车检查", ""),
        ("L4", "C", "1.1", "制动机检查", ""),
        ("L4", "S", "1.1.1", "能按作业标准完成制动机五步闸试验", ""),
        ("L4", "K", "1.1.1", "制动机五步闸试验的方法和要求", "1.1"),
    ])
    return out.getvalue()


def _decode(text: str | bytes) -> str:
    if isinstance(text, bytes):
        if len(text) > MAX_CSV_BYTES:
            raise CsvTooLarge("the spreadsheet is too large", path=_SOURCE, limit=MAX_CSV_BYTES)
        try:
            return text.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Excel on Chinese Windows saves "CSV" in the ANSI code page (GBK)
            return text.decode("gb18030", errors="replace")
    if len(text) > MAX_CSV_BYTES:
        raise CsvTooLarge("the spreadsheet is too large", path=_SOURCE, limit=MAX_CSV_BYTES)
    return text.lstrip("\ufeff")


def _read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    columns: list[str | None] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for cells in reader:
            row = reader.line_num
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue
            if columns is None:
                columns = [_HEADER_NAMES.get(c.lower()) for c in cells]
                unknown = [c for c, canon in zip(cells, columns) if canon is None and c]
                missing = [c for c in COLUMNS[:4] if c not in columns]
                if unknown or missing:
                    raise CsvHeaderError(
                        "the first row must name the columns level,kind,code,text[,parent] "
                        "(or 层级,类别,编号,内容[,上级编号])", row=row,
                        unknown=", ".join(unknown), missing=", ".join(missing))
                continue
            values: dict[str, str] = {}
            for i, cell in enumerate(cells):
                name = columns[i] if i < len(columns) else None
                if name is None:
                    if cell:
                        raise CsvRowError("this row has more cells than the header has columns", row=row)
                    continue
                values[name] = cell
            rows.append((row, values))
    except csv.Error as exc:
        raise CsvRowError(f"not readable as CSV: {exc}", row=reader.line_num, problem=str(exc)) from None
    if columns is None:
        raise CsvHeaderError("the spreadsheet is empty", row=1, unknown="", missing=", ".join(COLUMNS[:4]))
    return rows


def _level_lookup(levels: list[dict]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for lv in levels:
        key, label = str(lv.get("key", "")), str(lv.get("label", ""))
        for name in [label, *label.split("/")]:
            if name.strip():
                lookup.setdefault(name.strip(), key)
        lookup[key] = key
    return lookup


def standard_from_csv(text: str | bytes, meta: dict) -> Standard:
    """A ``Standard`` from a filled-in sheet plus its ``meta`` fields.

    ``meta`` holds the top-level fields (id, scheme, title, edition, status,
    language, issuer, code, source_url, supersedes, weights; optionally
    levels and kinds). Without ``levels``, levels are taken from the sheet in
    order of appearance (write the lowest level first); they are cumulative
    for national occupational (cn-noss) and 1+X (cn-1x) standards. Item keys
    are ``<level>.<kind>.<code>``, e.g. ``L4.S.2.1.1``.
    """
    rows = _read_rows(_decode(text))
    kinds: dict[str, str] = dict(meta.get("kinds") or DEFAULT_KINDS)
    kind_lookup = {k.upper(): k for k in kinds} | {label.strip(): k for k, label in kinds.items()}
    given_levels = [dict(lv) for lv in meta.get("levels") or []]
    level_lookup = _level_lookup(given_levels)
    derived_levels: list[str] = []
    cumulative = meta.get("scheme") in ("cn-noss", "cn-1x")

    parsed: list[dict[str, Any]] = []
    by_key: dict[str, int] = {}
    by_code: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row, values in rows:
        for column in ("level", "kind", "code", "text"):
            if not values.get(column):
                raise CsvMissingValue(f"the {column} cell is empty", row=row, column=column)
        level = values["level"]
        if given_levels:
            if level not in level_lookup:
                raise CsvUnknownLevel(f"{level!r} is not one of the levels "
                                      f"{', '.join(str(lv.get('key')) for lv in given_levels)}", row=row, level=level)
            level = level_lookup[level]
        elif level not in derived_levels:
            derived_levels.append(level)
        kind = kind_lookup.get(values["kind"].upper()) or kind_lookup.get(values["kind"])
        if kind is None:
            raise CsvUnknownKind(f"{values['kind']!r} is not one of the kinds "
                                 f"{', '.join(f'{k} ({v})' for k, v in kinds.items())}", row=row, kind=values["kind"])
        code = values["code"]
        key = f"{level}.{kind}.{code}"
        if not ITEM_KEY.match(key):
            raise CsvRowError(f"the code {code!r} may not contain spaces, ':' or brackets", row=row, code=code)
        if key in by_key:
            raise CsvDuplicateCode(f"{kinds[kind]} {code} of level {level} is already on row {parsed[by_key[key]]['row']}",
                                   row=row, code=code, level=level, other=parsed[by_key[key]]["row"])
        entry = {"row": row, "key": key, "code": code, "kind": kind, "level": level, "text": values["text"],
                 "parent_cell": values.get("parent", "")}
        by_key[key] = len(parsed)
        parsed.append(entry)
        by_code.setdefault((level, code), []).append(entry)

    items = []
    for entry in parsed:
        parent = _parent_of(entry, by_key, by_code, parsed)
        row: dict[str, Any] = {"key": entry["key"], "code": entry["code"], "kind": entry["kind"],
                               "level": entry["level"], "text": entry["text"]}
        if parent:
            row["parent"] = parent
        items.append(row)

    data = {k: v for k, v in meta.items() if k not in ("levels", "kinds")}
    data.setdefault("status", "current")
    data.setdefault("language", "zh-CN")
    data["levels"] = given_levels or [{"key": lv, "label": lv, "cumulative": cumulative} for lv in derived_levels]
    data["kinds"] = kinds
    data["items"] = items
    row_of = [entry["row"] for entry in parsed]

    def locate(where: tuple) -> int | None:
        if len(where) >= 2 and where[0] == "items" and isinstance(where[1], int) and where[1] < len(row_of):
            return row_of[where[1]]
        return None

    return standard_from_data(data, _SOURCE, locate)


def _parent_of(entry: dict, by_key: dict[str, int], by_code: dict, parsed: list[dict]) -> str | None:
    cell = entry["parent_cell"]
    level = entry["level"]
    if cell:
        if cell in by_key:
            return cell
        found = _best_parent(entry, by_code.get((level, cell), []))
        if found is None:
            raise CsvUnknownParent(f"there is no item {cell} of level {level} to be the parent of {entry['code']}",
                                   row=entry["row"], parent=cell, level=level)
        return found
    code = entry["code"]
    if "." not in code or not _PARENT_KINDS.get(entry["kind"], ("?",)):
        return None
    prefix = code.rsplit(".", 1)[0]
    found = _best_parent(entry, by_code.get((level, prefix), []))
    if found is None:
        raise CsvUnknownParent(f"there is no item {prefix} of level {level} to hold {code}; add it or fill the "
                               "parent column", row=entry["row"], parent=prefix, level=level)
    return found


def _best_parent(entry: dict, candidates: list[dict]) -> str | None:
    candidates = [c for c in candidates if c["key"] != entry["key"]]
    if not candidates:
        return None
    preferred = _PARENT_KINDS.get(entry["kind"])
    if preferred is None:  # a kind of the standard's own: anything that is not a leaf kind
        preferred = tuple(dict.fromkeys(c["kind"] for c in candidates if c["kind"] not in ("S", "K")))
    for kind in preferred:
        for c in candidates:
            if c["kind"] == kind:
                return c["key"]
    return candidates[0]["key"] if len(candidates) == 1 else None


def standard_to_csv(std: Standard, language: str = "en") -> str:
    """The items as a sheet (parent column = the parent's code); encode with ``CSV_ENCODING`` for Excel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS_ZH if language.startswith("zh") else COLUMNS)
    for item in std.items:
        parent = std.by_key[item.parent] if item.parent else None
        cell = ""
        if parent is not None:
            cell = parent.code if parent.level == item.level and parent.code else parent.key
        writer.writerow((item.level, item.kind, item.code, item.text, cell))
    return out.getvalue()
