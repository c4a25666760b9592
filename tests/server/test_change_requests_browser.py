"""The whole joint-review path in a real browser, against a live server with its job runner.

A school teacher starts a change request from the chapter, edits in the editor;
an enterprise reviewer comments inline and suggests an edit; the teacher
applies it; both sides approve, and since the reviewer now wrote part of the
change a second enterprise reviewer reads it too; the reviewer merges; main
and the history credit both sides.
"""
from __future__ import annotations


import pytest

from helpers import PASSWORD, serving
from materials import Author, Library, Write
from server.database import new_session
from server.jobs.workers import stop_consumer
from server.accounts.models import Membership, User

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
    with new_session(app) as session:  # the technician reviews too: a second enterprise reviewer
        technician = session.query(User).filter_by(username="technician").one()
        session.query(Membership).filter_by(user_id=technician.id, book=BOOK).one().role = "reviewer"
        session.commit()
    with serving(app) as url:
        try:
            yield url, lib
        finally:
            stop_consumer(app)


def sign_in(browser, url: str, username: str, password: str):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit].button")
    page.wait_for_url(f"{url}/")
    return page


def test_teacher_and_enterprise_reviewer_take_a_change_to_main_together(browser, live):
    url, lib = live
    teacher = sign_in(browser, url, "teacher", PASSWORD)

    # Starting to edit offers a new change request, titled after the chapter.
    teacher.goto(f"{url}/books/{BOOK}/change-requests/new?chapter={FILE}")
    assert teacher.input_value("#cr-title") == "修改《制动机的检查与试验》"
    teacher.click("#start button[type=submit]")
    teacher.wait_for_url(f"**/books/{BOOK}/chapters/{FILE}/edit**")
    body = teacher.input_value("#body")
    teacher.click("button.jb-mode[data-mode=source]")  # the Markdown mode of the editor
    teacher.locator(".jb-source .cm-content").click()
    teacher.keyboard.press("Control+a")
    teacher.keyboard.insert_text(body.replace("列车管定压", "列车管定压约为", 1))
    teacher.fill("#message", "说明列车管定压")
    teacher.click("#save")
    teacher.wait_for_url("**saved=1**")
    number = int(next(b for b in lib.branches() if b.startswith("cr/")).split("/")[1])
    assert "列车管定压约为" in lib.read_text(f"cr/{number}", CHAPTER)

    # The enterprise reviewer comments on the changed line and suggests better words.
    reviewer = sign_in(browser, url, "reviewer", PASSWORD)
    assert reviewer.locator(".bell-count").inner_text() == "1"
    reviewer.goto(f"{url}/books/{BOOK}/change-requests/{number}/files")
    changed = reviewer.locator("tr.change", has_text="列车管定压约为").first
    changed.locator("a.line-link").click()
    form = reviewer.locator("tr.form-row form.inline-comment")
    form.locator("textarea[name=body]").fill("请写明具体数值")
    form.locator("details.suggest summary").click()
    form.locator("input[name=suggest]").check()
    replacement = form.locator("textarea[name=replacement]")
    replacement.fill(replacement.input_value().replace("列车管定压约为", "列车管定压为 600 kPa，约为"))
    form.locator("button[type=submit]").click()
    reviewer.wait_for_load_state()
    assert reviewer.locator(".suggestion-new", has_text="600 kPa").is_visible()

    # The teacher applies it with one click.
    teacher.goto(f"{url}/books/{BOOK}/change-requests/{number}/files")
    teacher.click(".suggestion button[type=submit]")
    teacher.wait_for_load_state()
    assert "600 kPa" in lib.read_text(f"cr/{number}", CHAPTER)

    # Both sides approve the new head. The reviewer wrote part of it now (the applied suggestion
    # credits them), so their approval does not count until another enterprise reviewer approves;
    # the page then lets the reviewer merge.
    maintainer = sign_in(browser, url, "maintainer", PASSWORD)
    second = sign_in(browser, url, "technician", PASSWORD)

    def approve(person):
        person.goto(f"{url}/books/{BOOK}/change-requests/{number}")
        person.check("#review-form input[value=approve]")
        person.click("#review-form button[type=submit]")
        person.wait_for_load_state()

    for person in (reviewer, maintainer):
        approve(person)
    reviewer.goto(f"{url}/books/{BOOK}/change-requests/{number}")
    assert reviewer.locator(".not-counted", has_text="reviewer的批准不计入：其本人写了这项变更的一部分").is_visible()
    assert reviewer.locator("#merge-form").count() == 0
    approve(second)
    reviewer.goto(f"{url}/books/{BOOK}/change-requests/{number}")
    for _ in range(50):  # checks run in the job runner
        if reviewer.locator("#merge-form").count():
            break
        reviewer.wait_for_timeout(200)
        reviewer.reload()
    reviewer.click("#merge-form button[type=submit]")
    reviewer.wait_for_load_state()
    assert reviewer.locator(".cr-state-merged").is_visible()

    text = lib.read_text("main", CHAPTER)
    assert "列车管定压为 600 kPa，约为" in text
    history = lib.log("main", CHAPTER, limit=5)
    applied = next(c for c in history if "Co-authored-by:" in c.message)
    assert applied.author_name == "Teacher" and applied.side == "school"
    assert "Co-authored-by: Reviewer <reviewer@users.jointbook.invalid>" in applied.message
    merge_commit = lib.log("main", limit=1)[0]
    assert merge_commit.summary.startswith(f"Merge change request #{number}") and merge_commit.side == "enterprise"
    for page in (teacher, reviewer, maintainer, second):
        page.context.close()
