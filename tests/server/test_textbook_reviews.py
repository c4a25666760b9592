"""Textbook review (教材审核) of a release: the rules of the panel, the reading, the meeting and the signed record."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select

from build.publish import read_versions, write_versions
from helpers import STARTER_BOOK as BOOK
from helpers import csrf_from
from materials import Author, Library, Write
from materials.review_records import SignedRecordChanged, split_record, verify
from server.accounts.models import User
from server.accounts.service import git_author
from server.change_requests.models import ChangeRequest
from server.database import new_session
from server.textbook_reviews.models import TextbookReview
from textbook_review_steps import comment, form_panel, link, meet, read, sign, submit
from textbook_review_steps import page as review_page

BRAKE = "03-brake-test.md"
PANEL = [("reviewer", "某机务段", "enterprise"), ("outsider", "某机车厂", "enterprise"),
         ("reader", "某职业技术学院", "school")]
EDITOR = Author("Editor", "editor@college.example", "school")


@pytest.fixture
def reviewing(app, signed_in):
    """Release 1.0 tagged on main; the teacher is 王晓明, who wrote the starter book; clients speak English."""
    with new_session(app) as session:
        session.scalar(select(User).where(User.username == "teacher")).email = "wang.xiaoming@example.edu.cn"
        session.commit()
    lib = Library(app.config["LIBRARY_PATH"])
    lib.create_tag(f"{BOOK}/v1.0", "main", EDITOR, "Release 1.0")
    clients = {}

    def person(name):
        if name not in clients:
            clients[name] = signed_in(name)
            clients[name].environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return clients[name]

    person.lib = lib
    return person


def review_of(app, number: int = 1) -> dict:
    with new_session(app) as session:
        r = session.scalar(select(TextbookReview).where(TextbookReview.book == BOOK, TextbookReview.number == number))
        return {"state": r.state, "conclusion": r.conclusion, "members": [m.username for m in r.members],
                "signed": {m.username: m.signed_sha256 for m in r.members}, "text": r.signed_text,
                "sha": r.record_sha256, "path": r.record_path, "commit": r.commit,
                "revisions": [(x.number, x.text, x.change_request) for x in r.revisions]}


def to_reading(person, number: int = 1, panel: bool = True) -> None:
    if panel:
        assert form_panel(person("admin"), BOOK, number, PANEL, "reviewer").status_code == 302
    for name in ("reviewer", "outsider", "reader"):
        response = read(person(name), BOOK, number, ["meets", "meets", "partly"], f"{name}：同意，建议完善案例。")
        assert response.status_code == 302, response.get_data(as_text=True)[:500]


def conclude(person, conclusion: str, number: int = 1, revisions: str = "") -> None:
    response = meet(person("reviewer"), BOOK, number, conclusion=conclusion, revisions=revisions,
                    votes={"reviewer": conclusion, "outsider": conclusion, "reader": conclusion})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]


def sign_all(person, number: int = 1) -> None:
    for name in ("reviewer", "outsider", "reader"):
        assert sign(person(name), BOOK, number).status_code == 302


def test_a_maintainer_submits_a_release_and_only_a_released_version(app, reviewing):
    assert submit(reviewing("maintainer"), BOOK, "1.0", "请审核第一版") == 1
    assert review_of(app)["state"] == "submitted" and review_of(app)["commit"] == reviewing.lib.tags()[f"{BOOK}/v1.0"]
    again = submit(reviewing("maintainer"), BOOK, "1.0", expect=409)
    assert "already under review" in again.get_data(as_text=True)
    assert submit(reviewing("maintainer"), BOOK, "9.9", expect=400).status_code == 400  # not a choice of the form
    assert reviewing("teacher").get(f"/books/{BOOK}/textbook-reviews/new").status_code == 403


def test_the_books_authors_are_refused_as_members_and_nothing_changes(app, reviewing):
    submit(reviewing("maintainer"), BOOK, "1.0")
    refused = form_panel(reviewing("admin"), BOOK, 1, [*PANEL, ("teacher", "本校", "school")], "reviewer")
    assert refused.status_code == 400
    assert "Teacher wrote part of this book and cannot review it." in refused.get_data(as_text=True)
    assert review_of(app)["members"] == [] and review_of(app)["state"] == "submitted"


def test_someone_who_wrote_through_the_platform_is_an_author_too(app, reviewing):
    with new_session(app) as session:
        technician = session.scalar(select(User).where(User.username == "technician"))
        author = git_author(technician)
    lib = reviewing.lib
    path = f"books/{BOOK}/chapters/{BRAKE}"
    lib.commit("main", [Write(path, lib.read_text("main", path) + "\n补充现场作业要点。\n")], author, "Add a case",
               base=lib.resolve("main"))
    lib.create_tag(f"{BOOK}/v1.1", "main", EDITOR, "Release 1.1")
    submit(reviewing("maintainer"), BOOK, "1.1")
    refused = form_panel(reviewing("admin"), BOOK, 1, [("technician", "某机务段", "enterprise")], "technician")
    assert refused.status_code == 400 and "cannot review it" in refused.get_data(as_text=True)


def test_only_an_administrator_forms_the_panel_and_the_chair_is_a_member(app, reviewing):
    submit(reviewing("maintainer"), BOOK, "1.0")
    assert form_panel(reviewing("maintainer"), BOOK, 1, PANEL, "reviewer").status_code == 403
    outside = form_panel(reviewing("admin"), BOOK, 1, PANEL, "maintainer")
    assert outside.status_code == 400 and "The chair must be one of the panel" in outside.get_data(as_text=True)
    assert review_of(app)["members"] == []
    assert form_panel(reviewing("admin"), BOOK, 1, PANEL, "reviewer").status_code == 302
    assert review_of(app)["members"] == ["reviewer", "outsider", "reader"] and review_of(app)["state"] == "reading"


def test_only_members_read_and_the_page_is_closed_to_others(app, reviewing):
    submit(reviewing("maintainer"), BOOK, "1.0")
    form_panel(reviewing("admin"), BOOK, 1, PANEL, "reviewer")
    assert read(reviewing("teacher"), BOOK, 1, ["meets"] * 3, "同意").status_code == 403
    missing = read(reviewing("reader"), BOOK, 1, ["meets", "", "meets"], "同意")
    assert missing.status_code == 400
    # outsider is no member of the book, but sits on the panel: the page opens for them
    assert reviewing("outsider").get(review_page(BOOK, 1)).status_code == 200
    with new_session(app) as session:
        session.add(User(username="stranger", display_name="Stranger", side="school", password_hash="x"))
        session.commit()
    assert reviewing("stranger").get(review_page(BOOK, 1)).status_code == 403


def test_comments_are_anchored_to_chapters_and_passages_of_exactly_that_release(app, reviewing):
    submit(reviewing("maintainer"), BOOK, "1.0")
    form_panel(reviewing("admin"), BOOK, 1, PANEL, "reviewer")
    lib = reviewing.lib
    path = f"books/{BOOK}/chapters/{BRAKE}"
    lib.commit("main", [Write(path, lib.read_text("main", path) + "\n发布之后新增的一段。\n")], EDITOR, "Later",
               base=lib.resolve("main"))
    later = comment(reviewing("outsider"), BOOK, 1, BRAKE, "这段有误", passage="发布之后新增的一段。")
    assert later.status_code == 400 and "not in this chapter of the reviewed release" in later.get_data(as_text=True)
    assert comment(reviewing("outsider"), BOOK, 1, "99-none.md", "x").status_code == 400
    passage = next(line for line in lib.read_text(f"{BOOK}/v1.0", path).splitlines() if "列车管定压" in line)
    assert comment(reviewing("outsider"), BOOK, 1, BRAKE, "请核对压力值", passage=passage.strip()).status_code == 302
    html = reviewing("maintainer").get(review_page(BOOK, 1)).get_data(as_text=True)
    assert "请核对压力值" in html and passage.strip() in html


def test_only_the_chair_concludes_and_only_after_every_reading(app, reviewing):
    submit(reviewing("maintainer"), BOOK, "1.0")
    form_panel(reviewing("admin"), BOOK, 1, PANEL, "reviewer")
    early = meet(reviewing("reviewer"), BOOK, 1, conclusion="passed", votes={"reviewer": "passed"})
    assert early.status_code == 400 and "Not every member has recorded their reading" in early.get_data(as_text=True)
    to_reading(reviewing, panel=False)
    assert meet(reviewing("outsider"), BOOK, 1, conclusion="passed", votes={"outsider": "passed"}).status_code == 403
    assert meet(reviewing("admin"), BOOK, 1, conclusion="passed", votes={"reviewer": "passed"}).status_code == 403
    unconfirmed = meet(reviewing("reviewer"), BOOK, 1, conclusion="passed", votes={"reviewer": "passed"},
                       confirm=False)
    assert unconfirmed.status_code == 400
    no_revisions = meet(reviewing("reviewer"), BOOK, 1, conclusion="resubmit", votes={"reviewer": "resubmit"})
    assert no_revisions.status_code == 400 and "lists the revisions it requires" in no_revisions.get_data(as_text=True)
    assert review_of(app)["state"] == "reading"
    conclude(reviewing, "passed")
    assert review_of(app)["state"] == "signing" and review_of(app)["conclusion"] == "passed"


def test_the_record_is_frozen_once_concluded(app, reviewing):
    submit(reviewing("maintainer"), BOOK, "1.0")
    to_reading(reviewing)
    conclude(reviewing, "passed")
    before = review_of(app)
    frozen = read(reviewing("reader"), BOOK, 1, ["fails"] * 3, "改变主意")
    assert frozen.status_code == 409 and "the record is frozen" in frozen.get_data(as_text=True)
    assert comment(reviewing("reader"), BOOK, 1, BRAKE, "再补一条").status_code == 409
    assert conclude_again(reviewing).status_code == 409
    assert review_of(app) == before


def conclude_again(person):
    return meet(person("reviewer"), BOOK, 1, conclusion="rejected", votes={"reviewer": "rejected"})


def test_each_member_signs_the_sha256_of_the_record_and_the_library_keeps_it(app, reviewing):
    sites = app.config["SITES_DIR"]
    (Path(sites) / BOOK).mkdir(parents=True)
    write_versions(Path(sites) / BOOK, [{"version": "1.0", "title": "1.0", "aliases": ["latest"], "properties": {}}])
    submit(reviewing("maintainer"), BOOK, "1.0")
    to_reading(reviewing)
    conclude(reviewing, "passed")
    state = review_of(app)
    assert state["sha"] == hashlib.sha256(state["text"].encode()).hexdigest()
    forged = sign(reviewing("outsider"), BOOK, 1, sha256="0" * 64)
    assert forged.status_code == 409 and review_of(app)["signed"]["outsider"] is None
    assert sign(reviewing("maintainer"), BOOK, 1, sha256=state["sha"]).status_code == 403
    assert sign(reviewing("reviewer"), BOOK, 1).status_code == 302
    assert sign(reviewing("reviewer"), BOOK, 1, sha256=state["sha"]).status_code == 409   # once only
    assert review_of(app)["state"] == "signing"
    sign(reviewing("outsider"), BOOK, 1)
    sign(reviewing("reader"), BOOK, 1)
    done = review_of(app)
    assert done["state"] == "signed" and set(done["signed"].values()) == {state["sha"]}
    text = reviewing.lib.read_text("main", done["path"])
    assert done["path"] == f"books/{BOOK}/reviews/1.0/1.yml" and verify(text)
    signed, signatures = split_record(text)
    assert signed == state["text"] and [s["account"] for s in signatures] == ["reviewer", "outsider", "reader"]
    assert f"commit: {done['commit']}" in signed and "conclusion: passed" in signed
    html = reviewing("teacher").get(review_page(BOOK, 1)).get_data(as_text=True)
    assert 'data-verified="yes"' in html and state["sha"] in html
    assert read_versions(sites, BOOK)[0]["properties"]["reviewed"] == "2026-03-12"
    releases = reviewing("teacher").get(f"/books/{BOOK}/releases").get_data(as_text=True)
    assert "2026-03-12" in releases


def test_a_signed_record_cannot_be_changed_by_the_platform_or_a_library_commit(app, reviewing):
    submit(reviewing("maintainer"), BOOK, "1.0")
    to_reading(reviewing)
    conclude(reviewing, "rejected")
    sign_all(reviewing)
    done = review_of(app)
    lib = reviewing.lib
    head = lib.resolve("main")
    with pytest.raises(SignedRecordChanged):
        lib.commit("main", [Write(done["path"], "conclusion: passed\n")], EDITOR, "Soften it", base=head)
    assert lib.resolve("main") == head
    # the platform's own write path refuses the folder outright
    teacher = reviewing("teacher")
    teacher.environ_base["HTTP_X_CSRFTOKEN"] = csrf_from(teacher, "/")
    created = teacher.post(f"/api/books/{BOOK}/change-requests", json={"title": "改审核记录"})
    number = created.get_json()["number"]
    pushed = teacher.post(f"/api/books/{BOOK}/change-requests/{number}/commits",
                          json={"files": {done["path"]: "conclusion: passed\n"}, "message": "x",
                                "base": created.get_json()["head"]})
    assert pushed.status_code == 400
    assert sign(reviewing("reader"), BOOK, 1, sha256=done["sha"]).status_code == 409
    assert review_of(app) == done
    page_html = reviewing("maintainer").get(review_page(BOOK, 1)).get_data(as_text=True)
    assert 'data-conclusion="rejected"' in page_html


def test_revise_and_resubmit_tracks_the_revisions_into_the_next_submission(app, reviewing, lib):
    submit(reviewing("maintainer"), BOOK, "1.0")
    to_reading(reviewing)
    conclude(reviewing, "resubmit", revisions="补充制动机试验的安全注意事项\n更新受电弓检修的现行规范")
    sign_all(reviewing)
    assert review_of(app)["revisions"] == [(1, "补充制动机试验的安全注意事项", None), (2, "更新受电弓检修的现行规范", None)]
    maintainer = reviewing("maintainer")
    maintainer.environ_base["HTTP_X_CSRFTOKEN"] = csrf_from(maintainer, "/")
    fixed = maintainer.post(f"/api/books/{BOOK}/change-requests", json={"title": "补充安全注意事项"}).get_json()
    pending = maintainer.post(f"/api/books/{BOOK}/change-requests", json={"title": "更新规范"}).get_json()
    assert link(maintainer, BOOK, 1, 1, fixed["number"]).status_code == 302
    assert link(maintainer, BOOK, 1, 2, pending["number"]).status_code == 302
    assert link(maintainer, BOOK, 1, 2, 999).status_code == 404
    assert link(reviewing("teacher"), BOOK, 1, 1, fixed["number"]).status_code == 403
    # the first change request is merged (as the maintainer merges it), then 1.1 is released and resubmitted
    path = f"books/{BOOK}/chapters/{BRAKE}"
    lib.commit(f"cr/{fixed['number']}", [Write(path, lib.read_text("main", path) + "\n安全注意事项。\n")], EDITOR,
               "安全注意事项", base=fixed["head"])
    merged = lib.merge(f"cr/{fixed['number']}", "main", EDITOR, "Merge")
    with new_session(app) as session:
        cr = session.scalar(select(ChangeRequest).where(ChangeRequest.number == fixed["number"]))
        cr.state, cr.merged_sha = "merged", merged
        session.commit()
    lib.create_tag(f"{BOOK}/v1.1", "main", EDITOR, "Release 1.1")
    assert submit(maintainer, BOOK, "1.1") == 2
    html = maintainer.get(review_page(BOOK, 2)).get_data(as_text=True)
    assert "Revisions required by review #1" in html
    assert 'data-revision="1" data-done="yes"' in html and 'data-revision="2" data-done="no"' in html
    assert "补充安全注意事项" in html and "no change request linked" not in html
    listing = maintainer.get(f"/books/{BOOK}/textbook-reviews").get_data(as_text=True)
    assert "resubmits #1" in listing


def test_the_whole_review_over_the_api(app, reviewing):
    def api(who, method, url, json=None):
        client = reviewing(who)
        client.environ_base.setdefault("HTTP_X_CSRFTOKEN", csrf_from(client, "/"))
        return client.open(f"/api/books/{BOOK}/textbook-reviews{url}", method=method, json=json)

    created = api("maintainer", "POST", "", {"version": "1.0", "note": "送审"})
    assert created.status_code == 201 and created.json["state"] == "submitted"
    assert api("maintainer", "POST", "", {"version": "1.0"}).status_code == 409
    panel = {"members": [{"username": u, "institution": i, "side": s} for u, i, s in PANEL], "chair": "reviewer"}
    assert api("maintainer", "PUT", "/1/panel", panel).status_code == 403
    refused = api("admin", "PUT", "/1/panel", {**panel, "members": [*panel["members"], {
        "username": "teacher", "institution": "本校", "side": "school"}]})
    assert refused.status_code == 400 and refused.json["error"]["code"] == "textbook_review.author_on_panel"
    assert api("admin", "PUT", "/1/panel", panel).json["state"] == "reading"
    verdicts = [{"criterion": c, "verdict": "meets"} for c in ("思想性", "科学性", "适宜性")]
    for name, _, _ in PANEL:
        assert api(name, "PUT", "/1/reading", {"verdicts": verdicts, "opinion": "同意"}).status_code == 200
    assert api("outsider", "POST", "/1/comments", {"chapter": BRAKE, "body": "好"}).status_code == 201
    meeting = {"meeting_date": "2026-03-12", "attendees": ["reviewer", "outsider"], "minutes": "讨论通过",
               "votes": {"reviewer": "passed", "outsider": "passed"}, "conclusion": "passed"}
    assert api("outsider", "PUT", "/1/meeting", meeting).status_code == 403
    concluded = api("reviewer", "PUT", "/1/meeting", meeting).json
    assert concluded["state"] == "signing" and [m["attended"] for m in concluded["members"]] == [True, True, False]
    sha = concluded["record_sha256"]
    assert api("reader", "POST", "/1/signatures", {"sha256": "f" * 64}).status_code == 409
    for name, _, _ in PANEL:
        signed = api(name, "POST", "/1/signatures", {"sha256": sha})
        assert signed.status_code == 201
    assert signed.json["state"] == "signed" and signed.json["record_path"] == f"books/{BOOK}/reviews/1.0/1.yml"
    assert api("teacher", "GET", "/1").json["conclusion"] == "passed"
    assert [r["number"] for r in api("teacher", "GET", "").json["reviews"]] == [1]


def test_a_record_already_in_the_library_from_a_failed_attempt_is_kept_as_it_is(app, reviewing):
    """The library took the record but the database did not: signing again keeps the library's record."""
    from materials.review_records import record_text, write_record
    submit(reviewing("maintainer"), BOOK, "1.0")
    to_reading(reviewing)
    conclude(reviewing, "passed")
    state = review_of(app)
    earlier = record_text(state["text"], [{"account": "reviewer", "signed_at": "2026-03-12T08:00:00Z",
                                           "sha256": state["sha"]}])
    write_record(reviewing.lib, BOOK, "1.0", 1, earlier, EDITOR, "An attempt that the database lost")
    sign_all(reviewing)
    assert review_of(app)["state"] == "signed"
    assert reviewing.lib.read_text("main", f"books/{BOOK}/reviews/1.0/1.yml") == earlier
