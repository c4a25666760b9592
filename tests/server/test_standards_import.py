"""Importing a standard from a CASE package or a filled sheet: reviewed on a draft branch, never written behind Git."""
from __future__ import annotations

import dataclasses
import io
import json

from helpers import csrf_from
from materials import OVERWRITE, Author, Library, Write
from materials.standards.case import to_case
from materials.standards.reading import parse_standard

BOOK = "locomotive-maintenance"
IMPORT = f"/books/{BOOK}/standards/import"
STARTER = "sample-noss-locomotive-maintenance@2026"
GOOD_SHEET = "层级,类别,编号,内容,上级编号\r\nL4,F,1,机车检查,\r\nL4,C,1.1,制动机检查,\r\nL4,S,1.1.1,能完成五步闸试验,\r\n"
BAD_SHEET = "层级,类别,编号,内容,上级编号\r\nL4,F,1,机车检查,\r\nL4,X,1.1,制动机检查,\r\n"
META = {"csv-standard_id": "cn-noss-test-brakes@2024", "csv-title": "制动机检修（测试）", "csv-scheme": "cn-noss",
        "csv-edition": "2024", "csv-status": "current", "csv-language": "zh-CN"}


def state(app) -> tuple[str, dict[str, str]]:
    lib = Library(app.config["LIBRARY_PATH"])
    return lib.resolve("main"), lib.branches()


def api_post(client, url: str, body: dict):
    """A JSON call from a signed-in page: the session's CSRF token goes in the header."""
    return client.post(url, json=body, headers={"X-CSRFToken": csrf_from(client, "/standards")})


def upload_sheet(client, sheet: str | bytes, name: str = "sheet.csv", **extra):
    """Upload a sheet: a clean one goes to its dry-run report (nothing saved yet), a bad one back to the form."""
    token = csrf_from(client, IMPORT)
    raw = sheet.encode("utf-8-sig") if isinstance(sheet, str) else sheet
    data = {**META, **extra, "csrf_token": token, "csv-sheet": (io.BytesIO(raw), name)}
    return client.post(IMPORT, data=data, content_type="multipart/form-data")


def confirm(client, report):
    """Read the dry-run report an upload led to, and confirm it."""
    assert report.status_code == 302 and "/standards/import/" in report.headers["Location"], \
        report.get_data(as_text=True).partition('class="import-problems"')[2][:800]
    url = report.headers["Location"]
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, data={"confirm-csrf_token": csrf_from(client, url), "confirm-go": "1"})


def upload_and_confirm(client, sheet: str, **extra):
    return confirm(client, upload_sheet(client, sheet, **extra))


def test_a_sheet_with_a_bad_row_names_the_row_and_writes_nothing(app, signed_in):
    before = state(app)
    response = upload_sheet(signed_in("maintainer"), BAD_SHEET)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    table = html.split('class="card import-errors"', 1)[1].split("</table>", 1)[0]
    assert '<td class="where">第 3 行，B 列</td>' in table and "X" in table
    assert state(app) == before


def change_request_branch(lib: Library) -> str:
    """The one change-request branch an import opened."""
    (branch,) = [b for b in lib.branches() if b.startswith("cr/")]
    return branch


def test_a_good_sheet_arrives_as_a_change_request_not_on_main(app, signed_in):
    main_before, _ = state(app)
    client = signed_in("maintainer")
    report = upload_sheet(client, GOOD_SHEET, **{"csv-levels": "L4 四级/中级工"})
    assert state(app)[0] == main_before and not [b for b in state(app)[1] if b.startswith("cr/")]  # a dry run first
    response = confirm(client, report)
    assert response.status_code == 302
    assert f"/books/{BOOK}/change-requests/" in response.headers["Location"]
    lib = Library(app.config["LIBRARY_PATH"])
    branch = change_request_branch(lib)
    assert lib.resolve("main") == main_before  # main untouched
    std = parse_standard(lib.read(branch, "standards/cn-noss-test-brakes@2024.yml"),
                         "standards/cn-noss-test-brakes@2024.yml")
    assert std.by_key["L4.S.1.1.1"].parent == "L4.C.1.1" and std.levels[0].label == "四级/中级工"
    assert lib.log(branch, limit=1)[0].side == "school"
    page = signed_in("maintainer").get(response.headers["Location"]).get_data(as_text=True)
    assert "cn-noss-test-brakes@2024" in page  # the change request shows the imported edition


def test_an_admin_imports_straight_to_main_only_where_the_book_allows_direct_commits(app, signed_in):
    lib = Library(app.config["LIBRARY_PATH"])
    path = f"books/{BOOK}/book.yml"
    allowed = lib.read("main", path).decode().replace("direct_commits: false", "direct_commits: true")
    lib.commit("main", [Write(path, allowed)], Author("Admin", "admin@example.org", "school"), "Allow direct commits",
               base=OVERWRITE)
    maintainer = upload_and_confirm(signed_in("maintainer"), GOOD_SHEET, **{"csv-direct": "y"})
    assert "/change-requests/" in maintainer.headers["Location"]  # not an admin: still reviewed
    assert not lib.exists("main", "standards/cn-noss-test-brakes@2024.yml")
    admin = upload_and_confirm(signed_in("admin"), GOOD_SHEET.replace("五步闸", "制动缸"),
                               **{"csv-direct": "y", "csv-standard_id": "cn-noss-test-brakes@2025", "csv-edition": "2025"})
    assert admin.status_code == 302 and "branch=" not in admin.headers["Location"]
    assert lib.exists("main", "standards/cn-noss-test-brakes@2025.yml")
    listed = signed_in("reader").get("/standards").get_data(as_text=True)
    assert "cn-noss-test-brakes@2025" in listed


def test_a_case_package_from_another_system_is_imported_with_its_tree(app, signed_in):
    lib = Library(app.config["LIBRARY_PATH"])
    starter = parse_standard(lib.read("main", f"standards/{STARTER}.yml"), f"standards/{STARTER}.yml")
    renamed = dataclasses.replace(starter, id="sample-noss-locomotive-maintenance@2027", edition="2027")
    package = json.dumps(to_case(renamed)).encode()
    client = signed_in("maintainer")
    token = csrf_from(client, IMPORT)
    response = confirm(client, client.post(IMPORT, content_type="multipart/form-data", data={
        "csrf_token": token, "case-package": (io.BytesIO(package), "package.json"), "case-standard_id": ""}))
    assert response.status_code == 302
    branch = change_request_branch(lib)
    imported = parse_standard(lib.read(branch, "standards/sample-noss-locomotive-maintenance@2027.yml"),
                              "standards/sample-noss-locomotive-maintenance@2027.yml")
    assert imported == renamed


def test_a_malformed_case_package_is_refused_with_a_translated_error(app, signed_in):
    before = state(app)
    client = signed_in("maintainer")
    token = csrf_from(client, IMPORT)
    response = client.post(IMPORT, content_type="multipart/form-data", data={
        "csrf_token": token, "case-package": (io.BytesIO(b'{"CFDocument": {"identifier": "x"}}'), "p.json")})
    assert response.status_code == 422
    assert "CFDocument has no title" in response.get_data(as_text=True)
    assert state(app) == before


def test_an_edition_already_in_the_library_is_refused(app, signed_in):
    lib = Library(app.config["LIBRARY_PATH"])
    package = lib.read("main", f"standards/{STARTER}.yml")
    starter = parse_standard(package, f"standards/{STARTER}.yml")
    response = api_post(signed_in("maintainer"), f"/api/books/{BOOK}/standards/import",
                        {"format": "case", "package": to_case(starter)})
    assert response.status_code == 409 and response.json["error"]["code"] == "standard.exists"


def test_a_50_mb_upload_is_refused_before_parsing_and_writes_nothing(app, signed_in):
    before = state(app)
    client = signed_in("maintainer")
    token = csrf_from(client, IMPORT)
    big = io.BytesIO(b"{" + b" " * (50 * 1024 * 1024) + b"}")
    response = client.post(IMPORT, content_type="multipart/form-data",
                           data={"csrf_token": token, "case-package": (big, "huge.json")})
    assert response.status_code == 413
    assert "太大" in response.get_data(as_text=True) or "too large" in response.get_data(as_text=True)
    assert state(app) == before


def test_api_imports_a_sheet_as_a_change_request(app, signed_in):
    client = signed_in("maintainer")
    response = api_post(client, f"/api/books/{BOOK}/standards/import", {
        "format": "csv", "csv": GOOD_SHEET,
        "meta": {"id": "cn-noss-test-brakes@2024", "title": "制动机检修（测试）", "scheme": "cn-noss", "edition": "2024"}})
    assert response.status_code == 201, response.json
    assert response.json["branch"].startswith("cr/") and not response.json["direct"]
    assert "/change-requests/" in response.json["url"]
    bad = api_post(client, f"/api/books/{BOOK}/standards/import", {
        "format": "csv", "csv": BAD_SHEET, "meta": {"id": "x@1", "title": "x", "scheme": "cn-noss", "edition": "1"}})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "csv.unknown_kind"


def test_api_imports_a_gbk_sheet_sent_as_base64_and_refuses_what_is_no_base64(app, signed_in):
    import base64

    client = signed_in("maintainer")
    meta = {"id": "cn-noss-test-brakes@2024", "title": "制动机检修（测试）", "scheme": "cn-noss", "edition": "2024"}
    before = state(app)
    refused = api_post(client, f"/api/books/{BOOK}/standards/import",
                       {"format": "csv", "csv_base64": "no-base64 here", "meta": meta})
    assert refused.status_code == 422 and refused.json["error"]["code"] == "request.invalid"
    assert "csv_base64" in refused.json["error"]["message"]
    missing = api_post(client, f"/api/books/{BOOK}/standards/import", {"format": "csv", "meta": meta})
    assert missing.status_code == 422 and "csv" in missing.json["error"]["message"]
    assert state(app) == before
    sheet = base64.b64encode(GOOD_SHEET.encode("gbk")).decode("ascii")
    response = api_post(client, f"/api/books/{BOOK}/standards/import",
                        {"format": "csv", "csv_base64": sheet, "meta": meta})
    assert response.status_code == 201, response.json
    saved = Library(app.config["LIBRARY_PATH"]).read(response.json["branch"], "standards/cn-noss-test-brakes@2024.yml")
    assert "能完成五步闸试验" in saved.decode("utf-8")


def test_only_maintainers_and_admins_may_import(app, signed_in):
    for person in ("reader", "teacher", "reviewer", "outsider"):
        assert signed_in(person).get(IMPORT).status_code == 403, person
        response = api_post(signed_in(person), f"/api/books/{BOOK}/standards/import", {"format": "csv", "csv": ""})
        assert response.status_code == 403, person
    assert signed_in("admin").get(IMPORT).status_code == 200
    assert signed_in("maintainer").get(IMPORT).status_code == 200
