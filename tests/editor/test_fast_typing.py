"""Typing as fast as the keyboard sends keys loses no character, in both modes of the chapter editor;
a long chapter opens with its first screen first, then all of it, with nothing lost or to undo.

Several lines, Enter between them, typed without a pause (Playwright's ``keyboard.type`` with no
delay) after a paragraph of a normal chapter and of a 1,500-line one, in a real Chromium over the
editor harness. The Markdown the form would send is the chapter with exactly those lines added: a
letter typed right after Enter used to land in front of the caret in the visual mode (the new
paragraph was not laid out yet), so the rest of its line went in before it.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpers import STARTER_CHAPTERS, chapter_body as body, long_chapter, wait_until

pytestmark = pytest.mark.browser

BRAKE = STARTER_CHAPTERS / "locomotive-maintenance/chapters/03-brake-test.md"
LINES = ["line one: check the brake pipe", "2nd line 制动缸压力 350 kPa", "检查完毕 then sign", "last line, typed fast"]

_spec = importlib.util.spec_from_file_location("editor_harness", Path(__file__).parent / "harness" / "server.py")
harness_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness_server)


@pytest.fixture(scope="module")
def harness():
    with harness_server.serving() as base:
        yield base


@pytest.mark.parametrize("chapter", ["normal", "long"])
@pytest.mark.parametrize("which", ["visual", "source"])
def test_lines_typed_without_a_pause_all_arrive_in_the_markdown(page, harness, which, chapter):
    text = body(BRAKE) if chapter == "normal" else long_chapter()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(harness + "/")
    wait_until(page, "() => Boolean(window.JointbookEditor && window.harness && window.katex)")
    page.evaluate("(m) => localStorage.setItem('jointbook:editor-mode:teacher', m)", which)
    page.evaluate("(t) => harness.start(t, {person: 'teacher'})", text)
    expect(page.locator(f".jb-editor[data-mode={which}]")).to_be_visible()

    # the caret at the end of a paragraph in the middle of the chapter, put there by a click
    if which == "visual":
        paragraphs = page.locator(".jb-visual .jb-chunk > p")
        target = paragraphs.nth(paragraphs.count() // 2)
    else:
        lines = page.locator(".jb-source .cm-line")
        target = lines.nth(lines.count() // 2)
        expect(target).not_to_have_text("")
    target.scroll_into_view_if_needed()
    target.click()
    page.keyboard.press("End")

    enter = "\n" if which == "visual" else "\n\n"  # a new paragraph: Enter, or a blank line in Markdown
    page.keyboard.type(enter + enter.join(LINES))
    typed = page.evaluate("harness.field()")

    for line in LINES:
        assert "\n" + line + "\n" in typed, f"the line {line!r} arrived whole, on a line of its own"
    at = typed.index("\n\n" + LINES[0])
    assert typed[at:at + len("\n\n".join([""] + LINES))] == "\n\n".join([""] + LINES), "the lines arrived in order, one after another"
    assert typed.replace("\n\n".join([""] + LINES), "", 1) == text, "nothing else in the chapter changed"
    assert problems == []


def test_a_long_chapter_shows_its_first_screen_first_and_then_all_of_it(page, harness):
    text = long_chapter()
    page.goto(harness + "/")
    wait_until(page, "() => Boolean(window.JointbookEditor && window.harness && window.katex)")
    page.evaluate("localStorage.setItem('jointbook:editor-mode:teacher', 'visual')")
    at_once = page.evaluate("""(t) => { harness.start(t, {person: 'teacher'});
      return document.querySelectorAll('.jb-visual .jb-chunk > *').length; }""", text)
    assert 0 < at_once <= 64, "the first screen is shown first"
    page.evaluate("() => window.editor.loading")
    blocks = page.locator(".jb-visual .jb-chunk > *").count()
    assert blocks > 300, "then the whole chapter is in the editor"
    assert page.evaluate("harness.field()") == text
    page.locator(".jb-visual .jb-chunk > p").first.click()
    page.keyboard.press("Control+z")
    assert page.evaluate("harness.markdown()") == text, "putting the rest in place is not an edit to undo"
    assert page.locator(".jb-visual .jb-chunk > *").count() == blocks


def test_the_text_of_a_long_chapter_is_whole_even_when_asked_for_at_once(page, harness):
    text = long_chapter()
    page.goto(harness + "/")
    wait_until(page, "() => Boolean(window.JointbookEditor && window.harness && window.katex)")
    page.evaluate("localStorage.setItem('jointbook:editor-mode:teacher', 'visual')")
    assert page.evaluate("(t) => { harness.start(t, {person: 'teacher'}); return harness.markdown(); }", text) == text
