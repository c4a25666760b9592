"""History, compare, commit, blame and revert over a real library with edits from both sides."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from helpers import csrf_from, post_form, start_change_request
from materials import OVERWRITE, Author, Library, Write

BOOK = "locomotive-maintenance"
CHAPTER = "03-brake-test.md"
PATH = f"books/{BOOK}/chapters/{CHAPTER}"
SCHOOL = Author("王老师", "wang@example.edu.cn", "school")
ENTERPRISE = Author("李师傅", "li@example.com", "enterprise")
OLD_LINE = "它以电子信号代替传统的机械阀控制，主要由五部分组成："
NEW_LINE = "它以电子信号代替传统的机械阀控制，主要由六部分组成："
ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


@dataclass
class Edits:
    lib: Library
    before: str  # main before the two edits
    school: str  # the school teacher's commit (changes OLD_LINE)
    enterprise: str  # the technician's commit (adds a paragraph at the end)


def _edit(lib: Library, branch: str, path: str, old: str, new: str, author: Author, message: str) -> str:
    text = lib.read_text(branch, path)
    assert old in text
    return lib.commit(branch, [Write(path, text.replace(old, new, 1))], author, message, base=OVERWRITE).sha


@pytest.fixture
def edits(app) -> Edits:
    lib = Library(app.config["LIBRARY_PATH"])
    before = lib.resolve("main")
    school = _edit(lib, "main", PATH, OLD_LINE, NEW_LINE, SCHOOL, "改为六部分")
    text = lib.read_text("main", PATH)
    enterprise = lib.commit("main", [Write(PATH, text + "\n现场经验：试验前先确认总风缸压力。\n")], ENTERPRISE,
                            "补充现场经验", base=OVERWRITE).sha
    return Edits(lib, before, school, enterprise)


def _allow_direct_commits(lib: Library) -> None:
    path = f"books/{BOOK}/book.yml"
    _edit(lib, "main", path, "direct_commits: false", "direct_commits: true", SCHOOL, "允许直接提交")


def _page(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True)


# ------------------------------------------------------------------ history

def test_book_history_shows_each_change_with_its_side(signed_in, edits):
    page = _page(signed_in("reader").get(f"/books/{BOOK}/history", headers=ZH))
    entries = re.findall(r'<li class="commit">(.*?)</li>', page, re.S)
    assert "补充现场经验" in entries[0] and "李师傅" in entries[0] and "side-enterprise" in entries[0]
    assert ">企业<" in entries[0]
    assert "改为六部分" in entries[1] and "王老师" in entries[1] and "side-school" in entries[1]
    assert ">学校<" in entries[1]
    api = signed_in("reader").get(f"/api/books/{BOOK}/history").json
    assert [(c["summary"], c["side"]) for c in api["commits"][:2]] == [("补充现场经验", "enterprise"),
                                                                        ("改为六部分", "school")]
    assert api["commits"][0]["sha"] == edits.enterprise


def test_history_dates_are_in_the_viewers_language(signed_in, edits):
    client = signed_in("reader")
    year = edits.lib.log("main", limit=1)[0].authored_at.year
    assert f"{year}年" in _page(client.get(f"/books/{BOOK}/history", headers=ZH))
    english = _page(client.get(f"/books/{BOOK}/history", headers=EN))
    assert f"{year}年" not in english and re.search(rf"\b{year}\b", english)


def test_history_is_paginated(signed_in, app):
    lib = Library(app.config["LIBRARY_PATH"])
    path = f"books/{BOOK}/chapters/04-pantograph.md"
    for i in range(31):
        text = lib.read_text("main", path)
        lib.commit("main", [Write(path, text + f"\n第 {i} 段。\n")], SCHOOL, f"补充第 {i} 段", base=OVERWRITE)
    client = signed_in("reader")
    first = _page(client.get(f"/books/{BOOK}/chapters/04-pantograph.md/history"))
    assert first.count('class="commit"') == 30 and 'rel="next"' in first and "补充第 30 段" in first
    second = _page(client.get(f"/books/{BOOK}/chapters/04-pantograph.md/history?page=2"))
    assert second.count('class="commit"') == 2 and "补充第 0 段" in second and "编写第四章" in second
    assert 'rel="next"' not in second
    api = client.get(f"/api/books/{BOOK}/chapters/04-pantograph.md/history?page=2").json
    assert len(api["commits"]) == 2 and api["has_next"] is False


def test_chapter_history_follows_a_rename(signed_in, app):
    lib = Library(app.config["LIBRARY_PATH"])
    from materials import Rename

    lib.commit("main", [Rename(PATH, f"books/{BOOK}/chapters/03-brakes.md")], SCHOOL, "改名", base=OVERWRITE)
    page = _page(signed_in("reader").get(f"/books/{BOOK}/chapters/03-brakes.md/history", headers=ZH))
    assert "改名" in page and "编写第三章 制动机的检查与试验" in page
    assert CHAPTER in page  # the earlier name is shown


# ------------------------------------------------------------------ compare and commits

def test_compare_between_two_commits_shows_the_changed_lines(signed_in, edits):
    client = signed_in("reader")
    page = _page(client.get(f"/books/{BOOK}/compare?from={edits.before}&to={edits.school}"))
    assert PATH in page
    # side by side: the old line on the left, the new one on the right, the changed word marked
    row = re.search(r'<tr class="change">(.*?)</tr>', page, re.S).group(1)
    assert "<mark>五</mark>" in row and "<mark>六</mark>" in row
    assert row.index("<mark>五</mark>") < row.index("<mark>六</mark>")
    assert re.search(r'<td class="num old">18</td>', row) and re.search(r'<td class="num new">18</td>', row)
    assert "现场经验" not in page  # the later commit is not part of this comparison
    unified = _page(client.get(f"/books/{BOOK}/compare?from={edits.before}&to={edits.school}&view=unified"))
    assert 'class="diff unified"' in unified and 'class="diff split"' not in unified
    api = client.get(f"/api/books/{BOOK}/compare", query_string={"from": edits.before, "to": edits.school}).json
    lines = [l for h in api["files"][0]["hunks"] for l in h["lines"] if l["kind"] != "context"]
    assert [(l["kind"], l["text"], l["old_no"], l["new_no"]) for l in lines] == [
        ("removed", OLD_LINE, 18, None), ("added", NEW_LINE, None, 18)]


def test_commit_page_shows_its_diff_against_its_parent(signed_in, edits):
    client = signed_in("reader")
    page = _page(client.get(f"/books/{BOOK}/commits/{edits.enterprise}", headers=ZH))
    assert "补充现场经验" in page and "李师傅" in page and "side-enterprise" in page
    assert "现场经验：试验前先确认总风缸压力。" in page and NEW_LINE not in page
    assert re.search(r'<tr class="added">.*?现场经验', page, re.S)
    api = client.get(f"/api/books/{BOOK}/commits/{edits.enterprise[:10]}").json
    assert api["commit"]["sha"] == edits.enterprise and api["commit"]["side"] == "enterprise"
    assert api["files"][0]["added"] == 2 and api["files"][0]["removed"] == 0


def test_a_commit_page_leads_to_the_previous_change_of_its_book_past_other_books_commits(signed_in, app):
    lib = Library(app.config["LIBRARY_PATH"])
    text = lib.read_text("main", PATH)
    first = lib.commit("main", [Write(PATH, text.replace(OLD_LINE, NEW_LINE, 1))], SCHOOL, "改为六部分",
                       base=lib.resolve("main")).sha
    lib.commit("main", [Write("books/other-book/book.yml", "title: 另一本书\n")], SCHOOL, "另一本书",
               base=lib.resolve("main"))
    second = lib.commit("main", [Write(PATH, lib.read_text("main", PATH) + "\n补充。\n")], ENTERPRISE, "补充",
                        base=lib.resolve("main")).sha
    client = signed_in("reader")
    page = _page(client.get(f"/books/{BOOK}/commits/{second}", headers=EN))
    after = re.search(r'class="muted">after <a href="([^"]+)"', page)
    assert after and after.group(1) == f"/books/{BOOK}/commits/{first}"
    assert client.get(after.group(1)).status_code == 200


def test_a_commit_of_another_book_is_not_shown_through_this_book(signed_in, app):
    lib = Library(app.config["LIBRARY_PATH"])
    other = lib.commit("main", [Write("books/secret-book/book.yml", "title: 机密\n")], SCHOOL, "机密书", base=OVERWRITE).sha
    client = signed_in("reader")
    assert client.get(f"/books/{BOOK}/commits/{other}").status_code == 404
    response = client.get(f"/books/{BOOK}/compare", query_string={"from": lib.log(other, limit=2)[1].sha, "to": other})
    assert "机密" not in response.get_data(as_text=True)


BAD_REVISIONS = [
    ({"from": "--output=/tmp/x", "to": "main"}, 400, "revision.invalid"),
    ({"from": "-p", "to": "main"}, 400, "revision.invalid"),
    ({"from": "main", "to": "refs/../../config"}, 400, "revision.invalid"),
    ({"from": "main", "to": "main..HEAD"}, 400, "revision.invalid"),
    ({"from": "main", "to": "no-such-branch"}, 404, "revision.not_found"),
    ({"from": "main", "to": "deadbeef"}, 404, "revision.not_found"),
    ({"from": "main", "to": "0" * 40}, 404, "revision.not_found"),
    ({"from": "main"}, 400, "revision.missing"),
]


def test_bad_revisions_are_refused_with_a_translated_message(reading_as):
    client = reading_as("reader")
    for query, status, code in BAD_REVISIONS:
        page = client.get(f"/books/{BOOK}/compare", query_string=query, headers=ZH)
        assert page.status_code == status, query
        assert "版本" in page.get_data(as_text=True), query  # said in Chinese
        api = client.get(f"/api/books/{BOOK}/compare", query_string=query, headers=EN)
        assert api.status_code == status and api.json["error"]["code"] == code, query
        assert "version" in api.json["error"]["message"]


def test_unknown_commits_are_404(reading_as):
    client = reading_as("reader")
    for sha in ("zzzz", "-x", "0" * 40, "abc", "1234abcd"):
        assert client.get(f"/books/{BOOK}/commits/{sha}", headers=ZH).status_code == 404, sha
        assert client.get(f"/books/{BOOK}/commits/{sha}/revert").status_code == 403, sha  # readers: no revert
        assert client.get(f"/api/books/{BOOK}/commits/{sha}").status_code == 404, sha



def _marks(page: str) -> tuple[list[str], list[str]]:
    """The marked words of the first changed row of a diff page: (before, after)."""
    row = re.search(r'<tr class="change"[^>]*>(.*?)</tr>', page, re.S).group(1)
    old, new = (re.search(rf'<td class="code {side}[^"]*">(.*?)</td>', row, re.S).group(1) for side in ("old", "new"))
    return re.findall(r"<mark>(.*?)</mark>", old, re.S), re.findall(r"<mark>(.*?)</mark>", new, re.S)


def test_one_edit_is_highlighted_alike_in_the_history_and_in_its_change_request(signed_in, app):
    teacher = signed_in("teacher")
    branch = start_change_request(teacher)
    lib = Library(app.config["LIBRARY_PATH"])
    text = lib.read_text(branch, PATH)
    old, new = "发现第 2 位制动缸软管接头密封圈老化。", "发现第3位制动缸软管接头密封圈老化。"
    assert old in text
    sha = lib.commit(branch, [Write(PATH, text.replace(old, new, 1))], SCHOOL, "改写位号", base=OVERWRITE).sha
    number = branch.split("/")[1]
    history = _marks(_page(teacher.get(f"/books/{BOOK}/commits/{sha}", headers=ZH)))
    change_request = _marks(_page(teacher.get(f"/books/{BOOK}/change-requests/{number}/files", headers=ZH)))
    assert history == change_request == ([" 2 "], ["3"])

# ------------------------------------------------------------------ blame

def test_blame_lines_carry_the_side_of_whoever_wrote_them(signed_in, edits):
    client = signed_in("reader")
    api = client.get(f"/api/books/{BOOK}/chapters/{CHAPTER}/blame", headers=ZH).json
    by_text = {l["text"]: l for l in api["lines"]}
    assert by_text[NEW_LINE]["side"] == "school" and by_text[NEW_LINE]["author_name"] == "王老师"
    assert by_text[NEW_LINE]["sha"] == edits.school and by_text[NEW_LINE]["number"] == 18
    tail = by_text["现场经验：试验前先确认总风缸压力。"]
    assert tail["side"] == "enterprise" and tail["side_label"] == "企业"
    first = by_text["title: 制动机的检查与试验"]
    assert first["side"] == "enterprise" and first["author_name"] == "李卫东"  # the starter's author of chapter 3
    page = _page(client.get(f"/books/{BOOK}/chapters/{CHAPTER}/blame", headers=ZH))
    runs = re.findall(r'<section class="blame-run (side-\w+)" data-side="(\w+)">(.*?)</section>', page, re.S)
    school_runs = [body for css, side, body in runs if side == "school"]
    assert len(school_runs) == 1 and NEW_LINE in school_runs[0] and "王老师" in school_runs[0]
    assert all(css == f"side-{side}" for css, side, _ in runs)
    legend = page[page.index('class="legend"'):page.index('class="blame card"')]
    assert "学校" in legend and "企业" in legend


def test_blame_of_a_missing_chapter_is_404(reading_as):
    client = reading_as("reader")
    assert client.get(f"/books/{BOOK}/chapters/nope.md/blame").status_code == 404
    assert client.get(f"/books/{BOOK}/chapters/{CHAPTER}/blame?rev=-x").status_code == 400


# ------------------------------------------------------------------ revert

def test_maintainer_reverts_a_change_on_main_when_the_book_allows_it(signed_in, edits):
    _allow_direct_commits(edits.lib)
    client = signed_in("maintainer")
    confirm = _page(client.get(f"/books/{BOOK}/commits/{edits.school}/revert", headers=ZH))
    assert "改为六部分" in confirm and 'value="main"' in confirm
    response = post_form(client, f"/books/{BOOK}/commits/{edits.school}/revert", {"target": "main"})
    assert response.status_code == 302
    text = edits.lib.read_text("main", PATH)
    assert OLD_LINE in text and NEW_LINE not in text
    assert "现场经验：试验前先确认总风缸压力。" in text  # the later change is kept
    head = edits.lib.log("main", limit=1)[0]
    assert head.summary.startswith("Revert") and head.side == "school"
    assert response.headers["Location"].endswith(f"/commits/{head.sha}")


def test_a_conflicting_revert_writes_nothing_and_says_so(signed_in, edits):
    _allow_direct_commits(edits.lib)
    _edit(edits.lib, "main", PATH, NEW_LINE, "它以电子信号代替传统的机械阀控制，主要由七部分组成：", ENTERPRISE, "再改")
    head = edits.lib.resolve("main")
    client = signed_in("maintainer")
    response = post_form(client, f"/books/{BOOK}/commits/{edits.school}/revert", {"target": "main"},
                         page=f"/books/{BOOK}/commits/{edits.school}/revert")
    assert response.status_code == 409
    assert PATH in response.get_data(as_text=True) and 'role="alert"' in response.get_data(as_text=True)
    assert edits.lib.resolve("main") == head
    api = client.post(f"/api/books/{BOOK}/commits/{edits.school}/revert", json={"target": "main"},
                      headers={"X-CSRFToken": csrf_from(client, f"/books/{BOOK}/commits/{edits.school}/revert")})
    assert api.status_code == 409 and api.json["error"]["code"] == "edit.conflict"
    assert api.json["error"]["details"]["conflicts"][0]["path"] == PATH
    assert edits.lib.resolve("main") == head


def test_main_is_not_a_revert_target_unless_the_book_allows_direct_commits(signed_in, edits):
    client = signed_in("maintainer")
    head = edits.lib.resolve("main")
    response = post_form(client, f"/books/{BOOK}/commits/{edits.school}/revert", {"target": "main"},
                         page=f"/books/{BOOK}/commits/{edits.school}/revert")
    assert response.status_code == 400
    assert edits.lib.resolve("main") == head


def test_an_author_reverts_onto_their_own_change_request(signed_in, edits):
    client = signed_in("teacher")
    draft = start_change_request(client, title="撤销一处修改")
    response = post_form(client, f"/books/{BOOK}/commits/{edits.school}/revert", {"target": "draft"})
    assert response.status_code == 302
    assert OLD_LINE in edits.lib.read_text(draft, PATH)
    assert NEW_LINE in edits.lib.read_text("main", PATH)  # main untouched
    assert client.post(f"/api/books/{BOOK}/commits/{edits.school}/revert", json={"target": "main"},
                       headers={"X-CSRFToken": csrf_from(client, "/")}).status_code == 403


def test_readers_may_not_revert(signed_in, edits):
    client = signed_in("reader")
    assert client.get(f"/books/{BOOK}/commits/{edits.school}/revert").status_code == 403
    assert "Revert this change" not in _page(client.get(f"/books/{BOOK}/commits/{edits.school}", headers=EN))


# ------------------------------------------------------------------ permissions

def test_anonymous_and_non_members_are_refused_history(app, signed_in, edits):
    anonymous = app.test_client()
    outsider = signed_in("outsider")
    for url in (f"/books/{BOOK}/history", f"/books/{BOOK}/compare?from=main&to=main",
                f"/books/{BOOK}/commits/{edits.school}", f"/books/{BOOK}/chapters/{CHAPTER}/blame",
                f"/books/{BOOK}/chapters/{CHAPTER}/history"):
        response = anonymous.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
        assert outsider.get(url).status_code == 403, url
        assert anonymous.get("/api" + url).status_code == 401, url
        assert outsider.get("/api" + url).status_code == 403, url
