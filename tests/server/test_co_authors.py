"""Writing one change request together: who may be a co-author, what they may do, and how their
writing counts for the review policy. Real library, real database, the API and the pages.

People (tests/helpers.py): ``teacher`` (school author), ``technician`` (enterprise author),
``reviewer`` (enterprise reviewer), ``maintainer`` (school maintainer), ``reader``, ``outsider``.
"""
from __future__ import annotations

import re

import pytest

from helpers import csrf_from, sign_in
from materials import OVERWRITE, Author, Library, Write
from server.jobs.queue import run_pending

BOOK = "locomotive-maintenance"
CHAPTER = f"books/{BOOK}/chapters/03-brake-test.md"

CO_AUTHORS = f"/books/{BOOK}/change-requests/{{n}}/co-authors"


@pytest.fixture
def cr_app(make_app):
    """The starter book, its checks without the site build (front matter and alignment)."""
    app = make_app()
    lib = Library(app.config["LIBRARY_PATH"])
    path = f"books/{BOOK}/book.yml"
    text = lib.read_text("main", path)
    assert "checks: [front-matter, alignment, build]" in text
    lib.commit("main", [Write(path, text.replace("checks: [front-matter, alignment, build]",
                                                 "checks: [front-matter, alignment]"))],
               Author("周主编", "zhou@college.edu.cn", "school"), "Check sites at release time only", base=OVERWRITE)
    return app


@pytest.fixture
def as_(cr_app):
    """``as_("teacher")``: a signed-in client; ``.api(method, url, json)`` calls the JSON API with its session."""
    clients = {}

    def sign(username: str):
        if username not in clients:
            client = sign_in(cr_app.test_client(), username)
            token = csrf_from(client, "/")
            client.api = lambda method, url, json=None: client.open(
                f"/api{url}", method=method, json=json, headers={"X-CSRFToken": token, "Accept-Language": "en"})
            clients[username] = client
        return clients[username]

    return sign


def detail(as_, who: str, number: int) -> dict:
    response = as_(who).api("GET", f"/books/{BOOK}/change-requests/{number}")
    assert response.status_code == 200, response.json
    return response.json


def review(as_, who: str, number: int, verdict: str):
    return as_(who).api("POST", f"/books/{BOOK}/change-requests/{number}/reviews", {"verdict": verdict})


def merge(as_, who: str, number: int):
    return as_(who).api("POST", f"/books/{BOOK}/change-requests/{number}/merge", {})


def main_text(app) -> str:
    return Library(app.config["LIBRARY_PATH"]).read_text("main", CHAPTER)


def open_cr(as_, who: str = "teacher") -> tuple[int, str]:
    created = as_(who).api("POST", f"/books/{BOOK}/change-requests", {"title": "一起修订制动机试验"})
    assert created.status_code == 201, created.json
    return created.json["number"], created.json["head"]


def save(as_, app, who: str, number: int, old: str, new: str):
    lib = Library(app.config["LIBRARY_PATH"])
    head = lib.branch_head(f"cr/{number}")
    text = lib.read_text(head, CHAPTER)
    assert old in text
    return as_(who).api("POST", f"/books/{BOOK}/change-requests/{number}/commits",
                        {"files": {CHAPTER: text.replace(old, new, 1)}, "message": f"{who} edits", "base": head})


def add(as_, who: str, number: int, username: str):
    return as_(who).api("POST", CO_AUTHORS.format(n=number), {"username": username})


def test_a_co_author_saves_into_the_change_request_under_their_own_name_and_side(cr_app, as_):
    number, _head = open_cr(as_)
    refused = save(as_, cr_app, "technician", number, "列车管定压", "列车管定压（企业）")
    assert refused.status_code == 403  # not theirs yet

    added = add(as_, "teacher", number, "technician")
    assert added.status_code == 201, added.json
    assert added.json["co_authors"] == ["technician"]
    assert save(as_, cr_app, "technician", number, "列车管定压", "列车管定压（企业）").status_code == 201
    assert save(as_, cr_app, "teacher", number, "制动", "制动（学校）").status_code == 201

    lib = Library(cr_app.config["LIBRARY_PATH"])
    head = lib.objects.commit(lib.branch_head(f"cr/{number}"))
    previous = lib.objects.commit(head.parents[0])
    assert (head.author.name, head.trailer("Jointbook-Side")) == ("Teacher", "school")
    assert (previous.author.name, previous.trailer("Jointbook-Side")) == ("Technician", "enterprise")

    writers = as_("reader").api("GET", CO_AUTHORS.format(n=number)).json["writers"]
    by_name = {w["name"]: w for w in writers}
    assert by_name["Teacher"]["role"] == "author" and by_name["Teacher"]["commits"] == 1
    assert by_name["Technician"]["role"] == "co_author" and by_name["Technician"]["side"] == "enterprise"
    assert by_name["Technician"]["commits"] == 1 and by_name["Technician"]["lines"] == 2
    assert sum(w["percent"] for w in writers) == 100


def test_only_people_who_may_write_the_book_can_be_co_authors_and_only_the_author_adds_them(cr_app, as_):
    number, _head = open_cr(as_)
    for username in ("reader", "outsider", "nobody-at-all"):
        refused = add(as_, "teacher", number, username)
        assert refused.status_code == 422, (username, refused.json)
        assert refused.json["error"]["message"] == "Only someone who may write in this book can be a co-author."
    assert add(as_, "teacher", number, "teacher").status_code == 409  # the author writes it already
    assert add(as_, "technician", number, "reviewer").status_code == 403  # not their change request
    assert add(as_, "teacher", number, "technician").status_code == 201
    again = add(as_, "teacher", number, "technician")
    assert again.status_code == 409 and "Technician already writes" in again.json["error"]["message"]
    assert add(as_, "technician", number, "reviewer").status_code == 403  # co-authors do not add others
    assert as_("reader").api("GET", CO_AUTHORS.format(n=number)).json["co_authors"] == ["technician"]

    # A co-author may leave; they cannot take someone else off.
    assert add(as_, "teacher", number, "maintainer").status_code == 201
    assert as_("technician").api("DELETE", CO_AUTHORS.format(n=number) + "/maintainer").status_code == 403
    left = as_("technician").api("DELETE", CO_AUTHORS.format(n=number) + "/technician")
    assert left.status_code == 200 and left.json["co_authors"] == ["maintainer"]
    assert save(as_, cr_app, "technician", number, "列车管定压", "列车管定压（企业）").status_code == 403


def test_a_co_authors_approval_does_not_count_and_their_commits_keep_it_from_counting(cr_app, as_):
    number, _head = open_cr(as_)
    assert save(as_, cr_app, "teacher", number, "列车管定压", "列车管定压（修订）").status_code == 201
    run_pending(cr_app)
    assert add(as_, "teacher", number, "reviewer").status_code == 201  # an enterprise reviewer co-writes
    assert review(as_, "reviewer", number, "approve").status_code == 201
    state = detail(as_, "teacher", number)
    assert state["approvals"]["enterprise"] == []
    assert {"reviewer": "reviewer", "reason": "wrote",
            "text": "Reviewer's approval does not count: they wrote part of this change"} in state["ignored"]
    assert merge(as_, "reviewer", number).status_code == 403  # a writer of it never merges it

    # The reviewer writes, then leaves: what they wrote still keeps their approval from counting.
    assert save(as_, cr_app, "reviewer", number, "制动", "制动（企业审核人）").status_code == 201
    run_pending(cr_app)
    assert as_("reviewer").api("DELETE", CO_AUTHORS.format(n=number) + "/reviewer").status_code == 200
    assert review(as_, "reviewer", number, "approve").status_code == 201
    assert detail(as_, "teacher", number)["approvals"]["enterprise"] == []
    assert "needs 1 approval from an enterprise reviewer" in [m["text"] for m in detail(as_, "teacher", number)["missing"]]


def test_a_co_author_who_wrote_nothing_and_left_may_approve_again(cr_app, as_):
    number, _head = open_cr(as_)
    assert save(as_, cr_app, "teacher", number, "列车管定压", "列车管定压（修订）").status_code == 201
    run_pending(cr_app)
    assert add(as_, "teacher", number, "reviewer").status_code == 201
    assert as_("teacher").api("DELETE", CO_AUTHORS.format(n=number) + "/reviewer").status_code == 200
    assert review(as_, "reviewer", number, "approve").status_code == 201
    assert review(as_, "maintainer", number, "approve").status_code == 201
    assert detail(as_, "teacher", number)["mergeable"]
    assert merge(as_, "reviewer", number).status_code == 200
    assert "列车管定压（修订）" in main_text(cr_app)


def test_the_page_lists_writers_by_display_name_and_the_editor_saves_into_the_co_written_request(cr_app, as_):
    number, _head = open_cr(as_)
    teacher = as_("teacher")
    page = f"/books/{BOOK}/change-requests/{number}"
    html = teacher.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'id="co-author-form"' in html
    assert ">Technician · Enterprise</option>" in html and ">Reviewer · Enterprise</option>" in html
    assert ">Reader · " not in html and ">Teacher · " not in html  # readers cannot write; the author writes it
    added = teacher.post(f"{page}/co-authors", data={"csrf_token": csrf_from(teacher, page),
                                                     "user_id": _user_id(cr_app, "technician")},
                         headers={"Accept-Language": "en"})
    assert added.status_code == 302
    html = teacher.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Technician now writes this change request with you." in html
    writers = html[html.index('id="writers"'):html.index("</section>", html.index('id="writers"'))]
    assert "Teacher" in writers and "Technician" in writers and "co-author" in writers

    technician = sign_in(cr_app.test_client(), "technician")
    editor = technician.get(f"/books/{BOOK}/chapters/03-brake-test.md/edit", headers={"Accept-Language": "en"})
    assert editor.status_code == 200
    assert f"Change request #{number}" in editor.get_data(as_text=True)

    # Taking a co-author off asks first, and says what stays.
    remove = f"{page}/co-authors/{_user_id(cr_app, 'technician')}/remove"
    confirm = teacher.get(remove, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "What they saved in it stays." in confirm
    assert as_("reader").get(remove).status_code == 403
    assert teacher.post(remove, data={"csrf_token": csrf_from(teacher, remove)}).status_code == 302
    assert as_("reader").api("GET", CO_AUTHORS.format(n=number)).json["co_authors"] == []


def test_the_co_author_pages_speak_chinese(cr_app, as_):
    number, _head = open_cr(as_)
    assert add(as_, "teacher", number, "technician").status_code == 201
    html = as_("teacher").get(f"/books/{BOOK}/change-requests/{number}",
                              headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "共同作者" in html and "添加共同作者" in html


def _user_id(app, username: str) -> int:
    from server.accounts.models import User
    from server.database import new_session
    with new_session(app) as session:
        return session.query(User).filter_by(username=username).one().id



def test_those_who_cannot_merge_are_told_who_can_and_a_co_writing_reviewer_is_not_among_them(cr_app, as_):
    number, _head = open_cr(as_)
    page = f"/books/{BOOK}/change-requests/{number}"

    def who(person: str) -> str | None:
        html = as_(person).get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
        found = re.search(r'id="who-merges">([^<]*)<', html)
        return found.group(1) if found else None

    assert who("teacher") == "Who can merge it: Maintainer, Reviewer"
    assert add(as_, "teacher", number, "reviewer").status_code == 201
    assert who("teacher") == "Who can merge it: Maintainer"
    assert who("maintainer") is None  # they may merge it themselves


def test_anyone_who_writes_the_book_joins_unless_the_author_closed_it_to_others(cr_app, as_):
    number, _head = open_cr(as_)
    join = f"{CO_AUTHORS.format(n=number)}/join"
    openness = f"{CO_AUTHORS.format(n=number)}/openness"
    assert as_("reader").api("POST", join).status_code == 403  # reads the book, does not write it
    assert as_("teacher").api("POST", join).status_code == 409  # the author writes it already

    # Only its author (or a maintainer) closes it; a co-author or another writer cannot.
    assert as_("technician").api("PUT", openness, {"closed_to_others": True}).status_code == 403
    closed = as_("teacher").api("PUT", openness, {"closed_to_others": True})
    assert closed.status_code == 200 and closed.json["closed_to_others"] is True
    refused = as_("technician").api("POST", join)
    assert refused.status_code == 403
    assert refused.json["error"]["message"] == (f"The author of change request #{number} closed it to other "
                                                "writers: ask them to add you.")
    assert save(as_, cr_app, "technician", number, "列车管定压", "列车管定压（企业）").status_code == 403
    assert as_("teacher").api("PUT", openness, {"closed_to_others": "maybe"}).status_code == 422

    assert as_("teacher").api("PUT", openness, {"closed_to_others": False}).json["closed_to_others"] is False
    joined = as_("technician").api("POST", join)
    assert joined.status_code == 201 and joined.json["co_authors"] == ["technician"]
    assert as_("technician").api("POST", join).status_code == 409  # once is enough
    # Closing it afterwards keeps who joined; they save under their own name and side.
    assert as_("teacher").api("PUT", openness, {"closed_to_others": True}).status_code == 200
    assert save(as_, cr_app, "technician", number, "列车管定压", "列车管定压（企业）").status_code == 201
    lib = Library(cr_app.config["LIBRARY_PATH"])
    head = lib.objects.commit(lib.branch_head(f"cr/{number}"))
    assert (head.author.name, head.trailer("Jointbook-Side")) == ("Technician", "enterprise")

    # The author hears of it on their bell.
    bell = as_("teacher").get("/notifications", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"Technician joined change request #{number}" in bell


def test_the_page_offers_joining_and_its_author_closes_it_to_others(cr_app, as_):
    number, _head = open_cr(as_)
    page = f"/books/{BOOK}/change-requests/{number}"
    en = {"Accept-Language": "en"}
    technician = as_("technician")
    html = technician.get(page, headers=en).get_data(as_text=True)
    assert 'id="join-form"' in html and "Open to others: anyone who writes the book may join it." in html
    assert 'id="openness-form"' not in html  # not theirs to close
    assert 'id="join-form"' not in as_("reader").get(page, headers=en).get_data(as_text=True)

    teacher = as_("teacher")
    html = teacher.get(page, headers=en).get_data(as_text=True)
    assert 'id="join-form"' not in html and ">Close to others</button>" in html
    closing = teacher.post(f"{page}/co-authors/openness", data={"csrf_token": csrf_from(teacher, page), "closed": "y"},
                           headers=en)
    assert closing.status_code == 302
    html = teacher.get(page, headers=en).get_data(as_text=True)
    assert "Closed to others: only the people you add write in it." in html
    assert ">Open to others</button>" in html
    html = technician.get(page, headers=en).get_data(as_text=True)
    assert 'id="join-form"' not in html and "Closed to others: only the people its author adds write in it." in html

    teacher.post(f"{page}/co-authors/openness", data={"csrf_token": csrf_from(teacher, page)}, headers=en)
    joined = technician.post(f"{page}/co-authors/join", data={"csrf_token": csrf_from(technician, page)}, headers=en)
    assert joined.status_code == 302
    html = technician.get(page, headers=en).get_data(as_text=True)
    assert "You now write this change request with Teacher." in html
    writers = html[html.index('id="writers"'):html.index("</section>", html.index('id="writers"'))]
    assert "Technician" in writers and 'id="join-form"' not in writers
    zh = technician.get(page, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "向其他人开放：本书的任何作者都可以加入。" in zh
