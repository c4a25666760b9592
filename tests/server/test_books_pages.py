"""The book list, a book's page and reading a chapter, as teachers and technicians see them."""
from __future__ import annotations

import re

from helpers import start_change_request
from materials import OVERWRITE, Author, Library, Write

BOOK = "locomotive-maintenance"
CHAPTERS_IN_ORDER = ["HXD3 型电力机车总体认知", "机车检修作业安全", "制动机的检查与试验", "受电弓的检查",
                     "牵引电动机与走行部检修", "出库前检查作业程序", "机车故障应急处置"]
ZH = {"Accept-Language": "zh-CN"}


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_book_list_shows_my_books_and_admins_see_every_book(signed_in, app):
    lib = Library(app.config["LIBRARY_PATH"])
    lib.commit("main", [Write("books/other-book/book.yml", "title: 另一本书\n")],
               Author("王老师", "wang@example.edu.cn", "school"), "Add another book", base=OVERWRITE)
    assert 'href="/books"' in _text(signed_in("teacher").get("/", headers=ZH))  # in the menu of every page
    teacher = _text(signed_in("teacher").get("/books", headers=ZH))
    assert "电力机车运用与检修" in teacher and "另一本书" not in teacher
    admin = _text(signed_in("admin").get("/books", headers=ZH))
    assert "电力机车运用与检修" in admin and "另一本书" in admin
    api = signed_in("teacher").get("/api/books").json
    assert [b["name"] for b in api["books"]] == [BOOK]
    assert api["books"][0]["role"] == "author"


def test_book_page_lists_chapters_in_navigation_order(reading_as):
    page = _text(reading_as("reader").get(f"/books/{BOOK}", headers=ZH))
    contents = page[page.index('id="contents"'):page.index('id="share"')]
    positions = [contents.index(title) for title in CHAPTERS_IN_ORDER]
    assert positions == sorted(positions)
    for part in ("第一篇 机车认知与作业安全", "第二篇 机车检查与检修", "第三篇 作业程序与应急处置"):
        assert part in contents
    assert f'href="/books/{BOOK}/chapters/03-brake-test.md"' in contents
    assert "校企合作新形态教材（示例）" in page and "CC-BY-SA-4.0" in page and "2026" in page
    # readers get no edit links; authors do (to the editor's page)
    assert "/03-brake-test.md/edit" not in contents
    author_page = _text(reading_as("teacher").get(f"/books/{BOOK}", headers=ZH))
    assert f'href="/books/{BOOK}/chapters/03-brake-test.md/edit"' in author_page
    api = reading_as("reader").get(f"/api/books/{BOOK}").json
    assert [c["title"] for c in api["chapters"]] == CHAPTERS_IN_ORDER


def test_book_page_shows_both_sides_share_with_library_labels(reading_as):
    page = _text(reading_as("teacher").get(f"/books/{BOOK}", headers=ZH))
    share = page[page.index('id="share"'):page.index('id="coverage"')]
    # the starter course: enterprise 57 %, school 43 % of the characters (hand-checked from its history)
    assert re.search(r"企业</span></th>.*?57%", share, re.S)
    assert re.search(r"学校</span></th>.*?43%", share, re.S)
    english = _text(reading_as("teacher").get(f"/books/{BOOK}", headers={"Accept-Language": "en"}))
    assert "Enterprise" in english and "School" in english
    api = reading_as("teacher").get(f"/api/books/{BOOK}", headers=ZH).json
    shares = {s["side"]: round(s["percent"]) for s in api["share"]}
    assert shares == {"enterprise": 57, "school": 43}


def test_book_page_shows_coverage_by_level_and_recent_history(reading_as):
    page = _text(reading_as("reader").get(f"/books/{BOOK}", headers=ZH))
    coverage = page[page.index('id="coverage"'):page.index('id="recent"')]
    assert "五级" in coverage and "%" in coverage
    assert f'href="/books/{BOOK}/alignment"' in coverage
    recent = page[page.index('id="recent"'):]
    assert "编写第七章 机车故障应急处置" in recent and "张敏" in recent
    assert recent.count('class="commit"') == 8  # the starter history has eight commits
    assert "side-enterprise" in recent and "side-school" in recent


def test_problems_are_listed_for_authors_with_file_and_line(signed_in, app):
    lib = Library(app.config["LIBRARY_PATH"])
    path = f"books/{BOOK}/chapters/02-work-safety.md"
    text = lib.read_text("main", path).replace("title: ", "colour: red\ntitle: ", 1)
    lib.commit("main", [Write(path, text)], Author("王老师", "wang@example.edu.cn", "school"), "Break a chapter",
               base=OVERWRITE)
    page = _text(signed_in("teacher").get(f"/books/{BOOK}", headers=ZH))
    problems = page[page.index('id="problems"'):page.index('id="contents"')]
    assert f"{path}:2" in problems
    assert "problems" not in _text(signed_in("reader").get(f"/books/{BOOK}", headers=ZH)).split('id="contents"')[0]
    api = signed_in("teacher").get(f"/api/books/{BOOK}").json
    assert any(p["path"] == path and p["line"] == 2 for p in api["problems"])


def test_reading_a_chapter_shows_rendered_text_objectives_and_standard_items(reading_as):
    client = reading_as("reader")
    page = _text(client.get(f"/books/{BOOK}/chapters/03-brake-test.md", headers=ZH))
    assert "<h1>制动机的检查与试验</h1>" in page
    assert '<h2 id="five-step-test">五步闸试验<a class="headerlink"' in page  # the site's Markdown pipeline
    assert f'src="/books/{BOOK}/assets/' in page  # images come from the book's assets
    assert "能按作业标准完成制动机“五步闸”试验并判断结果" in page
    items = page[page.index('class="standard-items"'):]
    assert "2.1.1" in items and "技能要求" in items
    api = client.get(f"/api/books/{BOOK}/chapters/03-brake-test.md/reading").json
    assert api["title"] == "制动机的检查与试验" and "L4.S.2.1.1" in api["standards"]
    assert any(i["key"] == "L4.S.2.1.1" for i in api["items"])
    assert "<table>" in api["html"]


def test_chapter_html_is_sanitized(signed_in, app):
    lib = Library(app.config["LIBRARY_PATH"])
    path = f"books/{BOOK}/chapters/04-pantograph.md"
    text = lib.read_text("main", path) + '\n<script>alert(1)</script>\n\n[x](javascript:alert(2))\n<img src=x onerror="alert(3)">\n'
    lib.commit("main", [Write(path, text)], Author("王老师", "wang@example.edu.cn", "school"), "Try a script",
               base=OVERWRITE)
    page = _text(signed_in("reader").get(f"/books/{BOOK}/chapters/04-pantograph.md"))
    assert "<script>alert(1)" not in page and "javascript:alert" not in page and "onerror" not in page


def test_unknown_book_and_chapter_are_translated_404s(reading_as):
    client = reading_as("admin")
    response = client.get("/books/no-such-book", headers=ZH)
    assert response.status_code == 404 and "没有" in response.get_data(as_text=True)
    response = client.get(f"/books/{BOOK}/chapters/99-missing.md", headers=ZH)
    assert response.status_code == 404
    response = client.get(f"/api/books/{BOOK}/chapters/99-missing.md/reading")
    assert response.status_code == 404 and response.json["error"]["code"] == "chapter.not_found"


def test_anonymous_and_non_members_are_refused(reading_app, reading_as):
    anonymous = reading_app.test_client()
    for url in ("/books", f"/books/{BOOK}", f"/books/{BOOK}/chapters/03-brake-test.md"):
        response = anonymous.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert anonymous.get(f"/api/books/{BOOK}").status_code == 401
    outsider = reading_as("outsider")
    assert outsider.get(f"/books/{BOOK}").status_code == 403
    assert outsider.get(f"/api/books/{BOOK}/chapters").status_code == 403
    assert BOOK not in outsider.get("/books").get_data(as_text=True)


def test_home_page_shows_my_drafts_with_ahead_and_behind(signed_in, app):
    lib = Library(app.config["LIBRARY_PATH"])
    branch = f"drafts/teacher/{BOOK}"
    lib.create_branch(branch, "main")
    path = f"books/{BOOK}/chapters/04-pantograph.md"
    lib.commit(branch, [Write(path, lib.read_text("main", path) + "\n草稿中的一段。\n")],
               Author("Teacher", "teacher@example.edu.cn", "school"), "Draft a paragraph", base=OVERWRITE)
    lib.commit("main", [Write(f"books/{BOOK}/chapters/02-work-safety.md",
                              lib.read_text("main", f"books/{BOOK}/chapters/02-work-safety.md") + "\n新的一段。\n")],
               Author("王老师", "wang@example.edu.cn", "school"), "Add to main", base=OVERWRITE)
    page = _text(signed_in("teacher").get("/", headers={"Accept-Language": "en"}))
    drafts = page[page.index('id="panel-drafts"'):page.index('id="panel-reviews"')]
    assert "电力机车运用与检修" in drafts
    assert "1 changes ahead of the main version, 1 behind" in drafts
    assert f"to=drafts/teacher/{BOOK}" in drafts
    other = _text(signed_in("technician").get("/"))
    assert "to=drafts/teacher" not in other


def test_home_page_lists_my_change_requests_and_those_awaiting_my_review(signed_in):
    teacher = signed_in("teacher")
    branch = start_change_request(teacher, title="修订受电弓一章")
    number = branch.split("/")[1]
    mine = _text(teacher.get("/"))
    drafts = mine[mine.index('id="panel-drafts"'):mine.index('id="panel-reviews"')]
    assert f"#{number} 修订受电弓一章" in drafts and f"/change-requests/{number}" in drafts
    assert f"#{number} 修订受电弓一章" not in mine[mine.index('id="panel-reviews"'):]  # not my own review
    review = _text(signed_in("reviewer").get("/"))
    awaiting = review[review.index('id="panel-reviews"'):]
    assert f"#{number} 修订受电弓一章" in awaiting and f"/change-requests/{number}" in awaiting


def test_book_page_leads_authors_to_every_place_they_work_and_readers_only_to_theirs(reading_as):
    author_page = reading_as("teacher").get(f"/books/{BOOK}").get_data(as_text=True)
    for place in ("change-requests", "alignment", "dashboard", "feedback", "structure", "assets", "releases"):
        href = f'href="/books/{BOOK}/{place}"'
        assert href in author_page, place
        assert reading_as("teacher").get(f"/books/{BOOK}/{place}").status_code == 200, place
    reader_page = reading_as("reader").get(f"/books/{BOOK}").get_data(as_text=True)
    assert f'href="/books/{BOOK}/feedback"' not in reader_page  # the inbox is for authors and reviewers
    assert f'href="/books/{BOOK}/alignment"' in reader_page
