"""The standards catalog as a teacher uses it: list, search, read the tree, download exports."""
from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft201909Validator

from helpers import sign_in
from materials import OVERWRITE, Author, Library, Write
from materials.standards.reading import parse_standard

STARTER = "sample-noss-locomotive-maintenance@2026"
SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "standards" / "schema"
                     / "case_v1p1_cfpackage-jsonschema1.json").read_text("utf-8"))
ENGLISH = """\
id: au-uoc-mem30012@2
scheme: au-uoc
code: MEM30012
title: Apply mathematical techniques in a manufacturing environment
edition: "2"
status: current
language: en
levels: [{key: U, label: Unit, cumulative: false}]
kinds: {C: Element, S: Performance criterion}
items:
  - {key: E1, code: "1", kind: C, level: U, text: Inspect brake components}
  - {key: E1.1, code: "1.1", kind: S, level: U, parent: E1, text: Measure Brake shoe thickness with a gauge}
"""


class Outline(HTMLParser):
    """The ids of the <li> elements enclosing each <li id=...> (the tree as the browser nests it)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.parents: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            ident = dict(attrs).get("id")
            if ident:
                self.parents[ident] = [i for i in self.stack if i]
            self.stack.append(ident)

    def handle_endtag(self, tag):
        if tag == "li" and self.stack:
            self.stack.pop()


@pytest.fixture
def reader(reading_app):
    return sign_in(reading_app.test_client(), "reader")


def test_catalog_lists_the_starter_standard_with_its_facts_and_counts(reader):
    html = reader.get("/standards").get_data(as_text=True)
    assert "机车检修工国家职业技能标准" in html
    assert STARTER in html and "SAMPLE-LOCO-01" in html and "cn-noss" in html
    assert "技能要求 30" in html and "相关知识要求 23" in html and ">81" in html


def test_anonymous_visitors_are_sent_to_sign_in(reading_app):
    response = reading_app.test_client().get("/standards")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_search_in_chinese_finds_the_item(reader):
    html = reader.get("/standards?q=五步闸").get_data(as_text=True)
    results = html.split('id="results"', 1)[1]
    assert "L4.S.2.1.1" in results and "制动机“五步闸”试验" in results
    assert "L5.S.1.1.1" not in results  # an item without the words is not listed
    nothing = reader.get("/standards?q=不存在的词语").get_data(as_text=True)
    assert "没有符合" in nothing or "Nothing matches" in nothing


def test_search_in_english_ignores_letter_case_and_the_tree_uses_the_units_kinds(app, signed_in):
    lib = Library(app.config["LIBRARY_PATH"])
    lib.commit("main", [Write("standards/au-uoc-mem30012@2.yml", ENGLISH)], Author("Admin", "a@example.org", "school"),
               "Add a unit of competency", base=OVERWRITE)
    client = signed_in("reader")
    results = client.get("/standards?q=BRAKE shoe").get_data(as_text=True).split('id="results"', 1)[1]
    assert "E1.1" in results and "Measure Brake shoe" in results
    api = client.get("/api/standards?q=brake").json
    assert [s["id"] for s in api["standards"]] == ["au-uoc-mem30012@2"]
    assert [i["key"] for i in api["standards"][0]["matched_items"]] == ["E1", "E1.1"]
    tree = client.get("/standards/au-uoc-mem30012@2").get_data(as_text=True)
    assert '">Element</span>' in tree and '">Performance criterion</span>' in tree  # the unit's own kinds


def test_tree_shows_kind_labels_and_nests_items_under_their_parents(reader):
    html = reader.get(f"/standards/{STARTER}").get_data(as_text=True)
    for label in ("职业功能", "工作内容", "技能要求", "相关知识要求"):
        assert f'">{label}</span>' in html
    outline = Outline()
    outline.feed(html)
    assert outline.parents["item-L4.S.2.1.1"] == ["item-L4.F.2", "item-L4.C.2.1"]
    assert outline.parents["item-L4.F.2"] == []
    assert "五级/初级工" in html and "四级/中级工" in html and "三级/高级工" in html
    assert "权重" in html or "Weights" in html


def test_unknown_standard_is_a_404(reader):
    assert reader.get("/standards/nope@1").status_code == 404


def test_case_export_download_validates_against_the_case_11_schema(reader):
    response = reader.get(f"/standards/{STARTER}/export/case")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    package = json.loads(response.get_data())
    validator = Draft201909Validator(SCHEMA, format_checker=Draft201909Validator.FORMAT_CHECKER)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(package)]
    assert errors == []
    assert len(package["CFItems"]) == 81


def test_csv_export_opens_in_excel_and_lists_every_item(reader):
    response = reader.get(f"/standards/{STARTER}/export/csv")
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for Chinese text
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["层级", "类别", "编号", "内容", "上级编号"]
    assert ["L4", "S", "2.1.1", "能按作业标准完成制动机“五步闸”试验并判断结果", "2.1"] in rows
    assert len(rows) == 82


def test_yaml_export_reads_back_as_the_same_standard(reading_app, reader):
    response = reader.get(f"/standards/{STARTER}/export/yaml")
    original = Library(reading_app.config["LIBRARY_PATH"]).read("main", f"standards/{STARTER}.yml")
    path = f"standards/{STARTER}.yml"
    assert parse_standard(response.get_data(), path) == parse_standard(original, path)
    assert yaml.safe_load(response.get_data())["id"] == STARTER


def test_api_describes_one_standard_and_lists_the_catalog(reader):
    client = reader
    listed = client.get("/api/standards").json["standards"]
    assert [s["id"] for s in listed] == [STARTER]
    assert listed[0]["counts"] == {"F": 10, "C": 18, "S": 30, "K": 23, "total": 81}
    one = client.get(f"/api/standards/{STARTER}").json
    assert one["standard"]["levels"][0] == {"key": "L5", "label": "五级/初级工", "cumulative": True}
    assert client.get(f"/api/standards/{STARTER}/export?format=yaml").status_code == 200
    assert client.get("/api/standards/nope@1").status_code == 404


def test_openapi_document_lists_the_standards_and_alignment_endpoints(reader):
    paths = reader.get("/api/openapi.json").json["paths"]
    for path in ("/standards", "/standards/{standard_id}", "/standards/{standard_id}/export",
                 "/books/{book}/standards/import", "/books/{book}/alignment", "/books/{book}/alignment/capabilities",
                 "/books/{book}/alignment/migrations", "/books/{book}/alignment/migrations/{standard_id}"):
        assert "/api" + path in paths, path


def test_csv_template_download(reading_app):
    teacher = sign_in(reading_app.test_client(), "teacher")
    response = teacher.get("/standards/csv-template")
    assert response.get_data().decode("utf-8-sig").splitlines()[0] == "层级,类别,编号,内容,上级编号"
    english = teacher.get("/standards/csv-template?lang=en")
    assert english.get_data().decode("utf-8-sig").splitlines()[0] == "level,kind,code,text,parent"
