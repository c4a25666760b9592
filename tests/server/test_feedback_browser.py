"""A student's question from a released site to an answer under the page, in a real browser.

The release is built with build/ (``build.publish.release``) into the
instance's sites directory with the live platform as its ``platform_url``,
and served by a separate static web server, as a college that hosts its sites
on another host would: the feedback form posts across origins (CORS), and the
answers are loaded across origins too.
"""
from __future__ import annotations

import functools
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers import PASSWORD, serving, wait_until

BOOK = "locomotive-maintenance"
PAGE = "chapters/03-brake-test.html"


@pytest.fixture
def platform(make_app):
    from materials import OVERWRITE, Author, Library, Write

    app = make_app()
    lib = Library(app.config["LIBRARY_PATH"])
    path = f"books/{BOOK}/book.yml"
    text = lib.read_text("main", path).replace("checks: [front-matter, alignment, build]", "checks: []")
    lib.commit("main", [Write(path, text)], Author("主编", "zhou@college.edu.cn", "school"), "No checks for this test",
               base=OVERWRITE)
    with serving(app) as url:
        from build.publish import release

        release(lib, BOOK, "1.0", app.config["SITES_DIR"], Author("主编", "zhou@college.edu.cn", "school"),
                platform_url=url, timeout=240)

        class Quiet(SimpleHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

        handler = functools.partial(Quiet, directory=app.config["SITES_DIR"])
        sites = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=sites.serve_forever, daemon=True).start()
        site = f"http://127.0.0.1:{sites.server_address[1]}"
        app.config["FEEDBACK_ORIGINS"] = [site]
        try:
            yield app, url, site, lib
        finally:
            sites.shutdown()


def sign_in(browser, url: str, username: str, password: str):
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit].button")
    page.wait_for_url(f"{url}/")
    return page


def select_sentence(page, text: str) -> None:
    """Select ``text`` inside the article the way a mouse drag would."""
    page.evaluate("""(text) => {
        const walker = document.createTreeWalker(document.querySelector('article'), NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode, at = node.data.indexOf(text);
            if (at >= 0) {
                const range = document.createRange();
                range.setStart(node, at); range.setEnd(node, at + text.length);
                const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
                return;
            }
        }
        throw new Error('text not on the page: ' + text);
    }""", text)


def send_from_site(page, kind: str, words: str) -> None:
    form = page.locator("[data-jb-form]")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("textarea[name=text]").fill(words)
    form.locator("button[type=submit]").click()
    page.wait_for_function("document.querySelector('[data-jb-status]').textContent.length > 0")
    assert form.locator("[data-jb-status]").inner_text() == "已提交，谢谢！"


def test_a_question_from_the_site_is_answered_under_the_page_and_an_error_report_closes_with_its_merge(
        browser, platform):
    app, url, site, lib = platform
    student = browser.new_context(locale="zh-CN").new_page()
    student.goto(f"{site}/{BOOK}/1.0/{PAGE}")
    sentence = student.locator("article p").first.inner_text().strip()[:12]
    select_sentence(student, sentence)
    student.wait_for_function("document.querySelector('[data-jb-selection]').value.length > 0")
    send_from_site(student, "question", "这一步为什么要保压一分钟？<b>急</b>")

    # The author finds it in the inbox, sees the passage, answers and shows the answer under the page.
    teacher = sign_in(browser, url, "teacher", PASSWORD)
    assert teacher.locator(".bell-count").inner_text() == "1"
    teacher.goto(f"{url}/books/{BOOK}/feedback?kind=question")
    teacher.locator(".feedback-link", has_text="这一步为什么要保压一分钟？<b>急</b>").click()
    assert teacher.locator(".reader-passage").inner_text() == sentence
    assert teacher.locator("[data-page-link]").get_attribute("href").startswith(f"/read/{BOOK}/1.0/{PAGE}#:~:text=")
    teacher.fill("#reply-text", "为了确认制动管路没有泄漏。")
    teacher.check("#reply-public")
    teacher.click(".reply-form button[type=submit]")
    assert teacher.locator("[data-state]").get_attribute("data-state") == "answered"

    student.reload()
    answers = student.locator("[data-jb-answers]")
    answers.wait_for(state="visible")
    assert "为了确认制动管路没有泄漏。" in answers.inner_text()
    assert "<b>急</b>" in answers.locator(".jb-q").first.inner_text()  # shown as text, not markup

    # An error report becomes a change request; merging it closes the report.
    send_from_site(student, "error", "图 3-2 的阀门编号写错了")
    teacher.goto(f"{url}/books/{BOOK}/feedback?kind=error")
    teacher.locator(".feedback-link", has_text="图 3-2 的阀门编号写错了").click()
    item_url = teacher.url
    teacher.click("text=转为修改请求")
    teacher.wait_for_url(f"**/books/{BOOK}/change-requests/*")
    number = int(teacher.url.rstrip("/").rsplit("/", 1)[1])

    from server.change_requests import commits, merging, reviews, service as crs
    from server.database import db
    from server.accounts.models import User
    from materials import OVERWRITE, Author, Write
    chapter = f"books/{BOOK}/chapters/03-brake-test.md"
    lib.commit(f"cr/{number}", [Write(chapter, lib.read_text("main", chapter) + "\n图 3-2 阀门编号已更正。\n")],
               Author("Teacher", "teacher@example.edu", "school"), "Correct the valve number", base=OVERWRITE)
    with app.test_request_context():
        row = crs.get_cr(BOOK, number)
        commits.sync_head(row)
        for name in ("reviewer", "maintainer"):
            reviews.submit_review(db().query(User).filter_by(username=name).one(), row, "approve")
        merging.merge(db().query(User).filter_by(username="reviewer").one(), row, None)
    teacher.goto(item_url)
    assert teacher.locator("[data-state]").get_attribute("data-state") == "closed"
    assert teacher.locator("[data-cr-link]").inner_text() == f"#{number}"


def test_a_reader_on_a_phone_asks_about_a_passage_from_the_button_at_the_selection(browser, platform):
    """The button appears where the passage is (not at the end of the page), and a tap opens the
    question form with that passage quoted; the question reaches the team with its passage."""
    from server.database import db
    from server.feedback.models import Feedback

    app, url, site, lib = platform
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = phone.new_page()
    page.goto(f"{site}/{BOOK}/1.0/{PAGE}")
    paragraph = page.locator("article > p").filter(has_text=re.compile(r"\S{12}")).nth(1)
    sentence = paragraph.inner_text().strip()[:10]
    assert sentence
    paragraph.scroll_into_view_if_needed()
    ask = page.locator(".jb-ask")
    assert ask.is_hidden()
    select_sentence(page, sentence)
    ask.wait_for(state="visible")
    assert ask.inner_text() == "就这段提问"
    selected = page.evaluate("() => window.getSelection().getRangeAt(0).getBoundingClientRect().toJSON()")
    box = ask.bounding_box()
    assert selected["bottom"] <= box["y"] <= selected["bottom"] + 40   # just below the selection, on screen
    assert 0 <= box["x"] and box["x"] + box["width"] <= 390 and box["height"] >= 44  # a finger-sized target

    ask.tap()
    form = page.locator("[data-jb-form]")
    assert page.locator("[data-jb-selection-view]").inner_text() == "选中的文字：" + sentence
    assert form.locator("select[name=kind]").input_value() == "question"
    assert page.evaluate("() => document.activeElement.name") == "text"
    assert ask.is_hidden()
    form.locator("textarea[name=text]").fill("这句话里的“保压”是什么意思？")
    form.locator("button[type=submit]").tap()
    wait_until(page, "() => document.querySelector('[data-jb-status]').textContent.length > 0")
    assert form.locator("[data-jb-status]").inner_text() == "已提交，谢谢！"
    with app.app_context():
        item = db().query(Feedback).filter_by(text="这句话里的“保压”是什么意思？").one()
        assert (item.kind, item.selection, item.page) == ("question", sentence, PAGE.replace(".html", ".md"))

    # selecting nothing takes the button away
    page.evaluate("() => window.getSelection().removeAllRanges()")
    select_sentence(page, sentence)
    ask.wait_for(state="visible")
    page.evaluate("() => window.getSelection().removeAllRanges()")
    ask.wait_for(state="hidden")
