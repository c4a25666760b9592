"""Readers' feedback from published sites: sending, abuse, the inbox, answers shown under the page."""
from __future__ import annotations

import csv
import io

import pytest

from helpers import post_form
from server.database import new_session
from server.feedback.models import Feedback

BOOK = "locomotive-maintenance"
PAGE = "chapters/03-brake-test.md"
SITE = "http://sites.example.edu"


@pytest.fixture
def app(make_app):
    """Sites of this college are also served from another host, which may post feedback."""
    return make_app(FEEDBACK_ORIGINS=SITE)


@pytest.fixture
def released(app):
    """The starter book released as 1.0 (a tag, as ``jointbook release`` makes)."""
    from materials import Author, Library

    Library(app.config["LIBRARY_PATH"]).create_tag(f"{BOOK}/v1.0", "main", Author("Editor", "ed@example.edu", "school"),
                                                    "Release 1.0")
    return "1.0"


def send(client, **fields):
    data = {"book": BOOK, "version": "1.0", "page": PAGE, "kind": "question", "text": "为什么要做五步闸试验？",
            "selection": "", "name": "", "contact": "", "website": ""}
    data.update(fields)
    return client.post("/api/feedback", json=data, headers={"Origin": SITE})


def items(app) -> list[Feedback]:
    with new_session(app) as session:
        return list(session.query(Feedback).order_by(Feedback.id))


# ----------------------------------------------------------------------------- sending

def test_a_reader_sends_a_question_and_gets_a_private_follow_link(app, client, released):
    response = send(client, selection="制动机五步闸试验", name="小王", contact="wang@example.cn")
    assert response.status_code == 201
    follow = response.json["follow_url"]
    assert "/feedback/follow/" in follow
    [item] = items(app)
    assert (item.book, item.version, item.page, item.chapter, item.kind) == (BOOK, "1.0", PAGE, "03-brake-test.md",
                                                                            "question")
    assert item.selection == "制动机五步闸试验" and item.name == "小王" and item.user_id is None
    page = client.get(follow.split("localhost", 1)[1])
    assert page.status_code == 200
    assert "为什么要做五步闸试验？" in page.get_data(as_text=True)


def test_the_site_form_posted_without_javascript_lands_on_the_follow_page(app, client, released):
    response = client.post("/api/feedback", data={"book": BOOK, "version": "1.0", "page": PAGE, "kind": "error",
                                                  "text": "图 3-2 的编号错了", "selection": "", "name": "",
                                                  "contact": "", "website": ""}, headers={"Origin": "null"})
    assert response.status_code == 303
    assert "/feedback/follow/" in response.headers["Location"]
    assert "图 3-2 的编号错了" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_draft_and_preview_pages_take_feedback_too(app, client):
    assert send(client, version="draft").status_code == 201
    assert send(client, version="preview-7", page="index.md").status_code == 201


@pytest.mark.parametrize("fields,code", [
    ({"book": "no-such-book"}, "book.not_found"),
    ({"book": "../etc"}, "book.not_found"),
    ({"version": "9.9"}, "feedback.unknown_version"),
    ({"page": "chapters/99-nothing.md"}, "feedback.unknown_page"),
    ({"page": "../../library.yml"}, "feedback.unknown_page"),
])
def test_feedback_for_a_book_version_or_page_that_does_not_exist_is_refused(app, client, released, fields, code):
    response = send(client, **fields)
    assert response.status_code == 404
    assert response.json["error"]["code"] == code
    assert items(app) == []


def test_a_chapter_added_after_the_release_is_not_a_page_of_that_release(app, client, released):
    from materials import OVERWRITE, Author, Library, Write

    Library(app.config["LIBRARY_PATH"]).commit("main", [Write(f"books/{BOOK}/chapters/08-new.md", "---\ntitle: 新\n---\n正文\n")],
                                                Author("T", "t@example.edu", "school"), "Add a chapter", base=OVERWRITE)
    assert send(client, page="chapters/08-new.md").status_code == 404
    assert send(client, version="draft", page="chapters/08-new.md").status_code == 201


def test_oversized_posts_are_refused(app, client, released):
    assert send(client, text="长" * 5001).status_code == 413
    huge = client.post("/api/feedback", data={"book": BOOK, "text": "x" * 200_000}, headers={"Origin": SITE})
    assert huge.status_code == 413
    assert items(app) == []


def test_a_filled_honeypot_looks_accepted_but_stores_nothing(app, client, released):
    response = send(client, website="http://spam.example")
    assert response.status_code == 201
    assert response.json == {"received": True, "id": None, "follow_url": None}
    assert items(app) == []


def test_a_flood_from_one_address_is_stopped_by_the_rate_limit(make_app):
    app = make_app(FEEDBACK_RATE_LIMIT="3 per minute", FEEDBACK_ORIGINS=SITE)
    from materials import Author, Library
    Library(app.config["LIBRARY_PATH"]).create_tag(f"{BOOK}/v1.0", "main", Author("E", "e@example.edu", "school"), "r")
    client = app.test_client()
    statuses = [send(client).status_code for _ in range(6)]
    assert statuses == [201, 201, 201, 429, 429, 429]
    # robots filling the honeypot count against the same limit
    assert send(client, website="x").status_code == 429
    assert len(items(app)) == 3


def test_posts_from_a_site_on_an_unknown_origin_are_refused(app, client, released):
    app.config["FEEDBACK_ORIGINS"] = SITE
    assert send(client).status_code == 201
    refused = client.post("/api/feedback", json={"book": BOOK, "version": "1.0", "page": PAGE, "kind": "question",
                                                   "text": "hi"}, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert len(items(app)) == 1


def test_cross_origin_preflight_allows_known_sites_without_credentials(app, client):
    app.config["FEEDBACK_ORIGINS"] = [SITE]
    ok = client.options("/api/feedback", headers={"Origin": SITE, "Access-Control-Request-Method": "POST",
                                                   "Access-Control-Request-Headers": "content-type"})
    assert ok.headers["Access-Control-Allow-Origin"] == SITE
    assert "Access-Control-Allow-Credentials" not in ok.headers
    from_disk = client.options("/api/feedback", headers={"Origin": "null", "Access-Control-Request-Method": "POST"})
    assert from_disk.headers["Access-Control-Allow-Origin"] == "null"
    other = client.options("/api/feedback", headers={"Origin": "https://evil.example",
                                                      "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_a_signed_in_reader_is_credited_only_from_the_platforms_own_pages(app, signed_in, released):
    reader = signed_in("reader")
    assert send(reader).status_code == 201  # from another origin: anonymous
    own = reader.post("/api/feedback", json={"book": BOOK, "version": "1.0", "page": PAGE, "kind": "question",
                                             "text": "我是谁？"}, headers={"Origin": "http://localhost"})
    assert own.status_code == 201
    first, second = items(app)
    assert first.user_id is None
    assert second.user_id is not None and second.name == "Reader"


def test_script_and_html_in_feedback_never_render(app, client, signed_in, released):
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    response = send(client, text=evil, selection=evil, name=evil)
    team = signed_in("teacher")
    for url in (f"/books/{BOOK}/feedback", f"/books/{BOOK}/feedback/1",
                response.json["follow_url"].split("localhost", 1)[1]):
        html = team.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    assert items(app)[0].text == evil  # stored raw


# ----------------------------------------------------------------------------- the inbox

def test_the_new_feedback_notifies_the_books_authors_and_reviewers(app, client, released):
    from server.notifications.models import Notification
    from server.accounts.models import User

    send(client)
    with new_session(app) as session:
        told = {session.get(User, n.user_id).username for n in session.query(Notification)}
    assert told == {"maintainer", "teacher", "technician", "reviewer"}


def test_inbox_filters_by_chapter_version_kind_and_state(app, client, signed_in, released):
    send(client, kind="error", text="错误一")
    send(client, kind="question", text="问题二", page="chapters/01-locomotive-overview.md")
    send(client, kind="suggestion", text="建议三", version="draft")
    team = signed_in("technician")

    def shown(**args):
        data = team.get(f"/api/books/{BOOK}/feedback", query_string=args).json
        return [i["text"] for i in data["items"]]  # newest first
    assert shown() == ["建议三", "问题二", "错误一"]
    assert shown(chapter="01-locomotive-overview.md") == ["问题二"]
    assert shown(version="draft") == ["建议三"]
    assert shown(kind="error") == ["错误一"]
    assert shown(state="answered") == []
    assert len(shown(state="open")) == 3
    page = team.get(f"/books/{BOOK}/feedback?kind=question").get_data(as_text=True)
    assert "问题二" in page and "错误一" not in page


def test_readers_and_outsiders_cannot_open_the_inbox(signed_in):
    assert signed_in("reader").get(f"/books/{BOOK}/feedback").status_code == 403
    assert signed_in("outsider").get(f"/api/books/{BOOK}/feedback").status_code == 403


def test_answer_and_mark_public_shows_it_under_the_page(app, client, signed_in, released):
    send(client, text="闸缸压力是多少？")
    team = signed_in("teacher")
    assert client.get(f"/api/feedback/public?book={BOOK}&page={PAGE}").json == {"items": []}
    response = post_form(team, f"/books/{BOOK}/feedback/1/reply", {"text": "一般为 360 kPa。", "public": "on"},
                         page=f"/books/{BOOK}/feedback/1")
    assert response.status_code == 302
    answers = client.get(f"/api/feedback/public?book={BOOK}&page={PAGE}", headers={"Origin": SITE})
    assert answers.headers["Access-Control-Allow-Origin"] == "*"
    [shown] = answers.json["items"]
    assert (shown["text"], shown["answer"]) == ("闸缸压力是多少？", "一般为 360 kPa。")
    assert "name" not in shown and "contact" not in shown
    [item] = items(app)
    assert item.state == "answered" and item.answered_at is not None
    # hidden again: gone from the page
    post_form(team, f"/books/{BOOK}/feedback/1/public", {"public": "0"}, page=f"/books/{BOOK}/feedback/1")
    assert client.get(f"/api/feedback/public?book={BOOK}&page={PAGE}").json == {"items": []}


def test_the_follow_link_shows_the_state_and_the_answer(app, client, signed_in, released):
    follow = send(client).json["follow_url"].split("localhost", 1)[1]
    token = follow.rsplit("/", 1)[1]
    assert client.get(f"/api/feedback/follow/{token}").json["state"] == "new"
    team = signed_in("reviewer")
    team.post(f"/api/books/{BOOK}/feedback/1/replies", json={"text": "见教材第 3 章第 2 节。"},
              headers={"X-CSRFToken": csrf(team)})
    followed = client.get(f"/api/feedback/follow/{token}").json
    assert followed["state"] == "answered" and followed["replies"][0]["text"] == "见教材第 3 章第 2 节。"
    assert "contact" not in followed and "assignee" not in followed
    assert "见教材第 3 章第 2 节。" in client.get(follow).get_data(as_text=True)
    assert client.get("/feedback/follow/not-a-token").status_code == 404


def csrf(client) -> str:
    import re
    html = client.get("/account").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_state_changes_decline_needs_a_reason_and_duplicate_names_another_item(app, client, signed_in, released):
    send(client, text="一")
    send(client, text="二")
    team = signed_in("teacher")
    headers = {"X-CSRFToken": csrf(team)}
    url = f"/api/books/{BOOK}/feedback/2/state"
    assert team.post(url, json={"state": "declined"}, headers=headers).json["error"]["code"] == "feedback.reason_required"
    assert team.post(url, json={"state": "duplicate", "duplicate_of": 2}, headers=headers).status_code == 422
    assert team.post(url, json={"state": "duplicate", "duplicate_of": 1}, headers=headers).json["duplicate_of"] == 1
    declined = team.post(url, json={"state": "declined", "reason": "超出本课程范围"}, headers=headers).json
    assert (declined["state"], declined["reason"], declined["duplicate_of"]) == ("declined", "超出本课程范围", None)
    assert team.post(url, json={"state": "accepted"}, headers=headers).json["state"] == "accepted"
    assert team.post(url, json={"state": "closed"}, headers=headers).status_code == 422  # only a merge closes
    reopened = team.post(url, json={"state": "new"}, headers=headers).json
    assert reopened["state"] == "new" and reopened["resolved_at"] is None


def test_the_item_page_takes_a_duplicate_written_with_a_hash_and_the_inbox_ignores_stale_arguments(
        app, client, signed_in, released):
    send(client, text="第一个问题")
    send(client, text="第二个问题")
    team = signed_in("teacher")
    response = post_form(team, f"/books/{BOOK}/feedback/2/state", {"state": "duplicate", "duplicate_of": "#1"},
                         page=f"/books/{BOOK}/feedback/2")
    assert response.status_code == 302
    assert [(i.state, i.duplicate_of_id) for i in items(app)] == [("new", None), ("duplicate", 1)]
    inbox = team.get(f"/books/{BOOK}/feedback?page=abc&kind=nonsense")
    assert inbox.status_code == 200
    assert "第一个问题" in inbox.get_data(as_text=True) and "第二个问题" in inbox.get_data(as_text=True)


def test_assign_to_a_member_who_writes_or_reviews(app, client, signed_in, released):
    send(client)
    team = signed_in("maintainer")
    headers = {"X-CSRFToken": csrf(team)}
    url = f"/api/books/{BOOK}/feedback/1/assignee"
    assert team.put(url, json={"username": "technician"}, headers=headers).json["assignee"] == "technician"
    assert team.put(url, json={"username": "reader"}, headers=headers).status_code == 422
    assert team.put(url, json={"username": "outsider"}, headers=headers).status_code == 422
    mine = team.get(f"/api/books/{BOOK}/feedback?assignee=technician").json
    assert [i["id"] for i in mine["items"]] == [1]
    assert team.get(f"/api/books/{BOOK}/feedback?assignee=-").json["items"] == []


def test_the_item_page_links_to_the_exact_version_and_quotes_the_passage(app, client, signed_in, released):
    send(client, selection="五步闸试验的第一步")
    html = signed_in("teacher").get(f"/books/{BOOK}/feedback/1").get_data(as_text=True)
    assert f'href="/read/{BOOK}/1.0/chapters/03-brake-test.html#:~:text=' in html
    assert "五步闸试验的第一步" in html


def test_csv_export_has_every_item_and_defuses_formulas(app, client, signed_in, released):
    send(client, text="=HYPERLINK(\"http://evil\")", kind="error")
    send(client, text="普通的问题")
    response = signed_in("teacher").get(f"/books/{BOOK}/feedback.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["text"] for r in rows] == ["'=HYPERLINK(\"http://evil\")", "普通的问题"]
    assert rows[0]["kind"] == "error" and rows[0]["page"] == PAGE
    assert signed_in("reader").get(f"/books/{BOOK}/feedback.csv").status_code == 403


def test_merging_the_change_request_made_from_an_item_closes_it(app, client, released):
    """The change_request_merged signal closes the feedback the merged change request came from."""
    send(client, kind="error", text="图号错了")
    from server.change_requests.signals import change_request_merged
    from types import SimpleNamespace

    with app.app_context():
        from server.database import db
        item = db().get(Feedback, 1)
        item.change_request = 5
        db().commit()
        answers = change_request_merged.send(app, change_request=SimpleNamespace(book=BOOK, number=5, origin=None,
                                                                                 merged_by="maintainer"))
        db().commit()
        assert [[c.id for c in closed] for _receiver, closed in answers] == [[1]]
    assert items(app)[0].state == "closed"
