"""In a real browser: a standard's dry-run report, then a maintainer makes a crosswalk (书证融通) item by item, it is
reviewed and merged, and the certificate matrix shows which chapters cover each certificate item, derived or not."""
from __future__ import annotations

import pytest

from helpers import PASSWORD, csrf_from, serving, sign_in
from materials import OVERWRITE, Author, Library, Write

from tests.server.test_standards_import_browser import GOOD, fill_sheet
from tests.server.test_crosswalks import CERT, CERT_BOOK, CERT_BOOK_YML, CERT_CHAPTER, CERT_YAML, STARTER, WALK_ID

pytestmark = pytest.mark.browser

BOOK = "locomotive-maintenance"


@pytest.fixture
def live(make_app):
    app = make_app()
    lib = Library(app.config["LIBRARY_PATH"])
    lib.commit("main", [Write(f"standards/{CERT}.yml", CERT_YAML), Write(f"books/{CERT_BOOK}/book.yml", CERT_BOOK_YML),
                        Write(f"books/{CERT_BOOK}/chapters/01-brake.md", CERT_CHAPTER)],
               Author("Admin", "a@example.org", "school"), "A 1+X standard and a book declaring it", base=OVERWRITE)
    with serving(app) as url:
        yield app, url, lib


def api(app, who: str, method: str, path: str, body: dict):
    client = sign_in(app.test_client(), who)
    response = client.open(f"/api{path}", method=method, json=body,
                           headers={"X-CSRFToken": csrf_from(client, "/account")})
    assert response.status_code in (200, 201), response.get_data(as_text=True)[:400]


def sign_in_as(page, url: str, who: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#username", who)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].button")
    page.wait_for_url(f"{url}/")


def test_dry_run_then_a_crosswalk_made_in_the_page_then_the_certificate_matrix(browser, live):
    app, url, lib = live
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in_as(page, url, "maintainer")

    # the dry-run report of a sheet: what it would create, nothing saved yet
    page.goto(f"{url}/books/{BOOK}/standards/import")
    fill_sheet(page, "标准.csv", GOOD)
    page.wait_for_url("**/standards/import/*")
    assert page.locator("#changes li.created strong").inner_text() == "3"
    assert not [b for b in lib.branches() if b.startswith("cr/")]

    # the crosswalk: from the catalogue, pick the two standards, then match an item
    page.goto(f"{url}/crosswalks")
    page.click(f"a[href='/books/{BOOK}/crosswalks/new']")
    page.select_option("#source", CERT)
    page.select_option("#target", STARTER)
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/crosswalks/new?*")
    row = page.locator("tr", has_text="能完成五步闸试验")
    row.locator("input[list=target-items]").fill("L4.S.2.1.1")
    row.locator("select").select_option("exact")
    partial = page.locator("tr", has_text="能检查走行部")
    partial.locator("input[list=target-items]").fill("L5.S.2.3.1")
    partial.locator("select").select_option("partial")
    page.fill("#cw-title", "1+X 制动 ↔ 机车检修工")
    page.click("#crosswalk-form button[type=submit]")
    page.wait_for_url(f"**/books/{BOOK}/change-requests/*")
    number = int(page.url.rsplit("/", 1)[1].split("?")[0])
    assert lib.exists(f"cr/{number}", f"crosswalks/{WALK_ID}.yml")
    assert not lib.exists("main", f"crosswalks/{WALK_ID}.yml")  # only once reviewed and merged

    from server.jobs.queue import run_pending
    run_pending(app)
    api(app, "reviewer", "POST", f"/books/{BOOK}/change-requests/{number}/reviews", {"verdict": "approve"})
    api(app, "admin", "POST", f"/books/{BOOK}/change-requests/{number}/reviews", {"verdict": "approve"})
    api(app, "admin", "POST", f"/books/{BOOK}/change-requests/{number}/merge", {})
    assert lib.exists("main", f"crosswalks/{WALK_ID}.yml")

    # the certificate matrix of a book declaring both standards (the administrator reads every book)
    context.clear_cookies()
    sign_in_as(page, url, "admin")
    page.goto(f"{url}/books/{CERT_BOOK}/alignment/certificates")
    covered = page.locator("tr.certificate-row[data-key='P.1.1.1']")
    assert covered.get_attribute("data-covered") == "yes"
    assert "经对照表" in covered.locator(".derived").inner_text() and "五步闸试验" in covered.inner_text()
    gap = page.locator("tr.certificate-row[data-key='P.1.1.2']")
    assert gap.get_attribute("data-covered") == "no" and "部分对应" in gap.inner_text()
    with page.expect_download() as download:
        page.click("text=下载 CSV")
    assert download.value.suggested_filename == f"{CERT_BOOK}-certificates.csv"
    page.click("text=打印版")
    page.wait_for_url("**/certificates/print")
    page.emulate_media(media="print")
    assert not page.locator(".topbar").is_visible()
    assert page.locator("tr.certificate-row[data-key='P.1.1.1']").is_visible()
    assert not errors
    context.close()
