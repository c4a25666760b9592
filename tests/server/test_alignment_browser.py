"""In a real browser: tag a chapter with two standard items through the editor's picker, see the coverage rise."""
from __future__ import annotations

import re
import shutil

import pytest

from helpers import open_chapter_details, serving
from materials import OVERWRITE, Author, Library, Write
from server.app import create_app
from server.first_run import prepare_instance

pytestmark = pytest.mark.browser

BOOK = "locomotive-maintenance"
CHAPTER = "07-emergency-handling.md"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, starter_library):
    """The platform on a fresh instance (demo accounts) whose book lets maintainers commit to main directly."""
    tmp_path = tmp_path_factory.mktemp("alignment-browser")
    library = tmp_path / "instance" / "library.git"
    shutil.copytree(starter_library, library)
    lib = Library(library)
    path = f"books/{BOOK}/book.yml"
    text = lib.read_text("main", path).replace("direct_commits: false", "direct_commits: true")
    lib.commit("main", [Write(path, text)], Author("管理员", "admin@example.edu.cn", "school"), "允许维护者直接提交",
               base=OVERWRITE)
    app = create_app({"JOINTBOOK_INSTANCE": str(tmp_path / "instance"), "SECRET_KEY": "browser-test"})
    _created, accounts = prepare_instance(app)
    with serving(app) as url:
        yield url, {a.username: a.password for a in accounts}


def level_figure(page, level: str) -> str:
    return page.locator(f'tr.level-row[data-level="{level}"] .covered-count').inner_text().strip()


def test_tagging_a_chapter_with_two_items_raises_the_books_coverage(page, live_server):
    url, passwords = live_server
    page.goto(f"{url}/login")
    page.fill("#username", "admin")
    page.fill("#password", passwords["admin"])
    page.click("button[type=submit].button")
    page.wait_for_url(re.compile(r".*/$"))

    page.goto(f"{url}/books/{BOOK}/alignment")
    assert level_figure(page, "L4") == "36/40"
    assert page.locator('li.gap-item[data-key="L4.S.1.1.1"]').count() == 1

    page.goto(f"{url}/books/{BOOK}/chapters/{CHAPTER}/edit?branch=main")
    open_chapter_details(page)
    page.fill("#standard-search", "原理图")
    page.locator('#standard-results button[data-key="L4.S.1.1.1"]').click()
    page.locator('#standard-results button[data-key="L4.K.1.1.1"]').click()
    assert page.locator('#standard-chips input[value="L4.S.1.1.1"]').is_checked()
    page.click("#save")
    page.wait_for_load_state("networkidle")

    page.goto(f"{url}/books/{BOOK}/alignment")
    assert level_figure(page, "L4") == "38/40"
    assert level_figure(page, "L3") == "45/53"  # cumulative: 三级 counts the 四级 items too
    assert page.locator('li.gap-item[data-key="L4.S.1.1.1"]').count() == 0
    row = page.locator('tr.item-row[data-key="L4.S.1.1.1"]')
    assert row.get_attribute("data-covered") == "yes"


def test_alignment_matrix_scrolls_inside_its_box_on_a_phone(browser, live_server):
    url, passwords = live_server
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        page.goto(f"{url}/login")
        page.fill("#username", "teacher")
        page.fill("#password", passwords["teacher"])
        page.click("button[type=submit].button")
        page.wait_for_url(re.compile(r".*/$"))
        page.goto(f"{url}/books/{BOOK}/alignment?level=L4&kind=S")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # the page itself does not scroll sideways
        box = page.locator(".matrix-wrap")
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")  # the matrix scrolls inside its box
        header = page.locator(".matrix thead th.ch").first
        assert header.evaluate("e => getComputedStyle(e).position") == "sticky"
        page.select_option("select[name=kind]", "K")
        page.click(".filters button[type=submit]")
        keys = page.locator("tr.item-row").evaluate_all("rows => rows.map(r => r.dataset.key)")
        assert keys and all(".K." in k for k in keys)
    finally:
        context.close()
