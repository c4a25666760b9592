"""In a real browser: a release goes through textbook review — submission, each member's reading, the
meeting, every signature — once for each conclusion, and the resubmission shows which revisions are done."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from build.publish import release
from helpers import PASSWORD, serving
from helpers import STARTER_BOOK as BOOK
from materials import Author, Library, Write
from server.accounts.models import User
from server.change_requests.models import ChangeRequest
from server.database import new_session

pytestmark = pytest.mark.browser

EDITOR = Author("Editor", "editor@college.example", "school")
PANEL = [("reviewer", "某机务段技术科", "enterprise"), ("outsider", "某机车车辆厂", "enterprise"),
         ("reader", "某铁道职业技术学院", "school")]


@pytest.fixture
def live(app):
    with new_session(app) as session:
        session.scalar(select(User).where(User.username == "teacher")).email = "wang.xiaoming@example.edu.cn"
        session.commit()
    lib = Library(app.config["LIBRARY_PATH"])
    lib.create_tag(f"{BOOK}/v1.0", "main", EDITOR, "Release 1.0")
    with serving(app) as url:
        yield app, url, lib


def people(browser, url: str, names: list[str]) -> dict:
    pages = {}
    for name in names:
        page = browser.new_context(locale="zh-CN", viewport={"width": 412, "height": 900}).new_page()
        page.goto(f"{url}/login")
        page.fill("#username", name)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit].button")
        page.wait_for_url(f"{url}/")
        pages[name] = page
    return pages


def submit(page, url: str, version: str) -> str:
    page.goto(f"{url}/books/{BOOK}/releases")
    page.get_by_role("link", name="教材审核").first.click()
    page.get_by_role("link", name="送审一个版本").click()
    page.select_option("#version", version)
    page.fill("#note", f"{version} 版送审，请审核。")
    page.get_by_role("button", name="送审").click()
    page.wait_for_url(f"{url}/books/{BOOK}/textbook-reviews/*")
    assert page.locator(".review-state .badge").first.inner_text() == "等待组建审核组"
    return page.url


def review(pages: dict, address: str, conclusion: str, revisions: str = "") -> None:
    admin = pages["admin"]
    admin.goto(address)
    rows = admin.locator(".panel-form tbody tr")
    for i, (name, institution, side) in enumerate(PANEL):
        rows.nth(i).locator("input[name=panel-member]").fill(name)
        rows.nth(i).locator("input[name=panel-institution]").fill(institution)
        rows.nth(i).locator("select[name=panel-side]").select_option(side)
    admin.fill("#panel-chair", "reviewer")
    admin.get_by_role("button", name="组建审核组").click()
    admin.wait_for_selector("table.panel, .flash-error")
    assert admin.locator(".flash-error").count() == 0, admin.locator(".flash-error").inner_text()
    assert admin.locator("table.panel tr[data-member]").count() == 3

    for name in ("reviewer", "outsider", "reader"):
        page = pages[name]
        page.goto(address)
        for i in range(3):
            page.select_option(f"#reading-verdict_{i}", "meets" if i < 2 else "partly")
        page.fill("#reading-note_2", "案例可更贴近现场")
        page.fill("#reading-opinion", f"{name}：同意。")
        page.get_by_role("button", name="提交审读意见").click()
        page.wait_for_selector(".flash-success")
        if name == "outsider":
            page.select_option("#comment-chapter", "03-brake-test.md")
            page.fill("#comment-passage", "五步闸")
            page.fill("#comment-body", "建议补充安全注意事项")
            page.get_by_role("button", name="添加意见").click()
            page.wait_for_selector(".review-comments li")
            assert "建议补充安全注意事项" in page.locator(".review-comments").inner_text()

    chair = pages["reviewer"]
    chair.goto(address)
    chair.fill("#meeting-meeting_date", "2026-03-12")
    for select in chair.locator("#meeting select[id^=meeting-vote_]").all():
        select.select_option(conclusion)
    chair.fill("#meeting-minutes", "会议逐章讨论了审读意见。")
    chair.select_option("#meeting-conclusion", conclusion)
    if revisions:
        chair.fill("#meeting-revisions", revisions)
    chair.check("#meeting-confirm")
    chair.get_by_role("button", name="记录会议和结论").click()
    chair.wait_for_selector("#record .record-hash")
    digest = chair.locator("#record .record-hash").inner_text()
    assert len(digest) == 64

    for name in ("reviewer", "outsider", "reader"):
        page = pages[name]
        page.goto(address)
        assert page.locator("#record .record-hash").inner_text() == digest
        page.check("#sign-confirm")
        page.get_by_role("button", name="签署记录").click()
        page.wait_for_selector(".flash-success")
    final = pages["maintainer"]
    final.goto(address)
    assert final.locator(".record-kept").get_attribute("data-verified") == "yes"
    assert final.locator("table.panel tr[data-member] code").count() == 3


def test_a_release_is_reviewed_to_each_conclusion_and_resubmitted(browser, live):
    app, url, lib = live
    pages = people(browser, url, ["maintainer", "admin", "reviewer", "outsider", "reader"])
    maintainer = pages["maintainer"]

    first = submit(maintainer, url, "1.0")
    review(pages, first, "resubmit", "补充制动机试验的安全注意事项\n受电弓检修按现行作业指导书更新")
    assert maintainer.locator("[data-conclusion]").inner_text() == "重新送审"
    assert maintainer.locator("#revisions li").count() == 2

    # the maintainer opens a change request for the first revision, links it and merges it
    api = maintainer.request
    token = maintainer.locator("input[name=csrf_token]").first.get_attribute("value")
    created = api.post(f"{url}/api/books/{BOOK}/change-requests", data={"title": "补充安全注意事项"},
                       headers={"X-CSRFToken": token}).json()
    maintainer.fill("#link-1", str(created["number"]))
    maintainer.locator("#revisions li").first.locator("button[type=submit]").click()
    maintainer.wait_for_selector(".flash-success")
    assert "补充安全注意事项" in maintainer.locator("#revisions li").first.inner_text()
    path = f"books/{BOOK}/chapters/03-brake-test.md"
    lib.commit(f"cr/{created['number']}", [Write(path, lib.read_text("main", path) + "\n安全注意事项。\n")], EDITOR,
               "安全注意事项", base=created["head"])
    merged = lib.merge(f"cr/{created['number']}", "main", EDITOR, "Merge")
    with new_session(app) as session:
        cr = session.scalar(select(ChangeRequest).where(ChangeRequest.number == created["number"]))
        cr.state, cr.merged_sha = "merged", merged
        session.commit()

    # version 1.1 is released with its site, resubmitted, and passes
    release(lib, BOOK, "1.1", app.config["SITES_DIR"], EDITOR, "Release 1.1", platform_url="",
            cache_dir=Path(app.config["SITES_DIR"]) / ".cache")
    second = submit(maintainer, url, "1.1")
    resubmission = maintainer.locator("#resubmission")
    assert resubmission.locator("[data-revision='1']").get_attribute("data-done") == "yes"
    assert resubmission.locator("[data-revision='2']").get_attribute("data-done") == "no"
    assert "未关联变更请求" in resubmission.locator("[data-revision='2']").inner_text()
    review(pages, second, "passed")
    assert maintainer.locator("[data-conclusion]").inner_text() == "通过"

    maintainer.goto(f"{url}/books/{BOOK}/releases")
    assert "审核通过 · 2026-03-12" in maintainer.locator("tr[data-version='1.1']").inner_text()
    maintainer.goto(f"{url}/read/{BOOK}/1.1/")
    maintainer.wait_for_selector("[data-jb-reviewed]:not([hidden])")
    assert maintainer.locator("[data-jb-reviewed]").inner_text().strip() == "审核通过 · 2026-03-12"

    # a release candidate is rejected
    lib.create_tag(f"{BOOK}/v1.2-rc.1", "main", EDITOR, "Release candidate")
    third = submit(maintainer, url, "1.2-rc.1")
    review(pages, third, "rejected")
    assert maintainer.locator("[data-conclusion]").inner_text() == "不予通过"
    assert lib.exists("main", f"books/{BOOK}/reviews/1.2-rc.1/3.yml")
    for page in pages.values():
        page.context.close()
