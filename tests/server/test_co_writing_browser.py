"""Writing one change together, in real browsers against a live server with its job runner.

A school teacher starts a change request from the chapter and asks the enterprise technician
to co-write it; the technician saves into it from the editor and is told where the text went;
the page shows both writers; a school and an enterprise reviewer who wrote none of it approve,
and the enterprise reviewer merges. Then the two co-authors change the same passage in two
browsers, and the teacher settles it passage by passage. All by clicks and typing.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from helpers import PASSWORD, serving
from materials import Author, Library, Write
from server.jobs.workers import stop_consumer

pytestmark = pytest.mark.browser

BOOK = "locomotive-maintenance"
FILE = "03-brake-test.md"
CHAPTER = f"books/{BOOK}/chapters/{FILE}"


@pytest.fixture
def live(make_app):
    app = make_app(START_JOB_RUNNER=True, JOB_POLL_SECONDS=0.2)
    lib = Library(app.config["LIBRARY_PATH"])
    path = f"books/{BOOK}/book.yml"
    text = lib.read_text("main", path).replace("checks: [front-matter, alignment, build]",
                                               "checks: [front-matter, alignment]")
    lib.commit("main", [Write(path, text)], Author("主编", "zhou@college.edu.cn", "school"), "Checks",
               base=lib.resolve("main"))
    with serving(app) as url:
        try:
            yield url, lib
        finally:
            stop_consumer(app)


def sign_in(browser, url: str, username: str):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].button")
    page.wait_for_url(f"{url}/")
    return page


def write(page, change) -> None:
    """Change the chapter's text in the editor's Markdown mode, as an author who prefers it does."""
    body = page.input_value("#body")
    page.click("button.jb-mode[data-mode=source]")
    page.locator(".jb-source .cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(change(body))


def start(teacher, url: str) -> int:
    teacher.goto(f"{url}/books/{BOOK}/change-requests/new?chapter={FILE}")
    teacher.click("#start button[type=submit]")
    teacher.wait_for_url(f"**/books/{BOOK}/chapters/{FILE}/edit**")
    return int(re.search(r"#(\d+)", teacher.locator(".editor-where a.badge").inner_text()).group(1))


def add_co_author(teacher, url: str, number: int, label: str) -> None:
    teacher.goto(f"{url}/books/{BOOK}/change-requests/{number}")
    teacher.select_option("#co-author", label=label)
    teacher.click("#co-author-form button[type=submit]")
    teacher.wait_for_selector(".flash-success")


def test_teacher_and_technician_co_write_one_change_request_that_others_approve_and_merge(browser, live):
    url, lib = live
    teacher = sign_in(browser, url, "teacher")
    number = start(teacher, url)
    write(teacher, lambda body: body.replace("列车管定压", "列车管定压（学校补充）", 1))
    teacher.click("#save")
    teacher.wait_for_url("**saved=1**")

    add_co_author(teacher, url, number, "Technician · 企业")
    assert teacher.locator("#writers .writer-co_author", has_text="Technician").is_visible()

    # The technician is told on their bell, opens the change request and edits the book in it.
    technician = sign_in(browser, url, "technician")
    technician.click(".bell")
    technician.click(f"text=邀请你一起写变更请求 #{number}")
    technician.wait_for_url(f"**/change-requests/{number}**")
    technician.click("#writers form button[type=submit]")  # edit the book in this change request
    technician.goto(f"{url}/books/{BOOK}/chapters/{FILE}/edit")
    assert f"#{number}" in technician.locator(".editor-where a.badge").inner_text()
    write(technician, lambda body: body.replace("## ", "## （企业案例）", 1))
    technician.click("#save")
    technician.wait_for_url("**saved=1**")
    where = technician.locator("#saved-where a")
    assert where.inner_text() == f"已保存到变更请求 #{number} · 还需批准：学校、企业"
    where.click()
    technician.wait_for_url(f"**/change-requests/{number}")

    text = lib.read_text(f"cr/{number}", CHAPTER)
    assert "列车管定压（学校补充）" in text and "## （企业案例）" in text
    writers = technician.locator("#writers")
    assert writers.locator(".writer-author", has_text="Teacher").is_visible()
    assert writers.locator(".writer-co_author", has_text="Technician").is_visible()
    assert "企业" in writers.locator(".writer-co_author").inner_text()

    # Reviewers of each side who wrote none of it approve; the enterprise reviewer merges.
    reviewer, maintainer = sign_in(browser, url, "reviewer"), sign_in(browser, url, "maintainer")
    for person in (maintainer, reviewer):
        person.goto(f"{url}/books/{BOOK}/change-requests/{number}")
        person.check("#review-form input[value=approve]")
        person.click("#review-form button[type=submit]")
        person.wait_for_selector(".flash-success")
    for _ in range(50):  # checks run in the job runner
        if reviewer.locator("#merge-form").count():
            break
        reviewer.wait_for_timeout(200)
        reviewer.reload()
    reviewer.click("#merge-form button[type=submit]")
    reviewer.wait_for_selector(".cr-state-merged")

    merged = lib.read_text("main", CHAPTER)
    assert "列车管定压（学校补充）" in merged and "## （企业案例）" in merged
    sides = {c.author_name: c.side for c in lib.log("main", CHAPTER, limit=4) if len(c.parents) == 1}
    assert sides.get("Teacher") == "school" and sides.get("Technician") == "enterprise"
    for page in (teacher, technician, reviewer, maintainer):
        page.context.close()


def test_co_authors_collide_and_the_teacher_settles_it_passage_by_passage(browser, live):
    url, lib = live
    teacher = sign_in(browser, url, "teacher")
    number = start(teacher, url)
    add_co_author(teacher, url, number, "Technician · 企业")
    technician = sign_in(browser, url, "technician")
    for page in (teacher, technician):
        page.goto(f"{url}/books/{BOOK}/chapters/{FILE}/edit")
        page.wait_for_selector(".jb-mode[data-mode=source]")

    write(technician, lambda body: body.replace("列车管定压", "列车管定压（企业：以现场为准）", 1))
    technician.click("#save")
    technician.wait_for_url("**saved=1**")

    write(teacher, lambda body: body.replace("列车管定压", "列车管定压（学校：按教学要求）", 1))
    teacher.wait_for_timeout(600)  # the browser keeps the unsaved text meanwhile
    teacher.click("#save")
    teacher.wait_for_selector("#passages-form")

    passage = teacher.locator("#passage-1")
    heading = passage.locator(".passage-theirs h3").inner_text()
    assert re.fullmatch(r"对方的文字（Technician，企业，.+）", heading), heading
    assert "以现场为准" in passage.locator(".passage-theirs .rendered").inner_text()
    assert "按教学要求" in passage.locator(".passage-yours .rendered").inner_text()
    assert "<<<<<<<" not in teacher.locator("#passages-form").inner_text()
    assert not teacher.locator("#conflict-source").evaluate("d => d.open")  # the source stays closed
    assert teacher.locator("#passage-2").count() == 0  # only the passage both changed

    box = passage.locator("textarea[name='text-1']")
    assert not box.is_visible()
    passage.locator("input[value=edit]").check()
    assert box.is_visible()
    merged_line = next(line for line in box.input_value().splitlines() if "以现场为准" in line)
    box.fill(merged_line.replace("（企业：以现场为准）", "（以现场为准，并按教学要求讲解）"))
    teacher.click("#save-resolved")
    teacher.wait_for_url("**saved=1**")

    text = lib.read_bytes(f"cr/{number}", CHAPTER) if hasattr(lib, "read_bytes") else lib.read(f"cr/{number}", CHAPTER)
    assert b"\r" not in text
    text = text.decode("utf-8")
    assert "（以现场为准，并按教学要求讲解）" in text
    assert "（企业：以现场为准）" not in text and "（学校：按教学要求）" not in text
    assert text.split("\n---\n", 1)[0] == lib.read_text("main", CHAPTER).split("\n---\n", 1)[0]  # front matter kept
    for page in (teacher, technician):
        page.context.close()


def test_on_a_390px_phone_the_editor_the_conflict_screen_and_the_change_request_do_not_scroll_sideways(browser, live):
    url, _lib = live
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    teacher = context.new_page()
    teacher.goto(f"{url}/login")
    teacher.fill("#username", "teacher")
    teacher.fill("#password", PASSWORD)
    teacher.click("button[type=submit].button")
    teacher.wait_for_url(f"{url}/")

    def width() -> int:
        return teacher.evaluate("document.documentElement.scrollWidth")

    number = start(teacher, url)
    assert width() <= 390, f"the editor is {width()}px wide"
    add_co_author(teacher, url, number, "Technician · 企业")
    technician = sign_in(browser, url, "technician")
    for page in (teacher, technician):
        page.goto(f"{url}/books/{BOOK}/chapters/{FILE}/edit")
        page.wait_for_selector(".jb-mode[data-mode=source]")
    write(technician, lambda body: body.replace("列车管定压", "列车管定压（企业方的一段很长的补充说明，" + "现场数据" * 12 + "）", 1))
    technician.click("#save")
    technician.wait_for_url("**saved=1**")
    write(teacher, lambda body: body.replace("列车管定压", "列车管定压（学校方）", 1))
    teacher.click("#save")
    teacher.wait_for_selector("#passages-form")
    assert width() <= 390, f"the conflict screen is {width()}px wide"
    choice = teacher.locator("#passage-1 input[value=theirs]")
    box = choice.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    choice.tap()
    teacher.click("#save-resolved")
    teacher.wait_for_url("**saved=1**")
    assert teacher.locator("#saved-where").is_visible() and width() <= 390
    teacher.click("#saved-where a")
    teacher.wait_for_url(f"**/change-requests/{number}")
    teacher.wait_for_selector("#writers")
    assert width() <= 390, f"the change request page is {width()}px wide"
    context.close()
    technician.context.close()


def test_update_from_main_is_settled_passage_by_passage_and_what_was_typed_is_kept(browser, live):
    url, lib = live
    teacher = sign_in(browser, url, "teacher")
    number = start(teacher, url)
    write(teacher, lambda body: body.replace("列车管定压", "列车管定压（变更请求的说法）", 1))
    teacher.click("#save")
    teacher.wait_for_url("**saved=1**")
    text = lib.read_text("main", CHAPTER)
    lib.commit("main", [Write(CHAPTER, text.replace("列车管定压", "列车管定压（主线的说法）", 1))],
               Author("周主编", "zhou@college.edu.cn", "school"), "主线修改", base=lib.resolve("main"))

    teacher.goto(f"{url}/books/{BOOK}/change-requests/{number}")
    teacher.click("form[action$='/update'] button[type=submit]")
    teacher.wait_for_selector("#update-form")
    heading = teacher.locator("#f0-passage-1 .passage-theirs h3").inner_text()
    assert re.fullmatch(r"对方的文字（周主编，学校，.+）", heading), heading
    assert teacher.locator("#f0-passage-1 .passage-yours h3").inner_text() == "你的文本（本变更请求）"
    assert "<<<<<<<" not in teacher.locator("#f0-passage-1").inner_text()
    teacher.locator("#f0-passage-1 input[value=edit]").check()
    box = teacher.locator("textarea[name='f0-text-1']")
    typed = "列车管定压（两种说法合并，由我改写）"
    box.fill(box.input_value().split("\n")[0].replace("列车管定压（变更请求的说法）", typed))
    teacher.click("#save-update")
    teacher.wait_for_selector(".flash-success")
    merged = lib.read_text(f"cr/{number}", CHAPTER)
    assert typed in merged and "（主线的说法）" not in merged and "（变更请求的说法）" not in merged
    assert lib.objects.commit(lib.resolve(f"cr/{number}")).parents[1] == lib.resolve("main")
    teacher.context.close()


def test_co_authors_see_who_else_has_the_chapter_open_while_both_are_there(browser, make_app):
    app = make_app(PRESENCE_HEARTBEAT_SECONDS=1)
    with serving(app) as url:
        teacher = sign_in(browser, url, "teacher")
        number = start(teacher, url)
        add_co_author(teacher, url, number, "Technician · 企业")
        teacher.goto(f"{url}/books/{BOOK}/chapters/{FILE}/edit")
        assert teacher.locator("#presence").inner_text() == ""  # alone

        technician = sign_in(browser, url, "technician")
        technician.goto(f"{url}/books/{BOOK}/chapters/{FILE}/edit")
        told = technician.locator("#presence .presence-person")
        assert re.fullmatch(r"Teacher 正在编辑本章（\d\d:\d\d 起）", told.inner_text()), told.inner_text()
        # The teacher's page, open all along, learns it at its next heartbeat.
        expect(teacher.locator("#presence .presence-person")).to_have_text(
            re.compile(r"^Technician 正在编辑本章（\d\d:\d\d 起）$"), timeout=10_000)
        assert teacher.locator("#presence").get_attribute("role") == "status"

        # The technician saves: they come straight back and are still there, since the same time.
        since = teacher.locator("#presence").inner_text()
        write(technician, lambda body: body.replace("列车管定压", "列车管定压（企业）", 1))
        technician.click("#save")
        technician.wait_for_url("**saved=1**")
        teacher.wait_for_timeout(2500)
        assert teacher.locator("#presence").inner_text() == since

        # The technician closes the chapter: the teacher is alone again.
        technician.goto(f"{url}/books/{BOOK}/change-requests/{number}")
        expect(teacher.locator("#presence .presence-person")).to_have_count(0, timeout=10_000)
        for page in (teacher, technician):
            page.context.close()
