"""In a real browser: a teacher edits a chapter with the toolbar, pastes an image, picks a
standard item and saves; two windows editing the same passage end in the conflict screen
with the second author's text kept."""
from __future__ import annotations

import base64
import shutil

import pytest

from playwright.sync_api import expect

from helpers import open_chapter_details, serving, wait_until
from materials import Library, parse_chapter
from server.app import create_app
from server.first_run import prepare_instance

pytestmark = pytest.mark.browser

BOOK = "locomotive-maintenance"
CHAPTER = "03-brake-test.md"
PATH = f"books/{BOOK}/chapters/{CHAPTER}"
DRAFT = "cr/1"  # the change request the teacher starts on first opening the editor
PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


@pytest.fixture(scope="module")
def editor_server(tmp_path_factory, starter_library):
    """The platform on a fresh instance, served by waitress on a free port, with its demo accounts.

    One server for this module: each test works on its own part of the teacher's draft.
    """
    tmp_path = tmp_path_factory.mktemp("editor-browser")
    library = tmp_path / "instance" / "library.git"
    shutil.copytree(starter_library, library)
    app = create_app({"JOINTBOOK_INSTANCE": str(tmp_path / "instance"), "SECRET_KEY": "editor-browser-test"})
    _created, accounts = prepare_instance(app)
    with serving(app) as url:
        yield url, {a.username: a.password for a in accounts}, Library(library)


def sign_in(page, url, password, username="teacher"):
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit].button")
    page.wait_for_url(f"{url}/")


def open_editor(page, url: str) -> None:
    """Open the chapter editor as an author does: it asks to continue or start a change request first."""
    page.goto(f"{url}/books/{BOOK}/chapters/{CHAPTER}/edit")
    if "/change-requests/new" in page.url:
        assert page.locator("#cr-title").input_value()  # the title is prefilled from the chapter
        page.click("form:has(#cr-title) button[type=submit]")
        page.wait_for_url(f"**/chapters/{CHAPTER}/edit**")


def replace_text(page, text: str) -> None:
    """Replace the whole chapter text as an author does in the Markdown mode of the editor."""
    page.click("button.jb-mode[data-mode=source]")
    page.locator(".jb-source .cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)


def test_teacher_edits_with_toolbar_pastes_an_image_picks_an_item_and_saves(page, editor_server):
    url, passwords, lib = editor_server
    sign_in(page, url, passwords["teacher"])
    open_editor(page, url)
    assert page.locator("#title").input_value() == "制动机的检查与试验"
    page.wait_for_selector("#preview h2")  # the first preview arrived

    replace_text(page, "## 五步闸试验\n\n试验前必须确认总风缸压力。\n")
    page.click("button.jb-mode[data-mode=visual]")  # the teacher formats in the visual mode
    page.locator(".jb-visual p", has_text="试验前必须确认").click(position={"x": 1, "y": 5})
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")  # 必须
    page.click("button[data-md=bold]")
    page.keyboard.press("End")
    page.click("button[data-md=warning]")
    page.wait_for_function("""() => { const v = document.getElementById('body').value;
                                      return v.includes('试验前**必须**确认') && v.includes('!!! warning "警告"'); }""")

    # Paste a picture: a clipboard event carrying a PNG file.
    page.evaluate("""(b64) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([bytes], 'brake photo.png', {type: 'image/png'}));
        document.querySelector('.jb-visual .ProseMirror').dispatchEvent(
            new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
    }""", PNG_B64)
    page.wait_for_function("() => document.getElementById('body').value.includes('](../assets/brake-photo.png)')")
    page.wait_for_selector("#preview strong >> text=必须")
    page.wait_for_selector("#preview .admonition.warning")
    page.wait_for_selector(f"#preview img[src^='/books/{BOOK}/assets/raw/brake-photo.png']")

    open_chapter_details(page)
    page.fill("#standard-search", "制动距离")
    page.wait_for_selector("#standard-results .picker-item button")
    item = page.locator("#standard-results .picker-item button").first
    key = item.get_attribute("data-key")
    item.click()
    assert page.locator(f"#standard-chips input[value='{key}']").is_checked()

    page.click("#save")
    page.wait_for_selector(".flash-success")
    assert "已保存" in page.locator(".flash-success").inner_text()
    assert "试验前**必须**确认" in page.locator("#body").input_value()
    meta, text = parse_chapter(lib.read_text(DRAFT, PATH), PATH)
    assert "试验前**必须**确认" in text and '!!! warning "警告"' in text and "../assets/brake-photo.png" in text
    assert key in meta.standards and meta.title == "制动机的检查与试验"
    assert lib.read(DRAFT, f"books/{BOOK}/assets/brake-photo.png") == base64.b64decode(PNG_B64)
    # once the saved page has started, the text kept in this browser is gone
    wait_until(page, "() => Object.keys(localStorage).filter(k => k.startsWith('jointbook:draft:')).length === 0")


def test_second_window_gets_the_conflict_screen_and_keeps_its_text(browser, editor_server):
    url, passwords, lib = editor_server
    first, second = browser.new_context(locale="zh-CN"), browser.new_context(locale="zh-CN")
    try:
        a, b = first.new_page(), second.new_page()
        for page in (a, b):
            sign_in(page, url, passwords["teacher"])
            open_editor(page, url)
        original = a.locator("#body").input_value()
        heading = original.split("\n", 2)[1] if original.startswith("\n") else original.split("\n", 1)[0]

        replace_text(a, original.replace(heading, heading + "（甲修改）", 1))
        a.click("#save")
        a.wait_for_selector(".flash-success")

        mine = original.replace(heading, heading + "（乙修改）", 1)
        replace_text(b, mine)
        b.wait_for_timeout(600)  # let the browser keep the draft
        b.click("#save")
        b.wait_for_selector("#conflict")
        assert "有人修改了同一段内容" in b.locator("h1").inner_text()
        assert "（乙修改）" in b.locator("#yours").input_value()
        assert "（甲修改）" in b.locator("#theirs").input_value()
        assert "<<<<<<<" in b.locator("#merged").input_value()
        assert "（乙修改）" not in lib.read_text(DRAFT, PATH)  # nothing written
        kept = b.evaluate("Object.keys(localStorage).filter(k => k.startsWith('jointbook:draft:'))"
                          ".map(k => JSON.parse(localStorage.getItem(k)).body)")
        assert any("（乙修改）" in text for text in kept)

        b.click("#keep-mine")
        b.wait_for_selector(".flash-success")
        assert "（乙修改）" in lib.read_text(DRAFT, PATH)
    finally:
        first.close()
        second.close()


def test_editor_fits_a_phone_where_text_and_preview_switch_with_one_tap(browser, editor_server):
    url, passwords, _lib = editor_server
    context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, url, passwords["teacher"])
        open_editor(page, url)
        page.wait_for_selector("#preview h2", state="attached")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        toolbar = page.locator(".md-toolbar").bounding_box()
        assert toolbar["x"] + toolbar["width"] <= 390
        assert page.locator("button[data-md=bold]").is_visible()
        assert page.locator(".jb-editor").is_visible() and not page.locator("#preview").is_visible()

        # The save bar is one line: the switch, what changed, and Save side by side.
        bar = page.locator(".save-bar").bounding_box()
        line = page.locator("#save").bounding_box()
        assert bar["height"] <= line["height"] + 20, bar
        for control in ("#message", "#save", ".pane-switch [data-show=preview]"):
            box = page.locator(control).bounding_box()
            assert abs((box["y"] + box["height"] / 2) - (line["y"] + line["height"] / 2)) < 4, control
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, control

        page.locator(".pane-switch [data-show=preview]").tap()  # one tap: the preview
        expect(page.locator("#preview h2").first).to_be_visible()
        assert not page.locator(".jb-editor").is_visible()
        assert page.locator(".pane-switch [data-show=preview]").get_attribute("aria-pressed") == "true"
        assert page.locator("#save").is_visible()
        page.locator(".pane-switch [data-show=text]").tap()  # and one tap back to the text
        expect(page.locator(".jb-editor")).to_be_visible()
        assert not page.locator("#preview").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_the_preview_beside_the_text_scrolls_with_it(browser, editor_server):
    url, passwords, _lib = editor_server
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, url, passwords["teacher"])
        open_editor(page, url)
        long = "\n\n".join(f"## 第 {n} 节\n\n第 {n} 节的正文，说明制动机试验的步骤和要求。" for n in range(1, 61)) + "\n"
        replace_text(page, page.input_value("#body") + "\n" + long)
        wait_until(page, "() => document.getElementById('preview').textContent.includes('第 60 节')")
        room = page.evaluate("(() => { const p = document.getElementById('preview'); "
                             "return p.scrollHeight - p.clientHeight; })()")
        assert room > 1000  # the preview is a box of its own, much shorter than the chapter

        at = ("(() => { const p = document.getElementById('preview'); "
              "return p.scrollTop / (p.scrollHeight - p.clientHeight); })()")

        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        wait_until(page, f"() => {at} > 0.9")
        assert page.locator(".preview-pane").bounding_box()["y"] < 800  # still in view beside the text
        page.evaluate("""(() => { const b = document.querySelector('.write-pane').getBoundingClientRect();
            window.scrollBy(0, b.top + b.height / 2 - innerHeight / 2); })()""")
        wait_until(page, f"() => {at} > 0.3 && {at} < 0.7")
        # What the window shows of the text, the preview shows too (give or take a few sections).
        numbers = """(where) => [...document.querySelectorAll(where)].filter(e => {
            const r = e.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; })
            .map(e => /第 (\\d+) 节/.exec(e.textContent)).filter(Boolean).map(m => Number(m[1]))"""
        in_text = page.evaluate(f"({numbers})('.jb-source .cm-line')")
        in_preview = page.evaluate(f"""(() => {{ const p = document.getElementById('preview').getBoundingClientRect();
            return ({numbers})('#preview h2').filter(Boolean); }})()""")
        assert in_text and in_preview
        assert abs(sum(in_text) / len(in_text) - sum(in_preview) / len(in_preview)) <= 10, (in_text, in_preview)
        page.evaluate("window.scrollTo(0, 0)")
        wait_until(page, f"() => {at} < 0.1")
    finally:
        context.close()


def test_teacher_browses_the_standard_tree_in_the_picker_and_adds_a_skill(browser, editor_server):
    url, passwords, _lib = editor_server
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        sign_in(page, url, passwords["teacher"])
        open_editor(page, url)
        open_chapter_details(page)
        page.click("#standard-browse")
        page.locator("#standard-results .picker-open").first.click()   # a work area
        page.locator("#standard-results", has_text="返回顶层").wait_for()
        page.locator("#standard-results .picker-open").first.click()   # one of its tasks
        page.wait_for_function("() => [...document.querySelectorAll('#standard-results .picker-desc')]"
                               ".some(e => e.textContent.includes('技能要求'))")
        skill = page.locator("#standard-results .picker-item", has_text="技能要求").first
        key = skill.locator("button").first.get_attribute("data-key")
        skill.locator("button").first.click()
        assert page.locator(f"#standard-chips input[value='{key}']").is_checked()
    finally:
        context.close()
