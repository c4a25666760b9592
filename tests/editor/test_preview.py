"""The live preview beside the chapter text changes only the blocks that changed (static/js/preview.js).

In a real Chromium over the editor harness, with the platform's rendering pipeline behind it, on a
1,500-line chapter: after a word typed in one paragraph, every other block of the preview is the
same element as before, with its formulas still typeset, and the preview is exactly what the
pipeline renders for the text now in the form. Typing that overtakes a refresh never leaves an
older text on show, and no refresh lands while the author is typing a word.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from playwright.sync_api import expect

from helpers import long_chapter, wait_until

pytestmark = pytest.mark.browser

_spec = importlib.util.spec_from_file_location("editor_harness", Path(__file__).parent / "harness" / "server.py")
harness_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness_server)

# The preview's top-level blocks against what the pipeline renders for the form's text now.
MATCHES_THE_TEXT = """async () => {
  window.editor.flush();
  const response = await fetch('/render', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                           body: JSON.stringify({text: document.getElementById('body').value})});
  const template = document.createElement('template');
  template.innerHTML = (await response.json()).html;
  const fresh = [...template.content.children].map((e) => e.outerHTML);
  const shown = [...document.getElementById('preview').children].map((e) => e.jointbookHtml);
  return {fresh: fresh.length, shown: shown.length, same: fresh.length === shown.length && fresh.every((h, i) => h === shown[i])};
}"""


@pytest.fixture(scope="module")
def harness():
    with harness_server.serving() as base:
        yield base


def open_long_chapter(page, harness, mode: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(harness + "/")
    wait_until(page, "() => Boolean(window.JointbookEditor && window.harness && window.katex && window.JointbookPreview)")
    page.evaluate("(m) => localStorage.setItem('jointbook:editor-mode:teacher', m)", mode)
    page.evaluate("(t) => harness.start(t, {person: 'teacher', preview: true})", long_chapter())
    expect(page.locator(f".jb-editor[data-mode={mode}]")).to_be_visible()
    wait_until(page, "() => document.querySelectorAll('#preview > *').length > 300 && !window.preview.busy()")


def caret_at_end_of_middle_paragraph(page, mode: str) -> None:
    if mode == "visual":
        blocks = page.locator(".jb-visual .jb-chunk > p")
    else:
        blocks = page.locator(".jb-source .cm-line", has_text="。")
    target = blocks.nth(blocks.count() // 2)
    target.scroll_into_view_if_needed()
    target.click()
    page.keyboard.press("End")


def wait_for_refresh(page, text: str) -> None:
    wait_until(page, "(t) => document.getElementById('preview').textContent.includes(t) && !window.preview.busy()", arg=text)


def test_a_word_typed_changes_only_its_block_and_keeps_the_typeset_math(page, harness):
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    open_long_chapter(page, harness, "visual")
    before = page.evaluate("""() => {
      const blocks = [...document.getElementById('preview').children];
      blocks.forEach((b, i) => { b.seenAs = i; });
      return {blocks: blocks.length, math: document.querySelectorAll('#preview .katex').length};
    }""")
    assert before["math"] > 10, "the chapter's formulas are typeset in the preview"

    caret_at_end_of_middle_paragraph(page, "visual")
    page.keyboard.type(" 新增的词 addedword")
    wait_for_refresh(page, "addedword")

    after = page.evaluate("""() => {
      const blocks = [...document.getElementById('preview').children];
      const made = blocks.filter((b) => b.seenAs === undefined);
      const kept = blocks.filter((b) => b.seenAs !== undefined).map((b) => b.seenAs);
      return {blocks: blocks.length, made: made.map((b) => b.textContent), inOrder: kept.every((k, i) => i === 0 || kept[i - 1] < k),
              math: document.querySelectorAll('#preview .katex').length,
              reachable: [...document.querySelectorAll('#preview a[href], #preview summary, #preview input')].filter((e) => e.tabIndex !== -1).length};
    }""")
    assert after["blocks"] == before["blocks"], "one paragraph changed: as many blocks as before"
    assert len(after["made"]) == 1 and "新增的词 addedword" in after["made"][0], "only the paragraph typed in was made again"
    assert after["inOrder"], "the other blocks are the same elements, in the same order"
    assert after["math"] == before["math"], "the formulas of the other blocks are still typeset"
    assert after["reachable"] == 0, "no link or control of the preview is a Tab stop"
    assert page.evaluate(MATCHES_THE_TEXT)["same"], "the preview is what the pipeline renders for the text"
    assert problems == []


def test_a_formula_typed_in_the_markdown_is_typeset_in_its_block(page, harness):
    open_long_chapter(page, harness, "source")
    page.evaluate("() => [...document.getElementById('preview').children].forEach((b) => { b.seenAs = 1; })")
    caret_at_end_of_middle_paragraph(page, "source")
    page.keyboard.type(r" 其中 \(q_{new} = 2a^2\) 为新量。")
    wait_for_refresh(page, "为新量")

    made = page.evaluate("""() => [...document.getElementById('preview').children].filter((b) => b.seenAs === undefined)
                                   .map((b) => ({text: b.textContent, math: b.querySelectorAll('.katex').length, raw: b.textContent.includes('\\\\(')}))""")
    assert len(made) == 1, "only the paragraph typed in was made again"
    assert made[0]["math"] >= 1 and not made[0]["raw"], "its new formula is typeset, not shown as \\( \\) source"
    assert page.evaluate(MATCHES_THE_TEXT)["same"]


def test_typing_that_overtakes_a_refresh_never_leaves_older_text_on_show(page, harness):
    open_long_chapter(page, harness, "visual")
    caret_at_end_of_middle_paragraph(page, "visual")
    page.keyboard.type(" firstword")
    page.wait_for_timeout(560)  # the text reached the form and the refresh is on its way
    page.keyboard.type(" ")
    # from here on the author is typing: the preview is left as it is until the next pause
    page.evaluate("""() => { window.changes = 0;
      new MutationObserver((list) => { window.changes += list.length; })
        .observe(document.getElementById('preview'), {childList: true, subtree: true, characterData: true}); }""")
    for letter in "secondword":
        page.keyboard.press(letter)
        page.wait_for_timeout(100)
    assert page.evaluate("window.changes") == 0, "no refresh landed between the letters of a word"
    wait_for_refresh(page, "secondword")
    result = page.evaluate(MATCHES_THE_TEXT)
    assert result["same"], f"the preview shows the newest text ({result['shown']} blocks shown, {result['fresh']} rendered)"
    assert page.locator("#preview", has_text="firstword secondword").count() == 1
