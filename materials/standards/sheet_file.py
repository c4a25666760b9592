"""A sheet's bytes as rows of cells: CSV in whatever encoding and delimiter Excel or WPS wrote, or .xlsx.

Teachers save a sheet as "CSV UTF-8", as plain "CSV" (GB18030 on simplified
Chinese Windows, Big5 on traditional), or as "Unicode text" (UTF-16 with
tabs); others send the workbook itself. The encoding is detected with
charset-normalizer; a file that is not clean in one encoding is refused with
the row and byte of the first bad byte, so nothing is ever saved garbled.
Merged cells of a workbook give their value to every cell they cover.
"""
from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass

from charset_normalizer import from_bytes

from ..errors import MaterialsError

__all__ = ["Sheet", "SheetError", "SheetTooLarge", "SheetEncodingError", "SheetNotReadable",
           "MAX_SHEET_BYTES", "read_sheet", "column_letter"]

MAX_SHEET_BYTES = 5 * 1024 * 1024
MAX_XLSX_UNPACKED = 64 * 1024 * 1024  # a workbook is a zip: refused before it unpacks into more than this
DELIMITERS = (",", "\t", ";")
_SOURCE = "CSV"
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# what a Chinese or English sheet is written in; single-byte code pages read anything, so they come last
_MULTIBYTE = ("utf_8", "gb18030", "big5")
_CLEAN_FAMILIES = {"ascii": "utf_8", "utf_8": "utf_8", "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030",
                   "cp936": "gb18030", "hz": "gb18030", "big5": "big5", "big5hkscs": "big5hkscs", "cp950": "cp950",
                   "utf_16_le": "utf_16_le", "utf_16_be": "utf_16_be", "utf_32_le": "utf_32_le",
                   "utf_32_be": "utf_32_be"}


class SheetError(MaterialsError):
    code = "csv.invalid"


class SheetTooLarge(SheetError):
    code = "csv.too_large"


class SheetNotReadable(SheetError):
    """Neither CSV text nor a workbook (a .xls, a damaged .xlsx, a PDF...)."""

    code = "csv.not_readable"


class SheetEncodingError(SheetError):
    """Bytes that are not text in the one encoding the rest of the file is in."""

    code = "csv.encoding"

    def __init__(self, message: str, *, row: int, offset: int, encoding: str):
        super().__init__(message, path=_SOURCE, line=row, row=row, offset=offset, encoding=encoding)
        self.row = row


@dataclass(frozen=True)
class Sheet:
    """The rows of a sheet: (row number as the teacher sees it, stripped cells); blank rows left out."""

    rows: tuple[tuple[int, tuple[str, ...]], ...]
    format: str  # "csv" or "xlsx"
    encoding: str | None = None
    delimiter: str | None = None


def column_letter(index: int) -> str:
    """A spreadsheet column's letter from its 0-based index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_sheet(data: str | bytes) -> Sheet:
    """The rows of a CSV sheet (text or bytes in any usual encoding) or of an .xlsx workbook's first sheet."""
    if len(data) > MAX_SHEET_BYTES:
        raise SheetTooLarge("the spreadsheet is too large", path=_SOURCE, limit=MAX_SHEET_BYTES)
    if isinstance(data, bytes) and data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if isinstance(data, bytes) and data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetNotReadable("an old Excel workbook (.xls): save it as .xlsx or CSV", path=_SOURCE, format="xls")
    text, encoding = (data.lstrip("\ufeff"), None) if isinstance(data, str) else decode(data)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for cells in reader:
            stripped = tuple(c.strip() for c in cells)
            if any(stripped):
                rows.append((reader.line_num, stripped))
    except csv.Error as exc:
        raise SheetError(f"row {reader.line_num}: not readable as CSV: {exc}", path=_SOURCE, line=reader.line_num,
                         row=reader.line_num, problem=str(exc)) from None
    return Sheet(tuple(rows), "csv", encoding, delimiter)


def decode(raw: bytes) -> tuple[str, str]:
    """The text and its encoding; ``SheetEncodingError`` at the first byte that is not clean."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return _strict(raw, encoding), encoding
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw).best()
    family = _CLEAN_FAMILIES.get(best.encoding) if best is not None else None
    if family is not None:
        return _strict(raw, family), family
    # nothing reads it cleanly as a CJK or Unicode text: which one does it nearly read as?
    nearest = min(_MULTIBYTE, key=lambda enc: _bad_bytes(raw, enc))
    bad, non_ascii = _bad_bytes(raw, nearest), sum(1 for b in raw if b > 0x7F)
    if best is not None and bad * 10 > non_ascii:  # mostly not CJK at all: a Western code page (cp1252...)
        return str(best), best.encoding
    return _strict(raw, nearest), nearest  # raises at the first bad byte


def _strict(raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        name = codecs.lookup(encoding).name
        row = raw[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise SheetEncodingError(
            f"row {row}: byte {exc.start} (0x{raw[exc.start]:02X}) is not {name} text like the rest of the file; "
            f"save the sheet again as CSV UTF-8", row=row, offset=exc.start, encoding=name) from None


def _bad_bytes(raw: bytes, encoding: str) -> int:
    return raw.decode(encoding, errors="replace").count("\ufffd")


def _delimiter(text: str) -> str:
    """Comma, tab or semicolon: whichever splits the first lines into the most, and the same number of, cells."""
    sample = [line for line in text.splitlines()[:20] if line.strip()][:10]
    if not sample:
        return ","

    def score(delimiter: str) -> tuple[int, int]:
        counts = [len(cells) for cells in csv.reader(sample, delimiter=delimiter)]
        return (min(counts) if len(set(counts)) == 1 else 1, counts[0])

    return max(DELIMITERS, key=score)


def _read_xlsx(raw: bytes) -> Sheet:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNPACKED:
                raise SheetTooLarge("the workbook unpacks to too much data", path=_SOURCE, limit=MAX_XLSX_UNPACKED)
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(raw), data_only=True)
    except SheetError:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign zip
        raise SheetNotReadable(f"not a readable .xlsx workbook: {exc}", path=_SOURCE, format="xlsx") from None
    sheet = book.worksheets[0]
    values = {(cell.row, cell.column): cell.value for row in sheet.iter_rows() for cell in row
              if cell.value is not None}
    for merged in sheet.merged_cells.ranges:
        top_left = values.get((merged.min_row, merged.min_col))
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                values[(r, c)] = top_left
    rows = []
    width = max((c for _, c in values), default=0)
    for r in range(1, (max((r for r, _ in values), default=0)) + 1):
        cells = tuple(_cell_text(values.get((r, c))) for c in range(1, width + 1))
        while cells and not cells[-1]:
            cells = cells[:-1]
        if any(cells):
            rows.append((r, cells))
    return Sheet(tuple(rows), "xlsx")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
