"""The sheets teachers really have: Excel's encodings and delimiters, workbooks with merged cells, the booklet's table."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook

from materials.standards.sheet_file import SheetEncodingError, read_sheet
from materials.standards.spreadsheet import (
    CsvDuplicateCode, CsvMissingValue, CsvUnknownKind, CsvUnknownParent, check_sheet, standard_from_csv,
)

META = {"id": "cn-noss-6-23-01-03@2019", "scheme": "cn-noss", "title": "铁路机车车辆制修工", "edition": "2019"}
ONE_LEVEL = dict(META, levels=[{"key": "L4", "label": "四级/中级工", "cumulative": True}])
ROWS = [("层级", "类别", "编号", "内容", "上级编号"), ("L4", "F", "1", "机车检查", ""),
        ("L4", "C", "1.1", "制动机检查", ""), ("L4", "S", "1.1.1", "能完成五步闸试验", ""),
        ("L4", "K", "1.1.1", "制动机五步闸试验的方法", "")]
TRADITIONAL = [("層級", "類別", "編號", "內容", "上級編號"), ("L4", "F", "1", "機車檢查", ""),
               ("L4", "C", "1.1", "制動機檢查", ""), ("L4", "S", "1.1.1", "能完成五步閘試驗", "")]


def sheet(rows, delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def texts(std) -> dict[str, tuple[str, str | None]]:
    return {i.key: (i.text, i.parent) for i in std.items}


@pytest.mark.parametrize("encoding, delimiter", [
    ("utf-16", "\t"),        # Excel's "Unicode text": UTF-16 with a BOM, tab-separated
    ("utf-8-sig", ","),      # "CSV UTF-8"
    ("gb18030", ","),        # "CSV" on simplified Chinese Windows
    ("utf-8", ";"),          # a European Excel's list separator
    ("gb18030", "\t"),
    ("utf-16-le", "\t"),    # UTF-16 that lost its BOM on the way
])
def test_every_encoding_and_delimiter_excel_writes_reads_the_same_standard(encoding, delimiter):
    std = standard_from_csv(sheet(ROWS, delimiter).encode(encoding), META)
    assert texts(std) == {"L4.F.1": ("机车检查", None), "L4.C.1.1": ("制动机检查", "L4.F.1"),
                          "L4.S.1.1.1": ("能完成五步闸试验", "L4.C.1.1"), "L4.K.1.1.1": ("制动机五步闸试验的方法", "L4.C.1.1")}


def test_a_big5_sheet_from_traditional_chinese_windows_is_read():
    std = standard_from_csv(sheet(TRADITIONAL).encode("big5"), META)
    assert std.by_key["L4.S.1.1.1"].text == "能完成五步閘試驗"
    assert read_sheet(sheet(TRADITIONAL).encode("big5")).encoding == "big5"


def test_cells_holding_the_delimiter_do_not_fool_the_detection():
    rows = [*ROWS[:3], ("L4", "S", "1.1.1", "能检查闸瓦, 闸片和制动缸", "")]
    std = standard_from_csv(sheet(rows, "\t").encode("utf-16"), META)
    assert std.by_key["L4.S.1.1.1"].text == "能检查闸瓦, 闸片和制动缸"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_one_bad_byte_is_refused_with_its_row_and_offset_never_saved_garbled(encoding):
    good = sheet(ROWS).encode(encoding)
    offset = good.index("能完成".encode(encoding))
    broken = good[:offset] + b"\xff" + good[offset + 1:]
    std, problems = check_sheet(broken, META)
    assert std is None
    (problem,) = problems
    assert isinstance(problem, SheetEncodingError)
    assert problem.row == 4 and problem.params["offset"] == offset
    with pytest.raises(SheetEncodingError):
        standard_from_csv(broken, META)


def test_blank_level_and_kind_cells_are_filled_from_the_row_above():
    rows = [ROWS[0], ("L4", "F", "1", "机车检查", ""), ("", "C", "1.1", "制动机检查", ""),
            ("", "S", "1.1.1", "能完成五步闸试验", ""), ("", "", "1.1.2", "能检查制动缸", ""),
            ("L3", "F", "1", "机车检修", "")]
    std = standard_from_csv(sheet(rows), META)
    assert std.by_key["L4.S.1.1.2"].parent == "L4.C.1.1"
    assert [lv.key for lv in std.levels] == ["L4", "L3"]


def test_undotted_codes_under_a_merged_block_hang_under_the_item_above():
    rows = [ROWS[0], ("L4", "F", "1", "机车检查", ""), ("L4", "C", "1.1", "制动机检查", ""),
            ("L4", "S", "1", "能完成五步闸试验", ""), ("L4", "S", "2", "能检查制动缸", "")]
    std = standard_from_csv(sheet(rows), META)
    assert std.by_key["L4.S.2"].parent == "L4.C.1.1"


def test_full_width_codes_from_a_chinese_input_method_find_their_parent():
    rows = [ROWS[0], ("L4", "F", "１", "机车检查", ""), ("Ｌ４", "C", "1．1", "制动机检查", ""),
            ("L4", "S", "1．1．2", "能完成五步闸试验", ""), ("L4", "K", "１。１。２", "五步闸试验的方法", "1．1")]
    std = standard_from_csv(sheet(rows), META)
    assert texts(std)["L4.S.1.1.2"] == ("能完成五步闸试验", "L4.C.1.1")
    assert texts(std)["L4.K.1.1.2"] == ("五步闸试验的方法", "L4.C.1.1")
    assert std.by_key["L4.C.1.1"].parent == "L4.F.1"


PRINTED = [("职业功能", "工作内容", "技能要求", "相关知识要求"),
           ("1. 机车检查", "1.1 制动机检查", "1.1.1 能完成五步闸试验", "1.1.1 五步闸试验的方法"),
           ("", "", "1.1.2 能检查制动缸", "1.1.2 制动缸的结构"),
           ("", "1.2 走行部检查", "1.2.1 能检查轮对", ""),
           ("2．机车检修", "2．1 制动机检修", "2.1.1 能更换闸瓦\n2.1.2 能调整闸瓦间隙", "2.1.1 闸瓦的种类")]


def test_the_printed_standard_s_four_columns_are_read_as_printed():
    std = standard_from_csv(sheet(PRINTED), ONE_LEVEL)
    got = texts(std)
    assert got["L4.F.1"] == ("机车检查", None)
    assert got["L4.C.1.1"] == ("制动机检查", "L4.F.1")
    assert got["L4.S.1.1.2"] == ("能检查制动缸", "L4.C.1.1")
    assert got["L4.K.1.1.2"] == ("制动缸的结构", "L4.C.1.1")
    assert got["L4.C.1.2"] == ("走行部检查", "L4.F.1")
    assert got["L4.S.1.2.1"] == ("能检查轮对", "L4.C.1.2")
    assert got["L4.S.2.1.2"] == ("能调整闸瓦间隙", "L4.C.2.1")  # two requirements in one cell
    assert got["L4.C.2.1"] == ("制动机检修", "L4.F.2")
    assert len(std.items) == 13


def test_the_printed_layout_with_a_level_column_and_no_numbers():
    rows = [("层级", "职业功能", "工作内容", "技能要求", "相关知识要求"),
            ("四级", "机车检查", "制动机检查", "能完成五步闸试验", "五步闸试验的方法"),
            ("", "", "", "能检查制动缸", ""),
            ("三级", "机车检修", "制动机检修", "能更换闸瓦", "")]
    std = standard_from_csv(sheet(rows), META)
    assert texts(std)["四级.S.1.1.2"] == ("能检查制动缸", "四级.C.1.1")
    assert texts(std)["三级.S.1.1.1"] == ("能更换闸瓦", "三级.C.1.1")


def workbook(rows, merges) -> bytes:
    book = Workbook()
    ws = book.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value != "":
                ws.cell(row=r, column=c, value=value)
    for merged in merges:
        ws.merge_cells(merged)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_workbook_with_merged_cells_is_read_directly():
    rows = [ROWS[0], ("L4", "F", "1", "机车检查", ""), ("", "C", "1.1", "制动机检查", ""),
            ("", "S", "1.1.1", "能完成五步闸试验", ""), ("", "K", "1.1.1", "五步闸试验的方法", ""),
            ("L3", "F", 2, "机车检修", "")]  # a code typed as a number
    std = standard_from_csv(workbook(rows, ["A2:A5"]), META)
    assert texts(std)["L4.K.1.1.1"] == ("五步闸试验的方法", "L4.C.1.1")
    assert texts(std)["L3.F.2"] == ("机车检修", None)


def test_an_xlsx_of_the_printed_table_with_merged_function_and_content_cells():
    data = workbook(PRINTED[:3] + [("", "1.2 走行部检查", "1.2.1 能检查轮对", "")], ["A2:A4", "B2:B3"])
    std = standard_from_csv(data, ONE_LEVEL)
    assert texts(std)["L4.S.1.1.2"] == ("能检查制动缸", "L4.C.1.1")
    assert texts(std)["L4.S.1.2.1"] == ("能检查轮对", "L4.C.1.2")
    assert read_sheet(data).format == "xlsx"


def test_every_problem_is_reported_at_once_with_row_and_column():
    rows = [ROWS[0], ("L4", "F", "1", "机车检查", ""), ("L4", "X", "1.1", "制动机检查", ""),
            ("L4", "S", "1.1.1", "", ""), ("L4", "F", "1", "又一个", ""), ("L4", "S", "3.1.1", "无上级", "")]
    std, problems = check_sheet(sheet(rows), META)
    assert std is None
    found = [(type(p), p.row, p.params.get("cell")) for p in problems]
    assert found == [(CsvUnknownKind, 3, "B"), (CsvMissingValue, 4, "D"), (CsvDuplicateCode, 5, "C"),
                     (CsvUnknownParent, 6, "C")]
    with pytest.raises(CsvUnknownKind) as info:
        standard_from_csv(sheet(rows), META)
    assert len(info.value.problems) == 4
