"""Text is stored as the author wrote it, in one form, whichever way it enters a chapter:
the editor's form, its whole-text form and conflict screen, the API, "update from main",
the change request commit endpoint and applied suggestions.

Browsers send every textarea with CRLF line endings and drop one newline right after
``<textarea>``; the helpers below post forms the way a browser does.
"""
from __future__ import annotations

import re
from html import unescape

import pytest

from helpers import csrf_from, post_form
from materials import Author, Write, parse_chapter

BOOK = "locomotive-maintenance"
CHAPTER = "03-brake-test.md"
PATH = f"books/{BOOK}/chapters/{CHAPTER}"
CR_BRANCH = "cr/1"
EDIT = f"/books/{BOOK}/chapters/{CHAPTER}/edit"
API = f"/api/books/{BOOK}/chapters/{CHAPTER}"
LINE = "列车管定压"
EDITOR = Author("周主编", "zhou@college.edu.cn", "school")


@pytest.fixture
def teacher(teacher_in_change_request):
    teacher_in_change_request.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return teacher_in_change_request


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def textarea(html: str, name: str) -> str:
    """A textarea's value as a browser submits it: one leading newline dropped, CRLF line endings."""
    match = re.search(rf'<textarea[^>]*(?:id|name)="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea {name}"
    value = unescape(match.group(1))
    return crlf(value[1:] if value.startswith("\n") else value)


def hidden(html: str, name: str) -> str:
    return unescape(re.search(rf'name="{name}" value="([^"]*)"', html).group(1))


def editor_form(html: str) -> dict:
    """The editor form's fields as a browser posts them, untouched by the author."""
    return {
        "csrf_token": hidden(html, "csrf_token"), "base": hidden(html, "base"), "branch": hidden(html, "branch"),
        "sections": hidden(html, "sections"), "title": hidden(html, "title"),
        "objectives": [unescape(v) for v in re.findall(r'name="objectives" value="([^"]*)"', html)],
        "hours": hidden(html, "hours"), "summary": textarea(html, "summary"),
        "standards": [unescape(v) for v in re.findall(r'name="standards" value="([^"]*)" checked', html)],
        "body": textarea(html, "body"),
    }


def changed_lines(lib, old: str, new: str, path: str = PATH) -> tuple[int, int]:
    """(+added, −removed) lines of ``path`` between two commits, as the history page counts them."""
    files = [f for f in lib.diff(old, new, [path]).files if f.path == path]
    return (files[0].added, files[0].removed) if files else (0, 0)


# ------------------------------------------------------------------ the editor


def test_editor_form_sent_with_crlf_is_stored_with_lf(teacher, lib):
    form = editor_form(teacher.get(EDIT).get_data(as_text=True))
    base = form["base"]
    form["body"] = form["body"].replace(LINE, "列车管的定压", 1)
    form["summary"] = "第一句。\r\n第二句。\r\n"
    assert teacher.post(EDIT, data=form).status_code == 303
    stored = lib.read_text(CR_BRANCH, PATH)
    assert "\r" not in stored and stored.endswith("\n") and not stored.endswith("\n\n")
    assert parse_chapter(stored, PATH)[0].summary == "第一句。\n第二句。"
    removed = [line.text for f in lib.diff(base, CR_BRANCH, [PATH]).files for h in f.hunks for line in h.lines
               if line.kind == "-"]
    assert len(removed) == 2 and removed[0].startswith("summary: ") and LINE in removed[1]


def test_whole_text_form_sent_with_crlf_is_stored_with_lf(teacher, lib):
    chapter = teacher.get(API).json
    text = chapter["text"].replace(LINE, "列车管的定压", 1)
    response = teacher.post(EDIT, data={"mode": "text", "base": chapter["base"], "text": crlf(text) + "\r\n"})
    assert response.status_code == 303
    assert lib.read_text(CR_BRANCH, PATH) == text
    assert changed_lines(lib, chapter["base"], CR_BRANCH) == (1, 1)


def test_api_text_with_crlf_is_stored_with_lf_and_one_changed_line_diffs_as_one(teacher, lib):
    chapter = teacher.get(API).json
    text = chapter["text"].replace(LINE, "列车管的定压", 1)
    response = teacher.put(API, json={"base": chapter["base"], "text": crlf(text)})
    assert response.status_code == 200, response.json
    stored = lib.read_text(CR_BRANCH, PATH)
    assert stored.count("\r") == 0 and stored == text
    assert changed_lines(lib, chapter["base"], response.json["sha"]) == (1, 1)


def test_first_form_save_of_a_chapter_with_flow_lists_diffs_as_the_one_changed_line(teacher, lib):
    html = teacher.get(EDIT).get_data(as_text=True)
    assert "standards: [L5.S.2.3.1," in lib.read_text("main", PATH)  # the starter writes flow lists
    form = editor_form(html)
    form["body"] = form["body"].replace(LINE, "列车管的定压", 1)
    assert teacher.post(EDIT, data=form).status_code == 303
    assert changed_lines(lib, form["base"], CR_BRANCH) == (1, 1)


def test_first_api_save_with_fields_diffs_as_the_one_changed_line(teacher, lib):
    chapter = teacher.get(API).json
    response = teacher.put(API, json={"base": chapter["base"], "front_matter": chapter["front_matter"],
                                      "body": chapter["body"].replace(LINE, "列车管的定压", 1)})
    assert response.status_code == 200, response.json
    assert changed_lines(lib, chapter["base"], CR_BRANCH) == (1, 1)


def test_changing_only_the_title_leaves_every_other_front_matter_line_as_it_was(teacher, lib):
    before = lib.read_text("main", PATH)
    form = editor_form(teacher.get(EDIT).get_data(as_text=True))
    form["title"] = "制动机的检查、试验与计算"
    assert teacher.post(EDIT, data=form).status_code == 303
    after = lib.read_text(CR_BRANCH, PATH)
    old_lines, new_lines = before.splitlines(), after.splitlines()
    assert new_lines[1] == "title: 制动机的检查、试验与计算"
    assert new_lines[:1] + new_lines[2:] == old_lines[:1] + old_lines[2:]


def test_opening_and_saving_unchanged_text_makes_no_commit(teacher, lib):
    head = lib.branch_head(CR_BRANCH)
    html = teacher.get(EDIT).get_data(as_text=True)
    response = teacher.post(EDIT, data=editor_form(html), follow_redirects=True)
    assert "Nothing to save: the chapter is unchanged." in response.get_data(as_text=True)
    assert lib.branch_head(CR_BRANCH) == head

    chapter = teacher.get(API).json
    whole = teacher.post(EDIT, data={"mode": "text", "base": chapter["base"], "text": crlf(chapter["text"])})
    assert whole.status_code == 303
    saved = teacher.put(API, json={"base": chapter["base"], "text": crlf(chapter["text"])})
    assert saved.json["unchanged"] is True
    assert lib.branch_head(CR_BRANCH) == head


def conflict_page(teacher, lib) -> tuple[str, str]:
    """Two saves from the same base touching the same heading: the conflict screen, and their text."""
    chapter = teacher.get(API).json
    theirs = chapter["text"].replace("## ", "## 甲：", 1)
    assert teacher.put(API, json={"base": chapter["base"], "text": theirs}).status_code == 200
    mine = chapter["text"].replace("## ", "## 乙：", 1)
    response = teacher.post(EDIT, data={"mode": "text", "base": chapter["base"], "text": crlf(mine)})
    assert response.status_code == 409
    return response.get_data(as_text=True), theirs


def test_keep_mine_on_the_conflict_screen_stores_lf(teacher, lib):
    html, theirs = conflict_page(teacher, lib)
    head = hidden(html, "base")
    response = teacher.post(EDIT, data={"mode": "text", "base": head, "text": textarea(html, "yours")})
    assert response.status_code == 303
    stored = lib.read_text(CR_BRANCH, PATH)
    assert "\r" not in stored and "## 乙：" in stored
    assert changed_lines(lib, head, CR_BRANCH) == (1, 1)


def test_save_the_merged_text_on_the_conflict_screen_stores_lf(teacher, lib):
    html, theirs = conflict_page(teacher, lib)
    head = hidden(html, "base")
    assert "<<<<<<<" in textarea(html, "merged")
    resolved = theirs.replace("## 甲：", "## 甲乙：", 1)
    response = teacher.post(EDIT, data={"mode": "text", "base": head, "text": crlf(resolved) + "\r\n\r\n"})
    assert response.status_code == 303
    assert lib.read_text(CR_BRANCH, PATH) == resolved
    assert changed_lines(lib, head, CR_BRANCH) == (1, 1)


# ------------------------------------------------------------------ change requests


def cr_with_edit(client, lib, old: str, new: str) -> int:
    number = int(CR_BRANCH[3:])
    text = lib.read_text("main", PATH).replace(old, new, 1)
    saved = client.post(f"/api/books/{BOOK}/change-requests/{number}/commits",
                        json={"files": {PATH: crlf(text)}, "message": "Edit the brake test",
                              "base": lib.resolve(CR_BRANCH)})
    assert saved.status_code == 201, saved.json
    return number


def test_change_request_commit_endpoint_stores_lf(teacher, lib):
    base = lib.resolve("main")
    cr_with_edit(teacher, lib, LINE, "列车管的定压")
    assert "\r" not in lib.read_text(CR_BRANCH, PATH)
    assert changed_lines(lib, base, CR_BRANCH) == (1, 1)


def test_update_from_main_shows_mains_text_as_theirs_and_stores_the_resolution_with_lf(teacher, lib):
    number = cr_with_edit(teacher, lib, LINE, "列车管定压（本变更）")
    main_text = lib.read_text("main", PATH).replace(LINE, "列车管定压（主线）", 1)
    lib.commit("main", [Write(PATH, main_text)], EDITOR, "Edit on main", base=lib.resolve("main"))
    page = post_form(teacher, f"/books/{BOOK}/change-requests/{number}/update",
                     page=f"/books/{BOOK}/change-requests/{number}")
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    theirs = re.search(r"<h3>Their text \(main\)</h3><pre>(.*?)</pre>", html, re.S).group(1)
    yours = re.search(r"<h3>Your text \(this change request\)</h3><pre>(.*?)</pre>", html, re.S).group(1)
    assert "列车管定压（主线）" in theirs and "列车管定压（本变更）" not in theirs
    assert "列车管定压（本变更）" in yours and "列车管定压（主线）" not in yours

    resolved = main_text.replace("列车管定压（主线）", "列车管定压（合并）", 1)
    done = teacher.post(f"/books/{BOOK}/change-requests/{number}/update", data={
        "csrf_token": hidden(html, "csrf_token"), "resolve": "1", "head": hidden(html, "head"),
        "main": hidden(html, "main"), "path": PATH, "text-0": crlf(resolved) + "\r\n\r\n"})
    assert done.status_code == 302
    assert lib.read_text(CR_BRANCH, PATH) == resolved
    assert changed_lines(lib, "main", CR_BRANCH) == (1, 1)


def test_an_applied_suggestion_keeps_lf(teacher, signed_in, lib):
    number = cr_with_edit(teacher, lib, LINE, "列车管定压（修订）")
    reviewer = signed_in("reviewer")
    reviewer.environ_base["HTTP_X_CSRFTOKEN"] = csrf_from(reviewer, "/")
    line = next(i for i, l in enumerate(lib.read_text(CR_BRANCH, PATH).splitlines(), 1) if "列车管定压（修订）" in l)
    suggested = reviewer.post(f"/api/books/{BOOK}/change-requests/{number}/suggestions", json={
        "path": PATH, "start_line": line, "replacement": "列车管定压\r\n:   运转位时列车管稳定保持的压力。\r\n"})
    assert suggested.status_code == 201, suggested.json
    sid = suggested.json["suggestion"]["id"]
    applied = teacher.post(f"/api/books/{BOOK}/change-requests/{number}/suggestions/{sid}/apply")
    assert applied.status_code == 201, applied.json
    stored = lib.read_text(CR_BRANCH, PATH)
    assert "\r" not in stored and "列车管定压\n:   运转位时列车管稳定保持的压力。\n" in stored
