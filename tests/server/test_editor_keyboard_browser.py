"""The chapter page by keyboard, in Chromium: the toolbar is one Tab stop with arrow keys inside
it (WAI-ARIA toolbar, roving tabindex), Save is a few Tabs from the text in both modes, focus is
always visible, and the preview is not read out again on every refresh."""
from __future__ import annotations

import pytest

from helpers import serving, signed_in_page, wait_until

pytestmark = pytest.mark.browser

BOOK = "locomotive-maintenance"
FILE = "03-brake-test.md"
MOST_TABS_TO_SAVE = 3  # the text, then what did you change, then Save


@pytest.fixture
def chapter_page(browser, make_app):
    app = make_app()
    with serving(app) as url:
        page = signed_in_page(browser, url, "teacher")
        page.goto(f"{url}/books/{BOOK}/chapters/{FILE}/edit")
        page.click("#start button[type=submit]")
        page.wait_for_url(f"**/chapters/{FILE}/edit**")
        page.wait_for_selector(".jb-editor")
        yield page
        page.context.close()


def focused(page) -> str:
    return page.evaluate("""() => { const e = document.activeElement;
        return e.id || e.dataset.md || e.dataset.mode || [...e.classList].join('.') || e.tagName; }""")


def tabs_until(page, target: str, key: str = "Tab", most: int = 60) -> int:
    for count in range(1, most + 1):
        page.keyboard.press(key)
        if focused(page) == target:
            return count
    raise AssertionError(f"{target} not reached in {most} presses of {key}; stopped at {focused(page)}")


def outline_of(page) -> tuple[str, float]:
    style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); "
                          "return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()")
    return style[0], style[1]


@pytest.mark.parametrize("mode, text", [("visual", ".jb-visual .jb-chunk > p"), ("source", ".jb-source .cm-content")])
def test_save_is_a_few_tabs_from_the_text_and_the_toolbar_is_one_stop_with_arrow_keys(chapter_page, mode, text):
    page = chapter_page
    page.click(f"button.jb-mode[data-mode={mode}]")
    page.wait_for_selector("#preview h2")  # the preview, with its links, is there
    page.locator(text).first.click()
    assert tabs_until(page, "save") <= MOST_TABS_TO_SAVE
    assert outline_of(page)[0] != "none" and outline_of(page)[1] >= 2  # Save shows it has the focus

    # Back from the text, one Shift+Tab lands on the toolbar: all its buttons are one stop.
    page.locator(text).first.click()
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.closest('[role=toolbar]') !== null")
    buttons = page.evaluate("[...document.querySelectorAll('.md-toolbar button')].filter(b => b.offsetParent)"
                            ".map(b => [b.dataset.md, b.tabIndex])")
    assert [md for md, index in buttons if index == 0] == [focused(page)]
    names = [md for md, _index in buttons]
    page.keyboard.press("Home")
    assert focused(page) == names[0]
    page.keyboard.press("ArrowRight")
    assert focused(page) == names[1]
    page.keyboard.press("End")
    assert focused(page) == names[-1]
    page.keyboard.press("ArrowRight")  # round to the first
    assert focused(page) == names[0]
    page.keyboard.press("ArrowLeft")
    assert focused(page) == names[-1]
    assert outline_of(page)[0] != "none"
    # One Tab leaves the toolbar for the text: no trip through its other buttons.
    page.keyboard.press("Tab")
    assert page.evaluate(f"document.activeElement.closest('{text.split()[0]}') !== null")
    page.keyboard.press("Shift+Tab")  # back: to the button used last
    assert focused(page) == names[-1]
    # And the whole page, from the top, reaches Save in a number of stops a person can press.
    page.evaluate("document.activeElement.blur()")
    page.locator("h1").click()
    assert tabs_until(page, "save", most=45) <= 40


def test_the_preview_is_not_read_out_again_on_every_refresh(chapter_page):
    page = chapter_page
    page.wait_for_selector("#preview h2")
    live = page.evaluate("""() => { const live = [];
        for (let e = document.getElementById('preview'); e; e = e.parentElement) {
          if (e.getAttribute('aria-live') || ['status', 'log', 'alert'].includes(e.getAttribute('role'))) live.push(e.id || e.tagName); }
        document.querySelectorAll('#preview [aria-live], #preview [role=status], #preview [role=alert]').forEach(e => live.push(e.tagName));
        return live; }""")
    assert live == []
    page.click("button.jb-mode[data-mode=source]")
    page.locator(".jb-source .cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\n新加的一段。")
    wait_until(page, "() => document.getElementById('preview').textContent.includes('新加的一段。')")


def test_focus_is_visible_on_the_controls_of_other_pages(chapter_page):
    page = chapter_page
    page.goto(page.url.split("/books/")[0] + f"/books/{BOOK}")
    page.locator("body").click(position={"x": 1, "y": 1})
    seen = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        tag = page.evaluate("document.activeElement.tagName")
        style, width = outline_of(page)
        assert style != "none" and width >= 2, (tag, focused(page), style, width)
        seen.add(tag)
    assert "A" in seen
