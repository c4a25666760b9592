"""In a real browser, which sends every textarea with CRLF line endings and drops the
newline that opens one: saving a chapter stores it in the library's one form, saving it
unchanged makes no commit, and the conflict screen's "Keep mine" stores LF."""
from __future__ import annotations

import shutil

import pytest

from helpers import serving
from materials import Library
from server.app import create_app
from server.first_run import prepare_instance

pytestmark = pytest.mark.browser

BOOK = "locomotive-maintenance"
CHAPTER = "03-brake-test.md"
PATH = f"books/{BOOK}/chapters/{CHAPTER}"
LINE = "列车管定压"


@pytest.fixture
def text_server(tmp_path, starter_library):
    """The platform on a fresh instance with its demo accounts, served on a free port: each test
    starts from the starter chapter as the library has it (flow lists in its front matter)."""
    library = tmp_path / "instance" / "library.git"
    shutil.copytree(starter_library, library)
    app = create_app({"JOINTBOOK_INSTANCE": str(tmp_path / "instance"), "SECRET_KEY": "text-browser-test"})
    _created, accounts = prepare_instance(app)
    with serving(app) as url:
        yield url, {a.username: a.password for a in accounts}, Library(library)


@pytest.fixture
def english(browser):
    context = browser.new_context(locale="en-US")
    yield context
    context.close()


def signed_in_editor(context, url: str, password: str):
    """A page with the chapter open in the editor, in the teacher's change request; and its branch."""
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("#username", "teacher")
    page.fill("#password", password)
    page.click("button[type=submit].button")
    page.wait_for_url(f"{url}/")
    page.goto(f"{url}/books/{BOOK}/chapters/{CHAPTER}/edit")
    if "/change-requests/new" in page.url:
        page.click("form:has(#cr-title) button[type=submit]")
        page.wait_for_url(f"**/chapters/{CHAPTER}/edit**")
    number = page.locator(".editor-where a.badge").inner_text().rsplit("#", 1)[1]
    return page, f"cr/{number}"


def changed_lines(lib, old: str, new: str) -> tuple[int, int]:
    files = [f for f in lib.diff(old, new, [PATH]).files if f.path == PATH]
    return (files[0].added, files[0].removed) if files else (0, 0)


def replace_text(page, text: str) -> None:
    """Replace the whole chapter text as an author does in the Markdown mode of the editor."""
    page.click("button.jb-mode[data-mode=source]")
    page.locator(".jb-source .cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)


def test_saving_a_chapter_unchanged_in_the_browser_makes_no_commit(english, text_server):
    url, passwords, lib = text_server
    page, branch = signed_in_editor(english, url, passwords["teacher"])
    before = lib.resolve(branch)
    page.click("#save")
    page.wait_for_selector(".flash-info, .flash-success")
    assert "Nothing to save: the chapter is unchanged." in page.locator(".flash-info, .flash-success").inner_text()
    assert lib.resolve(branch) == before


def test_one_line_changed_in_the_browser_is_one_changed_line_in_the_library(english, text_server):
    url, passwords, lib = text_server
    page, branch = signed_in_editor(english, url, passwords["teacher"])
    before = lib.resolve(branch)
    replace_text(page, page.locator("#body").input_value().replace(LINE, "列车管的定压", 1))
    page.click("#save")
    page.wait_for_selector(".flash-success")
    stored = lib.read_text(branch, PATH)
    assert "\r" not in stored and "列车管的定压" in stored
    assert changed_lines(lib, before, branch) == (1, 1)


def test_keep_mine_on_the_conflict_screen_stores_lf(browser, text_server):
    url, passwords, lib = text_server
    first, second = browser.new_context(locale="en-US"), browser.new_context(locale="en-US")
    try:
        a, branch = signed_in_editor(first, url, passwords["teacher"])
        b, _ = signed_in_editor(second, url, passwords["teacher"])
        original = a.locator("#body").input_value()
        replace_text(a, original.replace("## ", "## 甲：", 1))
        a.click("#save")
        a.wait_for_selector(".flash-success")
        theirs = lib.resolve(branch)

        replace_text(b, original.replace("## ", "## 乙：", 1))
        b.click("#save")
        b.wait_for_selector("#conflict")
        b.click("#keep-mine")
        b.wait_for_selector(".flash-success")
        stored = lib.read_text(branch, PATH)
        assert "\r" not in stored and "## 乙：" in stored and "## 甲：" not in stored
        assert changed_lines(lib, theirs, branch) == (1, 1)
    finally:
        first.close()
        second.close()
