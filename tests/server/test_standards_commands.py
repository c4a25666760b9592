"""``jointbook standards check`` and ``convert``: a file checked or converted, and the library never touched."""
from __future__ import annotations

import io
import json

from click.testing import CliRunner
from openpyxl import Workbook

from materials.standards.case import from_case
from materials.standards.reading import parse_standard
from materials.standards.spreadsheet import standard_from_csv
from server.cli import main

BAD = "层级,类别,编号,内容\r\nL4,F,1,机车检查\r\nL4,X,1.1,制动机检查\r\nL4,S,1.1.1,\r\n"
GOOD = "层级\t类别\t编号\t内容\r\nL4\tF\t1\t机车检查\r\nL4\tC\t1.1\t制动机检查\r\nL4\tS\t1.1.1\t能完成五步闸试验\r\n"


def run(tmp_path, *args: str):
    instance = tmp_path / "instance"
    result = CliRunner().invoke(main, ["--instance", str(instance), "standards", *args])
    assert not instance.exists()  # no library, no database: nothing of the instance is opened
    return result


def test_check_prints_every_problem_at_its_place_and_fails(tmp_path):
    sheet = tmp_path / "标准.csv"
    sheet.write_bytes(BAD.encode("gb18030"))
    result = run(tmp_path, "check", str(sheet))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("problem: row 3, column B: 'X' is not one of the kinds")
    assert lines[1].startswith("problem: row 4, column D: the text cell is empty")
    assert "refused: 2 problems" in lines[2]


def test_check_of_a_clean_file_says_what_it_would_create(tmp_path):
    sheet = tmp_path / "unicode.txt"
    sheet.write_bytes(GOOD.encode("utf-16"))  # Excel's "Unicode text"
    result = run(tmp_path, "check", str(sheet), "--id", "cn-noss-test-brakes@2024", "--title", "制动机检修")
    assert result.exit_code == 0, result.output
    assert "standard: cn-noss-test-brakes@2024 — 制动机检修" in result.output
    assert "would create: 3 items (职业功能 1, 工作内容 1, 技能要求 1)" in result.output


def test_check_of_a_bad_case_package_names_its_json_path(tmp_path):
    package = tmp_path / "p.json"
    package.write_text(json.dumps({"CFDocument": {"identifier": "d1"}, "CFItems": [{"identifier": "i1"}]}))
    result = run(tmp_path, "check", str(package))
    assert result.exit_code == 1
    assert "problem: CFDocument.title:" in result.output


def test_convert_a_sheet_to_case_then_yaml_and_back_to_csv_keeps_the_standard(tmp_path):
    sheet = tmp_path / "sheet.txt"
    sheet.write_bytes(GOOD.encode("utf-16"))
    case = tmp_path / "std.json"
    first = run(tmp_path, "convert", str(sheet), "--to", "case", "--out", str(case),
                "--id", "cn-noss-test-brakes@2024", "--title", "制动机检修", "--levels", "L4 四级/中级工")
    assert first.exit_code == 0, first.output
    meta = {"id": "cn-noss-test-brakes@2024", "title": "制动机检修", "scheme": "cn-noss", "edition": "2024",
            "levels": [{"key": "L4", "label": "四级/中级工", "cumulative": True}]}
    expected = standard_from_csv(GOOD.encode("utf-16"), meta)
    assert from_case(json.loads(case.read_text(encoding="utf-8"))) == expected
    yaml_file = tmp_path / "std.yml"
    assert run(tmp_path, "convert", str(case), "--to", "yaml", "--out", str(yaml_file)).exit_code == 0
    assert parse_standard(yaml_file.read_bytes(), "std.yml") == expected
    back = run(tmp_path, "convert", str(yaml_file), "--to", "csv")
    assert back.exit_code == 0
    assert back.stdout_bytes.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    assert "L4,S,1.1.1,能完成五步闸试验,1.1" in back.stdout_bytes.decode("utf-8-sig")


def test_convert_an_xlsx_of_the_printed_table(tmp_path):
    book = Workbook()
    for row in [("职业功能", "工作内容", "技能要求", "相关知识要求"), ("1 机车检查", "1.1 制动机检查", "1.1.1 能完成五步闸试验", "1.1.1 试验方法"),
                (None, None, "1.1.2 能检查制动缸", None)]:
        book.active.append(row)
    book.active.merge_cells("A2:A3")
    raw = io.BytesIO()
    book.save(raw)
    workbook = tmp_path / "标准.xlsx"
    workbook.write_bytes(raw.getvalue())
    out = tmp_path / "std.yml"
    result = run(tmp_path, "convert", str(workbook), "--to", "yaml", "--out", str(out), "--id", "cn-noss-x@2024",
                 "--levels", "L4 四级")
    assert result.exit_code == 0, result.output
    std = parse_standard(out.read_bytes(), "std.yml")
    assert std.by_key["L4.S.1.1.2"].parent == "L4.C.1.1" and std.title == "标准"


def test_convert_refuses_a_file_with_a_problem_and_writes_nothing(tmp_path):
    sheet = tmp_path / "bad.csv"
    sheet.write_text(BAD, encoding="utf-8")
    out = tmp_path / "out.json"
    result = run(tmp_path, "convert", str(sheet), "--to", "case", "--out", str(out), "--id", "x@1")
    assert result.exit_code == 1 and not out.exists()
    assert "row 3, column B" in result.stderr
