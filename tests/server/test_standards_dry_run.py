"""An import is first a dry run: every problem at once, what would be created, changed or left alone; then confirm."""
from __future__ import annotations

import dataclasses
import io
import json
import re

from openpyxl import Workbook

from helpers import csrf_from
from materials import Library
from materials.standards.case import to_case
from materials.standards.reading import parse_standard
from materials.standards.standard import Supersession

BOOK = "locomotive-maintenance"
IMPORT = f"/books/{BOOK}/standards/import"
STARTER = "sample-noss-locomotive-maintenance@2026"
SHEET = "层级,类别,编号,内容,上级编号\r\nL4,F,1,机车检查,\r\nL4,C,1.1,制动机检查,\r\nL4,S,1.1.1,能完成五步闸试验,\r\n"
META = {"csv-standard_id": "cn-noss-test-brakes@2024", "csv-title": "制动机检修（测试）", "csv-scheme": "cn-noss",
        "csv-edition": "2024", "csv-status": "current", "csv-language": "zh-CN"}


def library(app) -> Library:
    return Library(app.config["LIBRARY_PATH"])


def state(app) -> tuple[str, dict[str, str]]:
    lib = library(app)
    return lib.resolve("main"), lib.branches()


def upload(client, raw: bytes, name: str = "sheet.csv", **extra):
    data = {**META, **extra, "csrf_token": csrf_from(client, IMPORT), "csv-sheet": (io.BytesIO(raw), name)}
    return client.post(IMPORT, data=data, content_type="multipart/form-data")


def upload_case(client, package: dict, standard_id: str = ""):
    data = {"csrf_token": csrf_from(client, IMPORT), "case-standard_id": standard_id,
            "case-package": (io.BytesIO(json.dumps(package, ensure_ascii=False).encode()), "package.json")}
    return client.post(IMPORT, data=data, content_type="multipart/form-data")


def confirm(client, url: str):
    return client.post(url, data={"confirm-csrf_token": csrf_from(client, url), "confirm-go": "1"})


def problems(html: str) -> list[tuple[str, str]]:
    table = html.split('class="import-problems"', 1)[1].split("</table>", 1)[0]
    return [(where, re.sub(r"<[^>]+>", "", text)) for where, text in
            re.findall(r'<td class="where">(.*?)</td><td>(.*?)</td>', table, re.S)]


def starter(app):
    path = f"standards/{STARTER}.yml"
    return parse_standard(library(app).read("main", path), path)


def test_a_clean_sheet_shows_its_report_first_and_opens_the_change_request_only_on_confirm(app, signed_in):
    client = signed_in("maintainer")
    before = state(app)
    response = upload(client, SHEET.encode("utf-16"), "标准.txt")  # Excel's "Unicode text"
    assert response.status_code == 302
    report_url = response.headers["Location"]
    page = client.get(report_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "制动机检修（测试）" in html and "标准.txt" in html
    assert re.search(r'<li class="created"><strong>3</strong>', html)  # three items created
    assert "能完成五步闸试验" in html
    assert state(app) == before  # nothing saved by the dry run
    done = confirm(client, report_url)
    assert done.status_code == 302 and f"/books/{BOOK}/change-requests/" in done.headers["Location"]
    (branch,) = [b for b in library(app).branches() if b.startswith("cr/")]
    assert library(app).exists(branch, "standards/cn-noss-test-brakes@2024.yml")
    assert client.get(report_url).status_code == 404  # confirmed: no longer waiting


def test_every_problem_of_a_sheet_is_listed_at_once_with_row_and_column(app, signed_in):
    sheet = ("层级,类别,编号,内容\r\nL4,F,1,机车检查\r\nL4,X,1.1,制动机检查\r\nL4,S,1.1.1,\r\n"
             "L4,F,1,重复\r\n").encode("gb18030")
    before = state(app)
    response = upload(signed_in("maintainer"), sheet)
    assert response.status_code == 422
    places = [where for where, _ in problems(response.get_data(as_text=True))]
    assert places == ["第 3 行，B 列", "第 4 行，D 列", "第 5 行，C 列"]
    assert state(app) == before


def test_a_sheet_with_a_bad_byte_is_refused_with_its_row_and_byte(app, signed_in):
    good = SHEET.encode("utf-8")
    offset = good.index("能完成".encode())
    response = upload(signed_in("maintainer"), good[:offset] + b"\x80" + good[offset + 1:])
    assert response.status_code == 422
    ((where, text),) = problems(response.get_data(as_text=True))
    assert where == "第 4 行" and f"第 {offset} 字节" in text and "第 4 行" in text


def test_an_xlsx_workbook_goes_through_the_same_report(app, signed_in):
    book = Workbook()
    for row in [("职业功能", "工作内容", "技能要求", "相关知识要求"), ("1 机车检查", "1.1 制动机检查", "1.1.1 能完成五步闸试验", "1.1.1 试验方法"),
                (None, None, "1.1.2 能检查制动缸", None)]:
        book.active.append(row)
    book.active.merge_cells("A2:A3")
    book.active.merge_cells("B2:B3")
    raw = io.BytesIO()
    book.save(raw)
    client = signed_in("maintainer")
    response = upload(client, raw.getvalue(), "标准.xlsx", **{"csv-levels": "L4 四级/中级工"})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'<li class="created"><strong>5</strong>', html) and "能检查制动缸" in html


def test_a_second_import_of_one_standard_is_caught_against_the_open_change_request(app, signed_in):
    client = signed_in("maintainer")
    first = upload(client, SHEET.encode())
    confirm(client, first.headers["Location"])
    (branch,) = [b for b in library(app).branches() if b.startswith("cr/")]
    number = branch.split("/")[1]
    before = state(app)
    again = upload(signed_in("admin"), SHEET.replace("五步闸", "制动缸").encode())
    assert again.status_code == 422
    ((where, text),) = problems(again.get_data(as_text=True))
    assert f"#{number}" in text and "cn-noss-test-brakes@2024" in text
    assert state(app) == before
    api = client.post(f"/api/books/{BOOK}/standards/import", headers={"X-CSRFToken": csrf_from(client, "/standards")},
                      json={"format": "csv", "csv": SHEET, "meta": {"id": "cn-noss-test-brakes@2024", "title": "x",
                                                                     "scheme": "cn-noss", "edition": "2024"}})
    assert api.status_code == 409 and api.json["error"]["code"] == "standard.proposed"
    assert state(app) == before


def test_confirming_after_someone_else_proposed_the_same_edition_is_refused(app, signed_in):
    mine, theirs = signed_in("maintainer"), signed_in("admin")
    waiting = upload(mine, SHEET.encode()).headers["Location"]
    confirm(theirs, upload(theirs, SHEET.encode()).headers["Location"])
    before = state(app)
    late = confirm(mine, waiting)
    assert late.status_code == 409 and "已在" in late.get_data(as_text=True)
    assert state(app) == before


def test_a_new_standard_id_makes_a_new_standard_and_the_report_compares_with_the_edition_it_supersedes(app, signed_in):
    old = starter(app)
    changed_key = next(i.key for i in old.items if i.kind == "S")
    items = tuple(dataclasses.replace(i, text=i.text + "（修订）") if i.key == changed_key else i for i in old.items)
    package = to_case(dataclasses.replace(old, items=items, supersedes=(Supersession(STARTER),)))
    client = signed_in("maintainer")
    same_id = upload_case(client, package)
    assert same_id.status_code == 422 and "标准编号" in [w for w, _ in problems(same_id.get_data(as_text=True))]
    response = upload_case(client, package, "sample-noss-locomotive-maintenance@2028")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "sample-noss-locomotive-maintenance@2028" in html
    assert re.search(r'<li class="changed"><strong>1</strong>', html)
    assert re.search(rf'<li class="unchanged"><strong>{len(old.items) - 1}</strong>', html)
    assert confirm(client, response.headers["Location"]).status_code == 302
    (branch,) = [b for b in library(app).branches() if b.startswith("cr/")]
    path = "standards/sample-noss-locomotive-maintenance@2028.yml"
    new = parse_standard(library(app).read(branch, path), path)
    assert new.id == "sample-noss-locomotive-maintenance@2028" and new.edition == "2028"
    assert new.by_key[changed_key].text.endswith("（修订）")


def test_a_waiting_import_is_the_importer_s_own_and_can_be_discarded(app, signed_in):
    client = signed_in("maintainer")
    url = upload(client, SHEET.encode()).headers["Location"]
    assert signed_in("admin").get(url).status_code == 404  # another person's upload
    assert client.get(url.replace(url.rsplit("/", 1)[1], "x" * 24)).status_code == 404
    cancel = client.post(url + "/cancel", data={"csrf_token": csrf_from(client, url)})
    assert cancel.status_code == 302 and client.get(url).status_code == 404
    assert not [b for b in library(app).branches() if b.startswith(("cr/", "imports/"))]


def test_the_api_answers_the_dry_run_without_saving_anything(app, signed_in):
    client = signed_in("maintainer")
    before = state(app)
    headers = {"X-CSRFToken": csrf_from(client, "/standards"), "Accept-Language": "en"}
    meta = {"id": "cn-noss-test-brakes@2024", "title": "制动机检修（测试）", "scheme": "cn-noss", "edition": "2024"}
    good = client.post(f"/api/books/{BOOK}/standards/import/check", headers=headers,
                       json={"format": "csv", "csv": SHEET, "meta": meta})
    assert good.status_code == 200, good.json
    assert good.json["ok"] and good.json["created"] == ["L4.F.1", "L4.C.1.1", "L4.S.1.1.1"]
    bad = client.post(f"/api/books/{BOOK}/standards/import/check", headers=headers, json={
        "format": "csv", "csv": "level,kind,code,text\nL4,X,1,a\nL4,F,2,\n", "meta": meta})
    assert bad.status_code == 200 and not bad.json["ok"]
    assert [(p["where"], p["code"]) for p in bad.json["problems"]] == [
        ("row 2, column B", "csv.unknown_kind"), ("row 3, column D", "csv.missing_value")]
    assert state(app) == before
