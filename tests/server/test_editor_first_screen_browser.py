"""The chapter editor's first screen, in Chromium: the text is there on opening, on a desktop and on
a phone, and the chapter's details (title, objectives, hours, summary, standard items) are one line
above it that the author opens, by mouse or keyboard, and saves like the rest of the form."""
from __future__ import annotations

import pytest

from helpers import open_chapter_details, serious_violations, serving, signed_in_page
from materials import Library, parse_chapter

pytestmark = pytest.mark.browser

BOOK = "locomotive-maintenance"
FILE = "03-brake-test.md"
PATH = f"books/{BOOK}/chapters/{FILE}"
DESKTOP = {"viewport": {"width": 1366, "height": 768}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DETAILS = ("#title", "#objectives input[name=objectives]", "#hours", "#summary", "#standard-chips .chip", "#standard-search")


@pytest.fixture
def editing(browser, make_app):
    """Open the brake-test chapter in the editor as the teacher, in a change request, on a given screen."""
    app = make_app()
    pages = []

    def open_on(screen: dict):
        page = signed_in_page(browser, url, "teacher", **screen)
        pages.append(page)
        page.goto(f"{url}/books/{BOOK}/chapters/{FILE}/edit")
        page.click("#start button[type=submit]")
        page.wait_for_url(f"**/chapters/{FILE}/edit**")
        page.wait_for_selector(".jb-visual .ProseMirror")
        return page

    with serving(app) as url:
        yield open_on, Library(app.config["LIBRARY_PATH"])
        for page in pages:
            page.context.close()


def details_open(page) -> bool:
    return page.locator("#chapter-details").evaluate("details => details.open")


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_text_is_on_the_first_screen_and_the_details_open_from_one_line_above_it(editing, screen):
    open_on, lib = editing
    page = open_on(screen)
    height = screen["viewport"]["height"]
    text = page.locator(".jb-visual .ProseMirror").bounding_box()
    assert text["y"] + 120 < height, text  # its first lines are in view without scrolling
    assert not details_open(page)
    assert not any(page.locator(field).first.is_visible() for field in DETAILS)
    line = page.locator("#details-button")
    assert "3 个学习目标" in line.inner_text() and "6 学时" in line.inner_text()
    assert line.bounding_box()["height"] <= 48  # one line, on a phone too
    assert page.locator("#chapter-title").inner_text() == "制动机的检查与试验"
    bar, save, message = (page.locator(what).bounding_box() for what in (".save-bar", "#save", "#message"))
    assert bar["height"] <= save["height"] + 24, bar  # the save bar is one line: what changed, beside Save
    assert abs((message["y"] + message["height"] / 2) - (save["y"] + save["height"] / 2)) < 4

    line.click()
    for field in DETAILS:
        assert page.locator(field).first.is_visible(), field
    page.fill("#hours", "8")
    assert "8 学时" in line.inner_text()  # the line says what the fields now hold
    page.click("#save")
    page.wait_for_selector(".flash-success")

    branch = page.locator("input[name=branch]").input_value()
    assert parse_chapter(lib.read_text(branch, PATH), PATH)[0].hours == 8
    assert page.locator("#hours").input_value() == "8" and "8 学时" in line.inner_text()
    assert not details_open(page)  # the saved page opens on the text again


def test_the_details_open_and_close_by_keyboard_with_the_focus_kept_on_their_line(editing):
    open_on, _lib = editing
    page = open_on(DESKTOP)
    page.locator("h1").click()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "details-button":
            break
    else:
        raise AssertionError("Tab never reached the chapter details")
    outline = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); "
                            "return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()")
    assert outline[0] != "none" and outline[1] >= 2  # focus shows

    page.keyboard.press("Enter")
    assert details_open(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "title"
    page.keyboard.press("Escape")
    assert not details_open(page)
    assert page.evaluate("document.activeElement.id") == "details-button"

    page.keyboard.press("Enter")
    page.locator("#close-details").focus()
    page.keyboard.press("Enter")  # the Close button at the end of the panel
    assert not details_open(page)
    assert page.evaluate("document.activeElement.id") == "details-button"


def test_saving_without_a_title_opens_the_details_at_the_title_and_saves_nothing(editing):
    open_on, lib = editing
    page = open_on(DESKTOP)
    branch = page.locator("input[name=branch]").input_value()
    head = lib.branch_head(branch)
    open_chapter_details(page)
    page.fill("#title", "")
    page.keyboard.press("Escape")
    assert not details_open(page)
    page.click("#save")
    assert details_open(page)  # the browser's "fill in this field" is shown where the author can see it
    assert page.evaluate("document.activeElement.id") == "title"
    assert lib.branch_head(branch) == head


def test_the_editor_has_no_serious_accessibility_fault_with_the_details_closed_or_open(editing):
    open_on, _lib = editing
    page = open_on({**DESKTOP, "bypass_csp": True})  # to inject axe
    page.wait_for_selector("#preview h2")
    assert serious_violations(page) == []
    open_chapter_details(page)
    assert serious_violations(page) == []
