"""In a real browser: a demo account signs in, switches language, and uses the menu on a phone."""
from __future__ import annotations

import shutil

import pytest

from helpers import serving
from server.app import create_app
from server.first_run import prepare_instance

pytestmark = pytest.mark.browser


@pytest.fixture
def live_server(tmp_path, starter_library):
    """The platform on a fresh instance, served by waitress on a free port, with its demo accounts."""
    shutil.copytree(starter_library, tmp_path / "instance" / "library.git")
    app = create_app({"JOINTBOOK_INSTANCE": str(tmp_path / "instance"), "SECRET_KEY": "browser-test"})
    _created, accounts = prepare_instance(app)
    with serving(app) as url:
        yield url, {a.username: a.password for a in accounts}


def test_demo_teacher_signs_in_switches_language_and_back(page, live_server):
    url, passwords = live_server
    page.goto(f"{url}/")
    assert page.locator("h1").inner_text() == "登录"  # the browser says zh-CN
    page.fill("#username", "teacher")
    page.fill("#password", passwords["teacher"])
    page.click("button[type=submit].button")
    page.wait_for_url(f"{url}/")
    assert "欢迎" in page.locator("h1").inner_text()
    assert page.locator("#panel-books").get_by_text("电力机车运用与检修").is_visible()
    assert page.locator("#panel-drafts h2").inner_text() == "我的草稿"

    page.click("summary.menu-button")
    page.click("button[value=en]")
    page.wait_for_load_state()
    assert page.locator("#panel-books h2").inner_text() == "My books"
    assert page.locator("html").get_attribute("lang") == "en"

    page.click("summary.menu-button")
    page.click("button[value=zh_CN]")
    page.wait_for_load_state()
    assert page.locator("#panel-books h2").inner_text() == "我的教材"


def test_menu_is_usable_on_a_phone(browser, live_server):
    url, passwords = live_server
    context = browser.new_context(locale="en-US", viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        page.goto(f"{url}/login")
        page.fill("#username", "admin")
        page.fill("#password", passwords["admin"])
        page.click("button[type=submit].button")
        page.wait_for_url(f"{url}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sticks out sideways
        people = page.get_by_role("link", name="People")
        assert not people.is_visible()  # folded away until the menu opens
        page.click("summary.menu-button")
        box = page.locator(".menu-panel").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        people.click()
        page.wait_for_url(f"{url}/admin/people")
        assert page.get_by_role("cell", name="enterprise-reviewer").is_visible()
    finally:
        context.close()
