"""Who else has a chapter open in the same change request, as two web processes see it.

Two apps over one database stand for two processes of ``jointbook serve``: the teacher's
heartbeats reach one, the technician's the other, and each is told about the other.
"""
from __future__ import annotations

from datetime import timedelta

from helpers import csrf_from, sign_in
from server.database import new_session, utcnow
from server.editing.models import ChapterPresence

BOOK = "locomotive-maintenance"
FILE = "03-brake-test.md"
PRESENCE = f"/api/books/{BOOK}/chapters/{FILE}/presence"


def client_of(app, username: str, language: str = "en"):
    client = sign_in(app.test_client(), username)
    token = csrf_from(client, "/")
    client.api = lambda method, url, json=None, **kw: client.open(
        url, method=method, json=json, headers={"X-CSRFToken": token, "Accept-Language": language}, **kw)
    return client


def co_written(app) -> str:
    teacher = client_of(app, "teacher")
    created = teacher.api("POST", f"/api/books/{BOOK}/change-requests", {"title": "一起修订制动机试验"})
    number = created.json["number"]
    added = teacher.api("POST", f"/api/books/{BOOK}/change-requests/{number}/co-authors", {"username": "technician"})
    assert added.status_code == 201, added.json
    return f"cr/{number}"


def here(client, branch: str) -> list[str]:
    response = client.api("POST", PRESENCE, {"branch": branch})
    assert response.status_code == 200, response.json
    return [e["text"] for e in response.json["editing"]]


def test_two_processes_tell_each_co_author_that_the_other_has_the_chapter_open(make_app):
    first, second = make_app(), make_app()
    branch = co_written(first)
    teacher, technician = client_of(first, "teacher"), client_of(second, "technician", "zh-CN")

    assert here(teacher, branch) == []  # alone
    page = technician.get(f"/books/{BOOK}/chapters/{FILE}/edit?branch={branch}", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Teacher 正在编辑本章（" in html and "起）" in html  # shown as the page opens

    seen = here(teacher, branch)
    assert len(seen) == 1 and seen[0].startswith("Technician is editing this chapter (since ")
    assert here(technician, branch)[0].startswith("Teacher 正在编辑本章")

    # On another chapter of the change request, nobody else is there.
    other_chapter = teacher.api("POST", f"/api/books/{BOOK}/chapters/01-safety.md/presence", {"branch": branch})
    assert other_chapter.status_code == 200 and other_chapter.json["editing"] == []

    # Closing the editor says goodbye: the other no longer sees them.
    assert technician.api("DELETE", f"{PRESENCE}?branch={branch}").status_code == 204
    assert here(teacher, branch) == []


def test_someone_not_heard_from_for_three_heartbeats_drops_out_and_comes_back_with_a_new_time(make_app):
    app = make_app()
    branch = co_written(app)
    teacher, technician = client_of(app, "teacher"), client_of(app, "technician")
    here(technician, branch)
    assert len(here(teacher, branch)) == 1
    quiet = 3 * app.config["PRESENCE_HEARTBEAT_SECONDS"] + 10
    with new_session(app) as session:
        for row in session.query(ChapterPresence):
            row.seen -= timedelta(seconds=quiet)
            row.since -= timedelta(hours=2)
        session.commit()
    assert here(teacher, branch) == []  # the technician's laptop went to sleep
    here(technician, branch)  # it woke up: a new stretch of editing, since now
    with new_session(app) as session:
        since = {row.user_id: row.since for row in session.query(ChapterPresence)}
    assert min(since.values()) > utcnow() - timedelta(minutes=1)  # not two hours ago
    assert len(here(teacher, branch)) == 1


def test_only_writers_of_the_branch_are_there_and_bad_names_are_refused(make_app):
    app = make_app()
    branch = co_written(app)
    reader = client_of(app, "reader")
    assert reader.api("POST", PRESENCE, {"branch": branch}).status_code == 403
    assert client_of(app, "outsider").api("POST", PRESENCE, {"branch": branch}).status_code == 403
    teacher = client_of(app, "teacher")
    bad = teacher.api("POST", f"/api/books/{BOOK}/chapters/..%2Fbook.yml/presence", {"branch": branch})
    assert bad.status_code in (400, 404)
    too_long = teacher.api("POST", PRESENCE, {"branch": "x" * 300})
    assert too_long.status_code == 422
    with new_session(app) as session:
        assert session.query(ChapterPresence).count() == 0
