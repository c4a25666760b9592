"""In a real browser: a teacher opens the starter book, its history, a diff and blame coloured by side."""
from __future__ import annotations

import shutil

import pytest

from helpers import serving
from materials import OVERWRITE, Author, Library, Write
from server.app import create_app
from server.first_run import prepare_instance

pytestmark = pytest.mark.browser

BOOK = "locomotive-maintenance"
PATH = f"books/{BOOK}/chapters/03-brake-test.md"


@pytest.fixture
def live_server(tmp_path, starter_library):
    """The platform on a fresh instance (demo accounts), served by waitress on a free port.

    The same set-up as tests/server/test_browser_layout.py, plus one edit by a school teacher in a chapter an enterprise technician wrote.
    """
    library = tmp_path / "instance" / "library.git"
    shutil.copytree(starter_library, library)
    lib = Library(library)
    text = lib.read_text("main", PATH)
    lib.commit("main", [Write(PATH, text.replace("主要由五部分组成", "主要由六部分组成", 1))],
               Author("王老师", "wang@example.edu.cn", "school"), "改为六部分", base=OVERWRITE)
    app = create_app({"JOINTBOOK_INSTANCE": str(tmp_path / "instance"), "SECRET_KEY": "browser-test"})
    _created, accounts = prepare_instance(app)
    with serving(app) as url:
        yield url, {a.username: a.password for a in accounts}


def _background(page, selector: str) -> str:
    return page.locator(selector).first.evaluate("e => getComputedStyle(e).backgroundColor")


def test_teacher_finds_history_diff_and_blame_coloured_by_side(browser, live_server):
    url, passwords = live_server
    context = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{url}/login")
        page.fill("#username", "teacher")
        page.fill("#password", passwords["teacher"])
        page.click("button[type=submit].button")
        page.wait_for_url(f"{url}/")

        page.locator("#panel-books").get_by_text("电力机车运用与检修").click()
        page.wait_for_url(f"{url}/books/{BOOK}")
        assert page.locator("h1").inner_text() == "电力机车运用与检修"
        assert page.locator("#contents li.chapter-row").count() == 7
        assert page.locator("#share").get_by_text("企业").is_visible()

        page.locator(".book-actions").get_by_role("link", name="修改历史").click()
        page.wait_for_url(f"{url}/books/{BOOK}/history")
        first = page.locator("li.commit").first
        assert "改为六部分" in first.inner_text() and first.locator(".side-school").is_visible()

        first.locator("a.commit-summary").click()
        page.wait_for_url(f"{url}/books/{BOOK}/commits/*")
        change = page.locator("table.split tr.change").first
        assert change.locator("td.old mark").inner_text() == "五"
        assert change.locator("td.new mark").inner_text() == "六"
        page.get_by_role("link", name="合并显示").click()
        page.wait_for_selector("table.diff.unified")

        # on a phone the side-by-side table folds into one column: nothing sticks out sideways
        page.go_back()
        page.set_viewport_size({"width": 375, "height": 740})
        page.wait_for_selector("table.split")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        old_cell = page.locator("table.split tr.change td.code.old").first.bounding_box()
        new_cell = page.locator("table.split tr.change td.code.new").first.bounding_box()
        assert new_cell["y"] > old_cell["y"]  # the new line under the old one, not beside it
        page.set_viewport_size({"width": 1100, "height": 900})

        page.goto(f"{url}/books/{BOOK}/chapters/03-brake-test.md")
        page.get_by_role("link", name="谁写了什么").first.click()
        page.wait_for_url(f"{url}/books/{BOOK}/chapters/03-brake-test.md/blame")
        legend = page.locator(".legend").inner_text()
        assert "企业" in legend and "学校" in legend
        changed = page.locator(".blame-run", has_text="主要由六部分组成")
        assert "王老师" in changed.locator(".blame-who").inner_text()
        assert changed.get_attribute("data-side") == "school"
        school, enterprise = _background(page, ".blame-run.side-school"), _background(page, ".blame-run.side-enterprise")
        assert school != enterprise and "rgba(0, 0, 0, 0)" not in (school, enterprise)
        assert _background(page, ".swatch.side-enterprise") != _background(page, ".swatch.side-school")
    finally:
        context.close()
