"""A college's own books in a real browser: an administrator creates one from the "New book" page, and
an author imports a Word document, reads its report and opens the change request."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import PASSWORD, STARTER_BOOK, serving
from server.jobs.workers import stop_consumer

pytestmark = pytest.mark.browser
LIBREOFFICE_DOCX = Path(__file__).parents[1] / "materials" / "docx_corpus" / "libreoffice.docx"


@pytest.fixture
def app(make_app):
    """The one app of each test, with workers that convert the uploads as the server's do."""
    app = make_app(START_JOB_RUNNER=True, JOB_POLL_SECONDS=0.2)
    yield app
    stop_consumer(app)


@pytest.fixture
def live(app):
    with serving(app) as url:
        yield url


def sign_in(browser, url: str, username: str, **context):
    page = browser.new_context(locale="zh-CN", **context).new_page()
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].button")
    page.wait_for_url(f"{url}/")
    return page


@pytest.mark.parametrize("template, first_chapter", [("classic", "课程导入"), ("workbook", "任务一")])
def test_an_administrator_creates_a_book_and_finds_it_in_the_library(browser, live, lib, template, first_chapter):
    admin = sign_in(browser, live, "admin")
    admin.goto(f"{live}/books")
    admin.click("#new-book")
    admin.wait_for_url(f"{live}/books/new")
    admin.fill("#title", "城轨车辆检修")
    admin.fill("#slug", "metro-maintenance")
    admin.check(f"input[name=template][value={template}]")
    admin.fill("#school", "某某铁道职业技术学院")
    admin.click("form.new-book button[type=submit]")
    admin.wait_for_url(f"{live}/books/metro-maintenance")
    assert admin.locator("h1").inner_text() == "城轨车辆检修"
    assert "你是它的维护者" in admin.content()
    assert admin.locator("#contents").get_by_text(first_chapter).count() == 1
    admin.goto(f"{live}/books")
    admin.get_by_role("link", name="城轨车辆检修").click()
    admin.wait_for_url(f"{live}/books/metro-maintenance")
    assert lib.book("metro-maintenance").problems == []
    # the same short name again: refused on the page, in Chinese
    admin.goto(f"{live}/books/new")
    admin.fill("#title", "重复的教材")
    admin.fill("#slug", "metro-maintenance")
    admin.click("form.new-book button[type=submit]")
    assert "简称 metro-maintenance 已被另一本教材使用" in admin.locator("#slug-error").inner_text()


def test_an_author_imports_a_word_file_reads_the_report_and_opens_the_change_request(browser, live, lib):
    teacher = sign_in(browser, live, "teacher", viewport={"width": 390, "height": 844})  # a phone
    teacher.goto(f"{live}/books/{STARTER_BOOK}")
    teacher.click("#import-word")
    teacher.set_input_files("#document", str(LIBREOFFICE_DOCX))
    teacher.click("#import-form button[type=submit]")
    teacher.wait_for_url(f"**/books/{STARTER_BOOK}/import/word/*")
    teacher.wait_for_selector("#import-chapters", timeout=30000)  # the page refreshes itself while a job converts
    chapters = teacher.locator("#import-chapters").inner_text()
    assert "第一章 电力机车的检查" in chapters and "第二章 安全规定" in chapters
    assert "受电弓结构示意图" in teacher.locator("#import-images").inner_text()
    assert "大纲级别为 1 的段落成为 1 级标题" in teacher.locator("#import-changed").inner_text()
    assert "字体、颜色、字号和版式未导入" in teacher.locator("#import-lost").inner_text()
    width = teacher.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the report is {width}px wide on a 390px phone"
    assert not [b for b in lib.branches() if b.startswith("cr/")]  # nothing saved before confirming
    teacher.click("#import-open")
    teacher.wait_for_url(f"**/books/{STARTER_BOOK}/change-requests/*")
    assert "导入 Word 文档 libreoffice.docx" in teacher.locator("h1").inner_text()
    assert "受电弓结构示意图" in teacher.content()
    number = teacher.url.rsplit("/", 1)[1]
    assert f"books/{STARTER_BOOK}/chapters/08-chapter.md" in lib.files(f"cr/{number}", f"books/{STARTER_BOOK}/")


def test_the_new_book_and_import_pages_fit_a_phone(browser, live):
    admin = sign_in(browser, live, "admin", viewport={"width": 360, "height": 740})
    for path in ("/books/new", f"/books/{STARTER_BOOK}/import/word", f"/books/{STARTER_BOOK}/import/mkdocs",
                 f"/books/{STARTER_BOOK}"):
        admin.goto(live + path)
        width = admin.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width}px wide on a 360px phone"
    admin.goto(f"{live}/books/new")
    assert admin.locator("#title").bounding_box()["width"] <= 360
