"""After a save the editor says where the text went and what it still waits for, with a link:
"Saved in change request #1 · approvals needed: School, Enterprise"."""
from __future__ import annotations

import re
from html import unescape

import pytest

from helpers import csrf_from

BOOK = "locomotive-maintenance"
CHAPTER = "03-brake-test.md"
EDIT = f"/books/{BOOK}/chapters/{CHAPTER}/edit"


@pytest.fixture
def teacher(teacher_in_change_request):
    return teacher_in_change_request


def save(client, language: str):
    html = client.get(EDIT).get_data(as_text=True)
    fields = {name: unescape(value) for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html)}
    title = unescape(re.search(r'id="title" name="title" value="([^"]*)"', html).group(1))
    body = unescape(re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', html, re.S).group(1))
    data = {**fields, "title": title, "body": body + "\n补充：试验前确认总风缸压力。\n", "csrf_token": csrf_from(client, EDIT)}
    saved = client.post(EDIT, data=data, headers={"Accept-Language": language})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:500]
    return client.get(saved.headers["Location"], headers={"Accept-Language": language}).get_data(as_text=True)


def saved_line(html: str) -> tuple[str, str]:
    match = re.search(r'id="saved-where"[^>]*>\s*<a href="([^"]+)">([^<]+)</a>', html)
    assert match, "the editor does not say where the save went"
    return match.group(1), unescape(match.group(2))


def test_after_saving_the_editor_names_the_change_request_and_the_approvals_it_waits_for(teacher):
    url, text = saved_line(save(teacher, "en"))
    assert text == "Saved in change request #1 · approvals needed: School, Enterprise"
    assert url.endswith(f"/books/{BOOK}/change-requests/1")
    assert "saved-where" not in teacher.get(EDIT).get_data(as_text=True)  # only right after a save


def test_the_line_is_in_chinese_for_a_chinese_reader(teacher):
    _url, text = saved_line(save(teacher, "zh-CN"))
    assert text == "已保存到变更请求 #1 · 还需批准：学校、企业"


def test_a_draft_offers_to_ask_for_review_right_after_saving(app, teacher):
    token = csrf_from(teacher, "/")
    made_draft = teacher.post(f"/api/books/{BOOK}/change-requests/1/state", json={"action": "draft"},
                              headers={"X-CSRFToken": token})
    assert made_draft.status_code == 200, made_draft.json
    html = save(teacher, "en")
    assert 'id="ask-for-review"' in html
    form = re.search(r'<form method="post" action="([^"]+)" class="inline">', html[html.index('id="saved-where"'):])
    asked = teacher.post(form.group(1), data={"csrf_token": csrf_from(teacher, EDIT), "action": "ready"})
    assert asked.status_code == 302
    state = teacher.get(f"/api/books/{BOOK}/change-requests/1").get_json()["change_request"]["state"]
    assert state == "open"
    assert 'id="ask-for-review"' not in save(teacher, "en")  # open already: nothing more to ask
