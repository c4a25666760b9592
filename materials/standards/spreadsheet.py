"""A standard typed in from the printed booklet, as a spreadsheet.

Most standards reach a college on paper or as a PDF. A teacher can copy them
into a five-column sheet — level, kind, code, text, parent — and save it as
CSV from Excel or WPS, or send the .xlsx (``sheet_file`` reads either); the
header may be English or Chinese (层级,类别,编号,内容,上级编号). The parent
column may stay empty: "2.1.1" belongs under "2.1" of the same level,
技能要求/相关知识要求 under 工作内容, 工作内容 under 职业功能. Blank level and
kind cells take the value above (merged cells write it on a block's first
row only). The booklet's own table — 职业功能, 工作内容, 技能要求,
相关知识要求, optionally after a 层级 column — is read as it is printed.
Codes typed with a Chinese input method (``１．１．２``) are read as ASCII.
Every problem of the sheet is reported at once, each with its row and column.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from typing import Any

from ..errors import MaterialsError
from .report import ERROR, ImportReport, Problem
from .sheet_file import MAX_SHEET_BYTES, column_letter, read_sheet
from .standard import ITEM_KEY, Standard
from .validation import standard_from_data

__all__ = [
    "COLUMNS", "COLUMNS_ZH", "DEFAULT_KINDS", "CSV_ENCODING", "MAX_CSV_BYTES",
    "csv_template", "standard_from_csv", "check_sheet", "sheet_report", "normalise_code", "standard_to_csv",
    "CsvError", "CsvTooLarge", "CsvHeaderError", "CsvRowError", "CsvMissingValue", "CsvUnknownLevel",
    "CsvUnknownKind", "CsvUnknownParent", "CsvDuplicateCode",
]

COLUMNS = ("level", "kind", "code", "text", "parent")
COLUMNS_ZH = ("层级", "类别", "编号", "内容", "上级编号")
DEFAULT_KINDS = {"F": "职业功能", "C": "工作内容", "S": "技能要求", "K": "相关知识要求"}
CSV_ENCODING = "utf-8-sig"  # what Excel needs to open Chinese text correctly
MAX_CSV_BYTES = MAX_SHEET_BYTES
_SOURCE = "CSV"
_HEADER_NAMES = {name: canon for names in (COLUMNS, COLUMNS_ZH) for name, canon in zip(names, COLUMNS)}
_HEADER_NAMES.update({"層級": "level", "類別": "kind", "編號": "code", "內容": "text", "上級編號": "parent",
                      "级别": "level", "等级": "level", "类型": "kind", "代码": "code", "描述": "text",
                      "上级": "parent", "parent code": "parent"})
# which kind an item of each kind hangs under, best first
_PARENT_KINDS = {"S": ("C", "F"), "K": ("C", "F"), "C": ("F",), "F": ()}
_PRINTED_KINDS = ("F", "C", "S", "K")
_PRINTED_NAMES = {"职业功能": "F", "工作内容": "C", "技能要求": "S", "相关知识要求": "K", "相关知识": "K",
                  "知识要求": "K", "職業功能": "F", "工作內容": "C", "相關知識要求": "K",
                  "function": "F", "work content": "C", "skill requirements": "S", "knowledge requirements": "K",
                  "层级": "level", "等级": "level", "级别": "level", "level": "level", "層級": "level", "等級": "level"}
_STOPS = str.maketrans({"。": ".", "｡": ".", "、": "."})
_FULL_WIDTH = re.compile(r"[\uff01-\uff5e\u3000。、]")
# a printed cell's number and text: "1.1.2 能……", "1. 机车检查", "1、机车检查", "1.1.2能……"
_NUMBERED = re.compile(r"^(\d+(?:[.。、]\d+)*)[.。、]?(?:\s+|(?=\D)|$)(.*)$", re.S)


class CsvError(MaterialsError):
    code = "csv.invalid"


class CsvTooLarge(CsvError):
    code = "csv.too_large"


class CsvRowError(CsvError):
    """Something wrong in one row; ``row`` is the spreadsheet row number (the header is row 1), ``cell``
    the column's letter as Excel shows it (A, B...) where one cell is at fault."""

    code = "csv.row_invalid"

    def __init__(self, message: str, *, row: int, cell: str = "", **params: Any):
        where = f"row {row}, column {cell}" if cell else f"row {row}"
        super().__init__(f"{where}: {message}", path=_SOURCE, line=row, row=row, cell=cell, **params)
        self.row = row
        self.cell = cell


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


def normalise_code(text: str) -> str:
    """A code as typed with a Chinese input method, in ASCII: ``１．１．２`` and ``1。1。2`` become ``1.1.2``."""
    return unicodedata.normalize("NFKC", text).translate(_STOPS).strip().rstrip(".").strip()


def _header(cells: tuple[str, ...], row: int) -> tuple[str, list[str | None]]:
    """The layout ("items" or "printed") and the canonical name of each column."""
    names = [unicodedata.normalize("NFKC", c).strip().lower() for c in cells]
    printed = [_PRINTED_NAMES.get(n) for n in names]
    if sum(1 for p in printed if p in _PRINTED_KINDS) >= 2:
        columns = printed
        missing = [n for n in ("F", "C") if n not in columns]
        if not any(k in columns for k in ("S", "K")):
            missing.append("S/K")
        unknown = [c for c, canon in zip(cells, columns) if canon is None and c]
        if unknown or missing:
            raise CsvHeaderError(
                "the printed layout needs the columns 职业功能,工作内容,技能要求,相关知识要求 "
                "(and optionally 层级 first)", row=row, unknown=", ".join(unknown), missing=", ".join(missing))
        return "printed", columns
    columns = [_HEADER_NAMES.get(n) for n in names]
    unknown = [c for c, canon in zip(cells, columns) if canon is None and c]
    missing = [c for c in COLUMNS[:4] if c not in columns]
    if unknown or missing:
        raise CsvHeaderError(
            "the first row must name the columns level,kind,code,text[,parent] "
            "(or 层级,类别,编号,内容[,上级编号], or the printed 职业功能,工作内容,技能要求,相关知识要求)", row=row,
            unknown=", ".join(unknown), missing=", ".join(missing))
    return "items", columns


def _cells_by_name(cells: tuple[str, ...], columns: list[str | None], row: int,
                   problems: list[MaterialsError]) -> dict[str, tuple[str, str]]:
    """Column name -> (cell text, column letter); a cell beyond the header's columns is a problem."""
    values: dict[str, tuple[str, str]] = {}
    for i, cell in enumerate(cells):
        name = columns[i] if i < len(columns) else None
        if name is None:
            if cell:
                problems.append(CsvRowError("this row has more cells than the header has columns", row=row,
                                            cell=column_letter(i), column=""))
            continue
        values[name] = (cell, column_letter(i))
    for i, name in enumerate(columns):
        if name is not None and name not in values:
            values[name] = ("", column_letter(i))
    return values


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
    """A ``Standard`` from a filled-in sheet (CSV or .xlsx) plus its ``meta`` fields.

    ``meta`` holds the top-level fields (id, scheme, title, edition, status,
    language, issuer, code, source_url, supersedes, weights; optionally
    levels and kinds). Without ``levels``, levels are taken from the sheet in
    order of appearance (write the lowest level first); they are cumulative
    for national occupational (cn-noss) and 1+X (cn-1x) standards. Item keys
    are ``<level>.<kind>.<code>``, e.g. ``L4.S.2.1.1``. The first problem is
    raised; its ``problems`` holds every problem of the sheet.
    """
    std, problems = check_sheet(text, meta)
    if problems:
        first = problems[0]
        first.problems = tuple(problems)
        raise first
    assert std is not None
    return std


def sheet_report(text: str | bytes, meta: dict) -> ImportReport:
    """The dry run of a sheet: the standard (None when refused) and every problem at its row and column."""
    std, errors = check_sheet(text, meta)
    report = ImportReport(source=_SOURCE, standard=std)
    for error in errors:
        row, cell = error.params.get("row") or error.line, error.params.get("cell") or ""
        where = f"row {row}, column {cell}" if row and cell else f"row {row}" if row else _SOURCE
        message = error.message.removeprefix(f"{where}: ").removeprefix(f"row {row}: ")
        report.problems.append(Problem(where, error.code, message, ERROR, dict(error.params)))
    return report


def check_sheet(text: str | bytes, meta: dict) -> tuple[Standard | None, list[MaterialsError]]:
    """The standard a sheet makes and every problem it has, each with its row and column (the dry run)."""
    try:
        sheet = read_sheet(text)
    except MaterialsError as exc:
        return None, [exc]
    if not sheet.rows:
        return None, [CsvHeaderError("the spreadsheet is empty", row=1, unknown="", missing=", ".join(COLUMNS[:4]))]
    header_row, header_cells = sheet.rows[0]
    try:
        layout, columns = _header(header_cells, header_row)
    except CsvRowError as exc:
        return None, [exc]
    kinds: dict[str, str] = dict(meta.get("kinds") or DEFAULT_KINDS)
    given_levels = [dict(lv) for lv in meta.get("levels") or []]
    reader = _Rows(kinds, given_levels)
    body = sheet.rows[1:]
    if layout == "printed":
        reader.printed(body, columns, header_row)
    else:
        reader.items(body, columns)
    if reader.problems:
        return None, reader.problems

    cumulative = meta.get("scheme") in ("cn-noss", "cn-1x")
    data = {k: v for k, v in meta.items() if k not in ("levels", "kinds")}
    data.setdefault("status", "current")
    data.setdefault("language", "zh-CN")
    data["levels"] = given_levels or [{"key": lv, "label": lv, "cumulative": cumulative} for lv in reader.derived_levels]
    data["kinds"] = kinds
    data["items"] = [{k: v for k, v in (("key", e["key"]), ("code", e["code"]), ("kind", e["kind"]),
                                        ("level", e["level"]), ("parent", e["parent"]), ("text", e["text"]))
                      if v is not None} for e in reader.parsed]
    row_of = [entry["row"] for entry in reader.parsed]

    def locate(where: tuple) -> int | None:
        if len(where) >= 2 and where[0] == "items" and isinstance(where[1], int) and where[1] < len(row_of):
            return row_of[where[1]]
        return None

    try:
        return standard_from_data(data, _SOURCE, locate), []
    except MaterialsError as exc:
        return None, [exc]


class _Rows:
    """Reads the body rows of either layout into items, collecting every problem instead of stopping."""

    def __init__(self, kinds: dict[str, str], given_levels: list[dict]):
        self.kinds = kinds
        self.kind_lookup = {k.upper(): k for k in kinds} | {label.strip(): k for k, label in kinds.items()}
        self.given_levels = given_levels
        self.level_lookup = _level_lookup(given_levels)
        self.derived_levels: list[str] = []
        self.parsed: list[dict[str, Any]] = []
        self.by_key: dict[str, int] = {}
        self.by_code: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.problems: list[MaterialsError] = []

    def level(self, text: str, row: int, cell: str) -> str | None:
        text = normalise_code(text) if text.isascii() or _FULL_WIDTH.search(text) else text.strip()
        if self.given_levels:
            if text not in self.level_lookup:
                self.problems.append(CsvUnknownLevel(
                    f"{text!r} is not one of the levels {', '.join(str(lv.get('key')) for lv in self.given_levels)}",
                    row=row, level=text, cell=cell, column="level"))
                return None
            return self.level_lookup[text]
        if text not in self.derived_levels:
            self.derived_levels.append(text)
        return text

    def add(self, row: int, cell: str, level: str, kind: str, code: str, text: str,
            parent_cell: str = "", parent: str | None = None, same_text_is_same: bool = False) -> dict | None:
        key = f"{level}.{kind}.{code}"
        if not ITEM_KEY.match(key):
            self.problems.append(CsvRowError(f"the code {code!r} may not contain spaces, ':' or brackets", row=row,
                                             code=code, cell=cell, column="code"))
            return None
        if key in self.by_key:
            other = self.parsed[self.by_key[key]]
            if same_text_is_same and other["text"] == text:
                return other
            self.problems.append(CsvDuplicateCode(
                f"{self.kinds[kind]} {code} of level {level} is already on row {other['row']}",
                row=row, code=code, level=level, other=other["row"], cell=cell, column="code"))
            return None
        entry = {"row": row, "cell": cell, "key": key, "code": code, "kind": kind, "level": level, "text": text,
                 "parent_cell": parent_cell, "parent": parent}
        self.by_key[key] = len(self.parsed)
        self.parsed.append(entry)
        self.by_code.setdefault((level, code), []).append(entry)
        return entry

    # ------------------------------------------------------------ level, kind, code, text, parent

    def items(self, body: tuple, columns: list[str | None]) -> None:
        above = {"level": "", "kind": ""}
        for row, cells in body:
            values = _cells_by_name(cells, columns, row, self.problems)
            for column in ("level", "kind"):  # merged-cell exports write these on a block's first row only
                if not values[column][0] and above[column]:
                    values[column] = (above[column], values[column][1])
            broken = False
            for column in ("level", "kind", "code", "text"):
                if not values[column][0]:
                    self.problems.append(CsvMissingValue(f"the {column} cell is empty", row=row, column=column,
                                                         cell=values[column][1]))
                    broken = True
            if broken:
                continue
            above["level"], above["kind"] = values["level"][0], values["kind"][0]
            level = self.level(values["level"][0], row, values["level"][1])
            kind_text = unicodedata.normalize("NFKC", values["kind"][0]).strip()
            kind = self.kind_lookup.get(kind_text.upper()) or self.kind_lookup.get(kind_text)
            if kind is None:
                self.problems.append(CsvUnknownKind(
                    f"{values['kind'][0]!r} is not one of the kinds "
                    f"{', '.join(f'{k} ({v})' for k, v in self.kinds.items())}",
                    row=row, kind=values["kind"][0], cell=values["kind"][1], column="kind"))
            if level is None or kind is None:
                continue
            parent_cell = normalise_code(values.get("parent", ("", ""))[0])
            self.add(row, values["code"][1], level, kind, normalise_code(values["code"][0]), values["text"][0],
                     parent_cell=parent_cell)
        for index, entry in enumerate(self.parsed):
            try:
                entry["parent"] = self._parent_of(entry, index)
            except CsvRowError as exc:
                self.problems.append(exc)
        self.problems.sort(key=lambda p: getattr(p, "row", 0))

    def _parent_of(self, entry: dict, index: int) -> str | None:
        cell, level = entry["parent_cell"], entry["level"]
        if cell:
            if cell in self.by_key:
                return cell
            found = _best_parent(entry, self.by_code.get((level, cell), []))
            if found is None:
                raise CsvUnknownParent(f"there is no item {cell} of level {level} to be the parent of {entry['code']}",
                                       row=entry["row"], parent=cell, level=level, cell="", column="parent")
            return found
        code = entry["code"]
        preferred = _PARENT_KINDS.get(entry["kind"], ("?",))
        if not preferred:
            return None
        if "." in code:
            prefix = code.rsplit(".", 1)[0]
            found = _best_parent(entry, self.by_code.get((level, prefix), []))
            if found is None:
                raise CsvUnknownParent(f"there is no item {prefix} of level {level} to hold {code}; add it or fill "
                                       "the parent column", row=entry["row"], parent=prefix, level=level,
                                       cell=entry["cell"], column="code")
            return found
        # an undotted code in a block: under the nearest item above of a kind that holds it
        for above in reversed(self.parsed[:index]):
            if above["level"] != level:
                break
            if above["kind"] in preferred:
                return above["key"]
        return None

    # ------------------------------------------------------ 职业功能, 工作内容, 技能要求, 相关知识要求

    def printed(self, body: tuple, columns: list[str | None], header_row: int) -> None:
        """The table of the printed standard: each row one skill and one knowledge requirement, the function
        and work content written on a block's first row only (or as merged cells)."""
        for kind in _PRINTED_KINDS:
            if kind not in self.kinds:
                self.problems.append(CsvHeaderError(f"the standard has no kind {kind} for the column "
                                                    f"{DEFAULT_KINDS[kind]}", row=header_row, unknown="",
                                                    missing=kind))
        if self.problems:
            return
        fixed_level = None
        if "level" not in columns:
            if len(self.given_levels) != 1:
                self.problems.append(CsvHeaderError(
                    "without a 层级 (level) column, name exactly one level on the form", row=header_row,
                    unknown="", missing="level"))
                return
            fixed_level = str(self.given_levels[0]["key"])
        above = {"level": "", "F": "", "C": ""}
        current: dict[str, dict | None] = {"F": None, "C": None}
        counters: dict[tuple, int] = {}
        for row, cells in body:
            values = _cells_by_name(cells, columns, row, self.problems)
            if fixed_level is None:
                level_text, level_cell = values["level"]
                if not level_text:
                    level_text = above["level"]
                if not level_text:
                    self.problems.append(CsvMissingValue("the level cell is empty", row=row, column="level",
                                                         cell=level_cell))
                    continue
                if level_text != above["level"]:
                    current = {"F": None, "C": None}
                above["level"] = level_text
                level = self.level(level_text, row, level_cell)
                if level is None:
                    continue
            else:
                level = fixed_level
            for kind in ("F", "C"):
                text, cell = values.get(kind, ("", ""))
                if not text or text == above[kind]:
                    continue  # filled down: the block's item
                above[kind] = text
                if kind == "F":
                    above["C"] = ""
                    current["C"] = None
                holder = current["F"] if kind == "C" else None
                if kind == "C" and holder is None:
                    self.problems.append(CsvMissingValue("a 工作内容 needs its 职业功能 on this row or above",
                                                         row=row, column="F", cell=values["F"][1]))
                    current["C"] = None
                    continue
                current[kind] = self._printed_items(row, cell, level, kind, text, holder, counters, single=True)
            for kind in ("S", "K"):
                text, cell = values.get(kind, ("", ""))
                if not text:
                    continue
                holder = current["C"] or current["F"]
                if holder is None:
                    self.problems.append(CsvMissingValue(
                        f"a {DEFAULT_KINDS[kind]} needs its 工作内容 on this row or above", row=row, column="C",
                        cell=values["C"][1]))
                    continue
                self._printed_items(row, cell, level, kind, text, holder, counters, single=False)

    def _printed_items(self, row: int, cell: str, level: str, kind: str, text: str, holder: dict | None,
                       counters: dict, *, single: bool) -> dict | None:
        """The items a printed cell holds: "1.1 制动机检查", or several numbered lines (1.1.1 …, 1.1.2 …)."""
        pieces: list[list[str]] = []
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            match = _NUMBERED.match(unicodedata.normalize("NFKC", line))
            if match and (not single or not pieces):
                pieces.append([normalise_code(match.group(1)), match.group(2).strip()])
            elif pieces:
                pieces[-1][1] = (pieces[-1][1] + "\n" + line).strip()
            else:
                pieces.append(["", line])
        made = None
        for code, item_text in pieces:
            if not code:  # unnumbered: numbered in order under its holder, as the booklet would
                scope = (level, kind, holder["key"] if holder else None)
                counters[scope] = counters.get(scope, 0) + 1
                code = f"{holder['code']}.{counters[scope]}" if holder else str(counters[scope])
            if not item_text:
                self.problems.append(CsvMissingValue(f"the {DEFAULT_KINDS[kind]} {code} has no text", row=row,
                                                     column=kind, cell=cell))
                continue
            made = self.add(row, cell, level, kind, code, item_text, parent=holder["key"] if holder else None,
                            same_text_is_same=True)
        return made


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
