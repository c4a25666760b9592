"""A standard typed into a spreadsheet by a teacher."""
from __future__ import annotations

import pytest

from materials.standards.spreadsheet import (
    CSV_ENCODING, CsvDuplicateCode, CsvHeaderError, CsvMissingValue, CsvUnknownKind, CsvUnknownLevel,
    CsvUnknownParent, csv_template, standard_from_csv, standard_to_csv,
)
from materials.standards.standard import Level

META = {"id": "cn-noss-6-23-01-03@2019", "scheme": "cn-noss", "title": "铁路机车车辆制修工", "edition": "2019",
        "issuer": "人力资源社会保障部"}

SHEET_ZH = """层级,类别,编号,内容,上级编号
五级,职业功能,1,机车检查,
五级,工作内容,1.1,外观检查,
五级,技能要求,1.1.1,能检查走行部,
五级,相关知识要求,1.1.1,走行部结构,
四级,F,2,制动机检修,
四级,S,2.1.1,能完成五步闸试验,
四级,C,2.1,制动机试验,
四级,K,2.1.1,五步闸试验方法,2.1
"""


def test_chinese_header_with_excel_bom_and_inferred_parents():
    std = standard_from_csv(SHEET_ZH.encode(CSV_ENCODING), META)
    by_key = std.by_key
    assert by_key["五级.S.1.1.1"].parent == "五级.C.1.1"      # 技能要求 under 工作内容 of the same level
    assert by_key["五级.K.1.1.1"].parent == "五级.C.1.1"
    assert by_key["五级.C.1.1"].parent == "五级.F.1"          # 工作内容 under 职业功能
    assert by_key["五级.F.1"].parent is None
    assert by_key["四级.S.2.1.1"].parent == "四级.C.2.1"      # the parent row may come later
    assert by_key["四级.K.2.1.1"].parent == "四级.C.2.1"      # explicit parent code
    assert by_key["四级.K.2.1.1"].text == "五步闸试验方法"
    # levels in order of appearance, lowest first, cumulative for a national occupational standard
    assert std.levels == (Level("五级", "五级", True), Level("四级", "四级", True))


def test_english_header_with_given_levels_accepts_keys_and_labels():
    sheet = "level,kind,code,text\nL5,F,1,Inspection\n初级工,S,1.1,Check the bogie\n"
    meta = dict(META, levels=[{"key": "L5", "label": "五级/初级工", "cumulative": True}])
    std = standard_from_csv(sheet, meta)
    assert [(i.key, i.parent) for i in std.items] == [("L5.F.1", None), ("L5.S.1.1", "L5.F.1")]


def test_gbk_file_from_chinese_excel_is_read():
    std = standard_from_csv(SHEET_ZH.encode("gbk"), META)
    assert std.by_key["五级.F.1"].text == "机车检查"


def test_csv_round_trip_keeps_items(small):
    meta = dict(META, levels=[{"key": lv.key, "label": lv.label, "cumulative": lv.cumulative} for lv in small.levels])
    again = standard_from_csv(standard_to_csv(small), meta)
    assert again.items == small.items


def test_template_is_a_valid_sheet():
    std = standard_from_csv(csv_template(), META)
    assert [i.kind for i in std.items] == ["F", "C", "S", "K"]
    assert csv_template("en").splitlines()[0] == "level,kind,code,text,parent"


def test_missing_parent_row_names_the_row():
    sheet = "level,kind,code,text\nL4,F,2,制动机检修\nL4,S,2.1.1,能完成五步闸试验\n"
    with pytest.raises(CsvUnknownParent) as info:
        standard_from_csv(sheet, META)
    assert info.value.row == 3 and info.value.params["parent"] == "2.1"


def test_unknown_kind_names_the_row():
    with pytest.raises(CsvUnknownKind) as info:
        standard_from_csv("level,kind,code,text\nL4,X,1,某项\n", META)
    assert info.value.row == 2 and info.value.code == "csv.unknown_kind"


def test_unknown_level_names_the_row():
    meta = dict(META, levels=[{"key": "L5", "label": "五级"}])
    with pytest.raises(CsvUnknownLevel) as info:
        standard_from_csv("level,kind,code,text\nL5,F,1,a\nL3,F,2,b\n", meta)
    assert info.value.row == 3


def test_empty_text_names_the_row_and_blank_lines_still_count():
    with pytest.raises(CsvMissingValue) as info:
        standard_from_csv("level,kind,code,text\n\nL4,F,1,\n", META)
    assert info.value.row == 3 and info.value.params["column"] == "text"


def test_the_same_code_twice_names_both_rows():
    with pytest.raises(CsvDuplicateCode) as info:
        standard_from_csv("level,kind,code,text\nL4,F,1,a\nL4,F,1,b\n", META)
    assert info.value.row == 3 and info.value.params["other"] == 2


def test_a_sheet_without_the_header_is_refused():
    with pytest.raises(CsvHeaderError) as info:
        standard_from_csv("L4,F,1,机车检查\n", META)
    assert info.value.row == 1
