"""A teacher who has never seen Markdown writes a chapter in Chromium with the mouse and keyboard
only: the toolbar's buttons and typing, no Markdown typed and nothing set from a script. The
saved chapter in the library is the book's Markdown for every construct they used."""
from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect

from helpers import serving, signed_in_page
from materials import Library

pytestmark = pytest.mark.browser

BOOK = "locomotive-maintenance"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def tool(page, name: str) -> None:
    page.click(f".md-toolbar button[data-md={name}]")


def typed(page, text: str) -> None:
    """Type a key at a time, as fast as the keyboard sends them: the editor takes every one."""
    page.keyboard.type(text)


def after(page, text: str) -> None:
    """Put the caret at the end of the paragraph that says ``text``, by clicking it."""
    page.locator(".jb-visual .ProseMirror p", has_text=text).click()
    page.keyboard.press("End")


def test_a_teacher_writes_a_chapter_with_a_table_a_warning_steps_an_image_and_a_formula(browser, make_app, tmp_path):
    app = make_app()
    picture = tmp_path / "coupler.png"
    picture.write_bytes(PNG)
    with serving(app) as url:
        page = signed_in_page(browser, url, "teacher", viewport={"width": 1280, "height": 900})

        # A change request to write in, then a new chapter from the book's parts and chapters.
        page.goto(f"{url}/books/{BOOK}/change-requests/new")
        page.fill("#cr-title", "新增车钩检查一章")
        page.click("form:has(#cr-title) button[type=submit]")
        page.wait_for_url(re.compile(r".*/change-requests/\d+$"))
        number = int(page.url.rsplit("/", 1)[1])
        page.goto(f"{url}/books/{BOOK}/structure")
        page.locator("#new-title").click()
        typed(page, "车钩的检查")
        page.click("form:has(#new-title) button[type=submit]")
        page.wait_for_url("**/chapters/**/edit**")
        expect(page.locator(".jb-editor[data-mode=visual]")).to_be_visible()
        file = re.search(r"/chapters/([^/]+)/edit", page.url).group(1)

        # The outline, typed as plain paragraphs.
        page.locator(".jb-visual .ProseMirror").click()
        page.keyboard.press("Control+End")
        for line in ("检查步骤如下：", "安全要求：", "车钩高度按下式计算：", "车钩外观：", "主要尺寸："):
            page.keyboard.press("Enter")
            typed(page, line)

        # A numbered procedure.
        after(page, "检查步骤如下：")
        page.keyboard.press("Enter")
        tool(page, "ol")
        typed(page, "目视检查车钩外观")
        page.keyboard.press("Enter")
        typed(page, "测量车钩高度")
        page.keyboard.press("Enter")
        typed(page, "检查钩舌开闭是否灵活")

        # A warning box: its text is selected, ready to be typed over.
        after(page, "安全要求：")
        tool(page, "warning")
        typed(page, "检查前必须确认机车已制动并放好止轮器。")

        # A formula, typed in its panel and typeset.
        after(page, "车钩高度按下式计算：")
        tool(page, "math")
        expect(page.locator(".atom-panel")).to_be_visible()
        typed(page, "H = h_1 + h_2")
        page.keyboard.press("Enter")
        expect(page.locator(".jb-visual .math-inline .katex")).to_be_visible()

        # A picture from the file picker, described for readers who cannot see it.
        after(page, "车钩外观：")
        with page.expect_file_chooser() as chooser:
            tool(page, "image")
        chooser.value.set_files(str(picture))
        alt = page.locator(".jb-visual figure .figure-alt")
        expect(alt).to_be_focused()
        typed(page, "车钩外观照片")

        # A table: header cells typed over, Tab to the next cell.
        after(page, "主要尺寸：")
        tool(page, "table")
        for n, cell in enumerate(("项目", "限度", "车钩高度", "815～890 mm", "钩舌间隙", "6～9 mm")):
            if n:
                page.keyboard.press("Tab")
            typed(page, cell)

        page.click("#save")
        page.wait_for_url("**saved=1**")
        expect(page.locator("#saved-where")).to_contain_text(f"#{number}")
        page.context.close()

    lib = Library(app.config["LIBRARY_PATH"])
    text = lib.read_text(f"cr/{number}", f"books/{BOOK}/chapters/{file}")
    assert "title: 车钩的检查" in text
    assert "1. 目视检查车钩外观\n2. 测量车钩高度\n3. 检查钩舌开闭是否灵活" in text
    assert re.search(r'!!! warning "警告"\n    检查前必须确认机车已制动并放好止轮器。\n', text), text
    assert "车钩高度按下式计算：$H = h_1 + h_2$" in text
    image = re.search(r"!\[车钩外观照片\]\(\.\./assets/([\w.-]+\.png)\)", text)
    assert image and lib.read(f"cr/{number}", f"books/{BOOK}/assets/{image.group(1)}") == PNG
    assert re.search(r"\| 项目 \| 限度 \|\n\|[-: |]+\|\n\| 车钩高度 \| 815～890 mm \|\n\| 钩舌间隙 \| 6～9 mm \|", text), text
    assert "<" not in text.split("---", 2)[2].replace("<figure", "").replace("</figure>", "")  # no HTML typed
