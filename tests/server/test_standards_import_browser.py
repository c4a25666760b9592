"""In a real browser, on a phone: a sheet with mistakes is answered with every problem at once; the corrected sheet
shows its dry-run report, and confirming it opens the change request."""
from __future__ import annotations

import pytest

from helpers import PASSWORD, serving
from materials import Library

pytestmark = pytest.mark.browser

BOOK = "locomotive-maintenance"
BAD = "层级,类别,编号,内容\r\nL4,F,1,机车检查\r\nL4,X,1.1,制动机检查\r\nL4,S,1.1.1,\r\n"
GOOD = "层级,类别,编号,内容\r\nL4,F,1,机车检查\r\nL4,C,1.1,制动机检查\r\nL4,S,1.1.1,能完成五步闸试验\r\n"


@pytest.fixture
def live(make_app):
    app = make_app()
    with serving(app) as url:
        yield url, Library(app.config["LIBRARY_PATH"])


def fill_sheet(page, name: str, text: str) -> None:
    page.set_input_files("#csv-sheet", files=[{"name": name, "mimeType": "text/csv",
                                               "buffer": text.encode("gb18030")}])
    page.fill("#csv-standard_id", "cn-noss-test-brakes@2024")
    page.fill("#csv-title", "制动机检修（测试）")
    page.fill("#csv-edition", "2024")
    page.click("form.import-csv button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


def test_a_sheet_s_dry_run_report_then_confirm_opens_the_change_request(browser, live):
    url, lib = live
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/login")
    page.fill("#username", "maintainer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].button")
    page.wait_for_url(f"{url}/")

    page.goto(f"{url}/books/{BOOK}/standards/import")
    fill_sheet(page, "标准.csv", BAD)
    places = page.locator(".import-errors td.where").all_inner_texts()
    assert places == ["第 3 行，B 列", "第 4 行，D 列"]  # both mistakes at once
    assert "2 个问题" in page.locator(".import-errors").inner_text()
    assert not [b for b in lib.branches() if b.startswith("cr/")]

    fill_sheet(page, "标准.csv", GOOD)
    page.wait_for_url("**/standards/import/*")
    assert page.locator("h1").inner_text().startswith("检查导入内容")
    assert page.locator("#changes li.created strong").inner_text() == "3"
    assert "能完成五步闸试验" in page.locator("#changes").inner_text()
    assert not [b for b in lib.branches() if b.startswith("cr/")]  # still nothing saved
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # the report fits the phone

    page.click("#confirm-import")
    page.wait_for_url(f"**/books/{BOOK}/change-requests/*")
    (branch,) = [b for b in lib.branches() if b.startswith("cr/")]
    assert lib.exists(branch, "standards/cn-noss-test-brakes@2024.yml")
    assert "cn-noss-test-brakes@2024" in page.content()
    assert not errors
    context.close()


def test_a_statement_s_formula_is_typeset_in_the_catalogue(browser, make_app):
    import dataclasses

    from materials import OVERWRITE, Author, Write
    from materials.standards.reading import parse_standard
    from materials.standards.writing import dump_standard

    app = make_app()
    lib = Library(app.config["LIBRARY_PATH"])
    path = "standards/sample-noss-locomotive-maintenance@2026.yml"
    std = parse_standard(lib.read("main", path), path)
    key = next(i.key for i in std.items if i.kind == "S")
    items = tuple(dataclasses.replace(i, text="能按 $U = IR$ 计算并 **记录**") if i.key == key else i for i in std.items)
    lib.commit("main", [Write(path, dump_standard(dataclasses.replace(std, items=items)))],
               Author("Admin", "admin@example.org", "school"), "A formula", base=OVERWRITE)
    with serving(app) as url:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.goto(f"{url}/login")
        page.fill("#username", "reader")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit].button")
        page.wait_for_url(f"{url}/")
        page.goto(f"{url}/standards/sample-noss-locomotive-maintenance@2026")
        statement = page.locator(f'li[id="item-{key}"] > .statement')
        statement.locator(".katex").first.wait_for()  # KaTeX typeset the TeX
        assert statement.locator("strong").inner_text() == "记录"
        context.close()
