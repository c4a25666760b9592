"""The conflict screen passage by passage, over HTTP: a teacher and the enterprise technician who
co-writes their change request change the same passage and the same field; the teacher sees each
passage rendered, with who wrote the other text, and their choices make the saved chapter."""
from __future__ import annotations

import re
from html import unescape

import pytest

from helpers import csrf_from

BOOK = "locomotive-maintenance"
CHAPTER = "03-brake-test.md"
PATH = f"books/{BOOK}/chapters/{CHAPTER}"
EDIT = f"/books/{BOOK}/chapters/{CHAPTER}/edit"
API = f"/api/books/{BOOK}/chapters/{CHAPTER}"
PASSAGE = "列车管定压"


@pytest.fixture
def teacher(teacher_in_change_request):
    return teacher_in_change_request


def api(client, method: str, url: str, json=None):
    token = csrf_from(client, "/")
    return client.open(url, method=method, json=json, headers={"X-CSRFToken": token, "Accept-Language": "en"})


def editor_form(html: str) -> dict:
    """What the editor's form would post: every field as the page shows it."""
    form = {name: unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html)}
    form["title"] = unescape(re.search(r'id="title" name="title" value="([^"]*)"', html).group(1))
    form["hours"] = unescape(re.search(r'id="hours" name="hours" value="([^"]*)"', html).group(1))
    form["summary"] = unescape(re.search(r'id="summary" name="summary"[^>]*>(.*?)</textarea>', html, re.S).group(1))
    form["objectives"] = [unescape(v) for v in re.findall(r'name="objectives" value="([^"]*)"', html)]
    form["standards"] = [unescape(v) for v in re.findall(r'name="standards" value="([^"]*)" checked', html)]
    form["body"] = unescape(re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', html, re.S).group(1))
    return form


def outside_source(html: str) -> str:
    """What the screen shows before the source is opened: without the source and the hidden copies of the text."""
    start = html.index('id="conflict-source"')
    html = html[:start] + html[html.index("</details>", start):]
    return re.sub(r"<textarea[^>]* hidden[^>]*>.*?</textarea>", "", html, flags=re.S)


def test_a_collision_is_shown_passage_by_passage_and_the_choices_make_the_chapter(app, teacher, lib, signed_in):
    assert api(teacher, "POST", f"/api/books/{BOOK}/change-requests/1/co-authors",
               {"username": "technician"}).status_code == 201
    page = teacher.get(EDIT, headers={"Accept-Language": "en"}).get_data(as_text=True)
    form = editor_form(page)
    original = lib.read_text("cr/1", PATH)
    line = next(l for l in original.splitlines() if PASSAGE in l)

    technician = signed_in("technician")
    chapter = technician.get(API).json
    saved = api(technician, "PUT", API, {"base": chapter["base"],
                                         "front_matter": {**chapter["front_matter"], "hours": 5},
                                         "body": chapter["body"].replace(line, line + "（企业现场数据）", 1)})
    assert saved.status_code == 200 and saved.json["branch"] == "cr/1", saved.json
    head = lib.resolve("cr/1")

    mine = {**form, "hours": "7", "body": form["body"].replace(line, line + "（学校教学要求）", 1),
            "csrf_token": csrf_from(teacher, EDIT)}
    response = teacher.post(EDIT, data=mine, headers={"Accept-Language": "en"})
    assert response.status_code == 409
    assert lib.resolve("cr/1") == head  # nothing written
    html = response.get_data(as_text=True)
    shown = outside_source(html)
    assert "<<<<<<<" not in shown and "hours: " not in shown and "title: " not in shown
    assert re.search(r"Their text \(Technician, Enterprise, [^)]+\)", html)
    assert "Passage 1 of 1" in html and "Passage 2" not in html
    assert "（企业现场数据）" in shown and "（学校教学要求）" in shown
    assert "Teaching hours" in shown and 'name="field-hours"' in shown

    choose = {"csrf_token": csrf_from(teacher, EDIT), "mode": "passages",
              "origin": re.search(r'name="origin" value="([^"]+)"', html).group(1),
              "head": re.search(r'name="head" value="([^"]+)"', html).group(1),
              "yours": unescape(re.search(r'<textarea name="yours"[^>]*>(.*?)</textarea>', html, re.S).group(1)),
              "choice-1": "theirs", "field-hours": "mine"}
    assert choose["head"] == head
    resolved = teacher.post(EDIT, data=choose, headers={"Accept-Language": "en"})
    assert resolved.status_code == 303, resolved.get_data(as_text=True)[:500]
    text = lib.read_bytes("cr/1", PATH) if hasattr(lib, "read_bytes") else lib.read("cr/1", PATH)
    assert b"\r" not in text
    text = text.decode("utf-8")
    assert line + "（企业现场数据）" in text and "（学校教学要求）" not in text
    assert "\nhours: 7\n" in text
    front, _sep, _body = original.partition("\n---\n")
    ours_front = text.partition("\n---\n")[0]
    assert [l for l in ours_front.splitlines() if not l.startswith("hours:")] == \
        [l for l in front.splitlines() if not l.startswith("hours:")]  # every other field byte for byte


def test_choosing_to_edit_a_passage_saves_what_the_author_typed(app, teacher, lib, signed_in):
    page = teacher.get(EDIT).get_data(as_text=True)
    form = editor_form(page)
    original = lib.read_text("cr/1", PATH)
    line = next(l for l in original.splitlines() if PASSAGE in l)
    first = teacher.post(EDIT, data={**form, "body": form["body"].replace(line, line + "（甲）", 1),
                                     "csrf_token": csrf_from(teacher, EDIT)})
    assert first.status_code == 303
    response = teacher.post(EDIT, data={**form, "body": form["body"].replace(line, line + "（乙）", 1),
                                        "csrf_token": csrf_from(teacher, EDIT)})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    edited = teacher.post(EDIT, data={
        "csrf_token": csrf_from(teacher, EDIT), "mode": "passages",
        "origin": re.search(r'name="origin" value="([^"]+)"', html).group(1),
        "head": re.search(r'name="head" value="([^"]+)"', html).group(1),
        "yours": unescape(re.search(r'<textarea name="yours"[^>]*>(.*?)</textarea>', html, re.S).group(1)),
        "choice-1": "edit", "text-1": line + "（甲乙合并）\r\n"})
    assert edited.status_code == 303
    text = lib.read_text("cr/1", PATH)
    assert line + "（甲乙合并）\n" in text and "（甲）" not in text and "（乙）" not in text


def test_update_from_main_settles_a_collision_passage_by_passage(app, teacher, lib):
    from materials import Author, Write

    original = lib.read_text("cr/1", PATH)
    line = next(l for l in original.splitlines() if PASSAGE in l)
    token = csrf_from(teacher, "/")
    saved = teacher.post(f"/api/books/{BOOK}/change-requests/1/commits", headers={"X-CSRFToken": token},
                         json={"files": {PATH: original.replace(line, line + "（变更请求）", 1)}, "message": "改",
                               "base": lib.resolve("cr/1")})
    assert saved.status_code == 201
    lib.commit("main", [Write(PATH, original.replace(line, line + "（主线）", 1))],
               Author("周主编", "zhou@college.edu.cn", "school"), "主线修改", base=lib.resolve("main"))
    page = f"/books/{BOOK}/change-requests/1"
    response = teacher.post(f"{page}/update", data={"csrf_token": csrf_from(teacher, page)},
                            headers={"Accept-Language": "en"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "<h2>制动机的检查与试验</h2>" in html  # the chapter by its title
    assert re.search(r"Their text \(周主编, School, [^)]+\)", html)
    assert "Your text (this change request)" in html and 'name="f0-choice-1"' in html

    form = {"csrf_token": csrf_from(teacher, page), "resolve": "1", "path": PATH, "mode-0": "passages",
            "head": re.search(r'name="head" value="([^"]+)"', html).group(1),
            "main": re.search(r'name="main" value="([^"]+)"', html).group(1),
            "text-0": "not used", "f0-choice-1": "both"}
    done = teacher.post(f"{page}/update", data=form, headers={"Accept-Language": "en"})
    assert done.status_code == 302
    text = lib.read_text("cr/1", PATH)
    assert f"{line}（变更请求）\n\n{line}（主线）\n" in text and "not used" not in text
    assert lib.objects.commit(lib.resolve("cr/1")).parents[1] == lib.resolve("main")
    assert text.split("\n---\n", 1)[0] == original.split("\n---\n", 1)[0]
