"""Change requests over HTTP, with the real library and database: from opening to merging.

People (tests/server/conftest.py): ``teacher`` (school author), ``technician``
(enterprise author), ``reviewer`` (enterprise reviewer), ``maintainer``
(school maintainer), ``reader``, ``outsider``. The starter book requires one
approval per side; its ``build`` check belongs to the site build, so the
fixture's book requires front-matter and alignment only.
"""
from __future__ import annotations

import re

import pytest

from helpers import STARTER_BOOK, csrf_from, post_form, sign_in, start_change_request
from materials import OVERWRITE, Author, Library, Write
from server.database import new_session
from server.jobs.queue import enqueue, run_pending
from server.audit.models import AuditEvent
from server.change_requests.models import ChangeRequest, CheckRun
from server.jobs.models import Job

BOOK = "locomotive-maintenance"
CHAPTER = f"books/{BOOK}/chapters/03-brake-test.md"
EDITOR = Author("周主编", "zhou@college.edu.cn", "school")


def set_policy(app, **review) -> None:
    """Rewrite book.yml's review: on main (as a maintainer would by hand)."""
    lib = Library(app.config["LIBRARY_PATH"])
    path = f"books/{BOOK}/book.yml"
    text = lib.read_text("main", path)
    start = text.index("review:\n")
    end = text.index("site:\n")
    policy = {"required": "{school: 1, enterprise: 1}", "self_approval": "false", "dismiss_stale_approvals": "true",
              "checks": "[front-matter, alignment]", "direct_commits": "false", "merge_method": "merge"}
    policy.update({k: (str(v).lower() if isinstance(v, bool) else v) for k, v in review.items()})
    block = "review:\n" + "".join(f"  {k}: {v}\n" for k, v in policy.items())
    lib.commit("main", [Write(path, text[:start] + block + text[end:])], EDITOR, "Set the review policy",
               base=OVERWRITE)


@pytest.fixture
def cr_app(make_app):
    app = make_app()
    set_policy(app)
    return app


@pytest.fixture
def as_(cr_app):
    """``as_("teacher")`` -> a signed-in client; ``.api(method, url, json)`` calls the JSON API with its session."""
    clients = {}

    def sign(username: str):
        if username not in clients:
            client = cr_app.test_client()
            sign_in(client, username)
            token = csrf_from(client, "/")

            def api(method, url, json=None, _client=client, _token=token):
                return _client.open(f"/api{url}", method=method, json=json,
                                    headers={"X-CSRFToken": _token, "Accept-Language": "en"})

            client.api = api
            clients[username] = client
        return clients[username]

    return sign


def main_text(app, path: str = CHAPTER) -> str:
    return Library(app.config["LIBRARY_PATH"]).read_text("main", path)


def open_with_change(as_, app, who: str = "teacher", old: str = "列车管定压", new: str = "列车管定压（修订）",
                     title: str = "修订制动机试验") -> int:
    """Open a CR as ``who`` and commit one edit of the brake-test chapter; checks run."""
    client = as_(who)
    created = client.api("POST", f"/books/{BOOK}/change-requests", {"title": title, "description": "说明"})
    assert created.status_code == 201, created.json
    number = created.json["number"]
    text = main_text(app)
    assert old in text
    saved = client.api("POST", f"/books/{BOOK}/change-requests/{number}/commits",
                       {"files": {CHAPTER: text.replace(old, new, 1)}, "message": "Edit the brake test",
                        "base": created.json["head"]})
    assert saved.status_code == 201, saved.json
    run_pending(app)
    return number


def detail(as_, who: str, number: int) -> dict:
    response = as_(who).api("GET", f"/books/{BOOK}/change-requests/{number}")
    assert response.status_code == 200, response.json
    return response.json


def missing_texts(as_, who: str, number: int) -> list[str]:
    return [m["text"] for m in detail(as_, who, number)["missing"]]


def review(as_, who: str, number: int, verdict: str, body: str = ""):
    return as_(who).api("POST", f"/books/{BOOK}/change-requests/{number}/reviews", {"verdict": verdict, "body": body})


def merge(as_, who: str, number: int, expected_main: str | None = None):
    body = {"expected_main": expected_main} if expected_main else {}
    return as_(who).api("POST", f"/books/{BOOK}/change-requests/{number}/merge", body)


def audit_actions(app) -> list[str]:
    with new_session(app) as session:
        return [e.action for e in session.query(AuditEvent).order_by(AuditEvent.id)]


# ------------------------------------------------------------------ lifecycle and policy

def test_merge_waits_for_one_approval_from_each_side_then_lands_on_main(cr_app, as_):
    number = open_with_change(as_, cr_app)
    assert missing_texts(as_, "teacher", number) == ["needs 1 approval from a school reviewer",
                                                     "needs 1 approval from an enterprise reviewer"]
    assert review(as_, "reviewer", number, "approve", "内容准确").status_code == 201
    assert missing_texts(as_, "teacher", number) == ["needs 1 approval from a school reviewer"]
    refused = merge(as_, "reviewer", number)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "change_request.policy_not_satisfied"
    assert "school reviewer" in refused.json["error"]["message"]

    assert review(as_, "maintainer", number, "approve").status_code == 201
    state = detail(as_, "teacher", number)
    assert state["mergeable"] and state["missing"] == []
    statuses = {c["name"]: c["status"] for c in state["checks"]}  # plus any other registered check (build)
    assert statuses["front-matter"] == statuses["alignment"] == "passed"

    assert merge(as_, "teacher", number).status_code == 403  # authors never merge
    merged = merge(as_, "reviewer", number)
    assert merged.status_code == 200, merged.json
    assert "列车管定压（修订）" in main_text(cr_app)
    lib = Library(cr_app.config["LIBRARY_PATH"])
    assert lib.branch_head(f"cr/{number}") is None  # the branch is deleted...
    after = detail(as_, "teacher", number)  # ...the record and conversation are kept
    assert after["change_request"]["state"] == "merged" and len(after["reviews"]) == 2
    page = as_("teacher").get(f"/books/{BOOK}/change-requests/{number}", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "This change is in the book." in page.get_data(as_text=True)
    assert {"change_request.open", "change_request.approve", "change_request.merge"} <= set(audit_actions(cr_app))


def test_page_says_what_is_missing_in_the_viewers_language(cr_app, as_):
    number = open_with_change(as_, cr_app)
    review(as_, "maintainer", number, "approve")
    page = as_("teacher").get(f"/books/{BOOK}/change-requests/{number}", headers={"Accept-Language": "zh-CN"})
    text = page.get_data(as_text=True)
    assert "还需要 1 位企业方审核人批准" in text and "还需要 1 位学校方" not in text
    assert "<strong>章节信息</strong>" in text and "<strong>与标准的对接</strong>" in text  # the checks, by name
    assert "front-matter" not in re.sub(r"<[^>]*>", "", text)
    en = as_("reviewer").get(f"/books/{BOOK}/change-requests/{number}", headers={"Accept-Language": "en"})
    assert "needs 1 approval from an enterprise reviewer" in en.get_data(as_text=True)
    assert 'id="merge-form"' not in en.get_data(as_text=True)  # no merge button before the policy holds


def test_an_approval_of_ones_own_change_request_does_not_count(cr_app, as_):
    set_policy(cr_app, required="{school: 1, enterprise: 0}")
    number = open_with_change(as_, cr_app, who="maintainer")
    assert review(as_, "maintainer", number, "approve").status_code == 201
    assert missing_texts(as_, "maintainer", number) == ["needs 1 approval from a school reviewer"]
    page = as_("maintainer").get(f"/books/{BOOK}/change-requests/{number}", headers={"Accept-Language": "en"})
    assert "not counted: own change request" in page.get_data(as_text=True)


def test_a_maintainer_who_wrote_part_of_a_change_request_does_not_count_as_its_reviewer(cr_app, as_):
    number = open_with_change(as_, cr_app)
    head = detail(as_, "maintainer", number)["change_request"]["head"]
    text = Library(cr_app.config["LIBRARY_PATH"]).read_text(f"cr/{number}", CHAPTER)
    written = as_("maintainer").api("POST", f"/books/{BOOK}/change-requests/{number}/commits",
                                    {"files": {CHAPTER: text + "\n维护者补写的一段。\n"}, "message": "Add a paragraph",
                                     "base": head})
    assert written.status_code == 201, written.json
    run_pending(cr_app)
    assert review(as_, "maintainer", number, "approve").status_code == 201
    assert review(as_, "reviewer", number, "approve").status_code == 201

    state = detail(as_, "teacher", number)
    assert not state["mergeable"]
    assert [m["text"] for m in state["missing"]] == ["needs 1 approval from a school reviewer"]
    assert state["ignored"] == [{"reviewer": "maintainer", "reason": "wrote",
                                 "text": "Maintainer's approval does not count: they wrote part of this change"}]
    refused = merge(as_, "maintainer", number)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "change_request.policy_not_satisfied"
    assert "维护者补写的一段" not in main_text(cr_app)

    page = as_("maintainer").get(f"/books/{BOOK}/change-requests/{number}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert "Maintainer&#39;s approval does not count: they wrote part of this change" in html
    assert 'id="merge-form"' not in html
    zh = as_("teacher").get(f"/books/{BOOK}/change-requests/{number}", headers={"Accept-Language": "zh-CN"})
    assert "Maintainer的批准不计入：其本人写了这项变更的一部分" in zh.get_data(as_text=True)


def test_a_reviewer_whose_suggestion_was_applied_does_not_count_but_updating_from_main_is_not_writing(cr_app, as_):
    number = open_with_change(as_, cr_app)
    lib = Library(cr_app.config["LIBRARY_PATH"])
    lines = lib.read_text(f"cr/{number}", CHAPTER).splitlines()
    line = next(i for i, l in enumerate(lines, 1) if "列车管定压（修订）" in l)
    sid = as_("reviewer").api("POST", f"/books/{BOOK}/change-requests/{number}/suggestions",
                              {"path": CHAPTER, "start_line": line, "replacement": "列车管定压为 600 kPa。"}
                              ).json["suggestion"]["id"]
    assert as_("teacher").api("POST", f"/books/{BOOK}/change-requests/{number}/suggestions/{sid}/apply"
                              ).status_code == 201
    other = f"books/{BOOK}/book.yml"
    lib.commit("main", [Write(other, lib.read_text("main", other) + "# 主线上的另一处修改\n")], EDITOR,
               "Touch book.yml on main", base=lib.resolve("main"))
    assert as_("maintainer").api("POST", f"/books/{BOOK}/change-requests/{number}/update").status_code == 200
    run_pending(cr_app)
    review(as_, "reviewer", number, "approve")
    review(as_, "maintainer", number, "approve")
    state = detail(as_, "teacher", number)
    assert [i["reviewer"] for i in state["ignored"]] == ["reviewer"]  # the maintainer only took main's file
    assert [m["text"] for m in state["missing"]] == ["needs 1 approval from an enterprise reviewer"]


def test_a_new_commit_dismisses_earlier_approvals(cr_app, as_):
    number = open_with_change(as_, cr_app)
    review(as_, "reviewer", number, "approve")
    review(as_, "maintainer", number, "approve")
    assert detail(as_, "teacher", number)["mergeable"]
    text = Library(cr_app.config["LIBRARY_PATH"]).read_text(f"cr/{number}", CHAPTER)
    again = as_("teacher").api("POST", f"/books/{BOOK}/change-requests/{number}/commits",
                               {"files": {CHAPTER: text + "\n补充一段。\n"}, "message": "Add a paragraph",
                                "base": Library(cr_app.config["LIBRARY_PATH"]).resolve(f"cr/{number}")})
    assert again.status_code == 201
    run_pending(cr_app)
    assert missing_texts(as_, "teacher", number) == ["needs 1 approval from a school reviewer",
                                                     "needs 1 approval from an enterprise reviewer"]


def test_changes_requested_blocks_until_the_same_reviewer_approves(cr_app, as_):
    number = open_with_change(as_, cr_app)
    review(as_, "reviewer", number, "request_changes", "限度值写错了")
    review(as_, "maintainer", number, "approve")
    assert missing_texts(as_, "teacher", number) == [
        "needs 1 approval from an enterprise reviewer",
        "Reviewer requested changes: they must approve, or a maintainer must override"]
    review(as_, "reviewer", number, "approve")
    assert detail(as_, "teacher", number)["mergeable"]


def test_a_maintainer_overrides_a_request_for_changes_and_it_is_audited(cr_app, as_):
    set_policy(cr_app, required="{school: 1, enterprise: 0}")
    number = open_with_change(as_, cr_app, who="technician")
    review(as_, "reviewer", number, "request_changes")
    review(as_, "maintainer", number, "approve")
    assert not detail(as_, "technician", number)["mergeable"]
    url = f"/books/{BOOK}/change-requests/{number}/overrides"
    assert as_("reviewer").api("POST", url, {"reviewer": "reviewer", "reason": "x"}).status_code == 403
    assert as_("maintainer").api("POST", url, {"reviewer": "reviewer", "reason": "已与企业专家电话确认"}).status_code == 204
    assert detail(as_, "technician", number)["mergeable"]
    with new_session(cr_app) as session:
        event = session.query(AuditEvent).filter_by(action="change_request.override").one()
        assert event.actor_name == "maintainer" and event.details["reason"] == "已与企业专家电话确认"
    assert merge(as_, "maintainer", number).status_code == 200


def test_merging_tells_the_other_parts_with_the_change_request_merged_signal(cr_app, as_):
    from server.change_requests.signals import change_request_merged

    heard = []

    def listen(sender, change_request, **_):
        heard.append((sender, change_request.number, change_request.state, change_request.merged_by))

    number = open_with_change(as_, cr_app)
    for who in ("reviewer", "maintainer"):
        assert review(as_, who, number, "approve").status_code == 201
    with change_request_merged.connected_to(listen, sender=cr_app):
        assert merge(as_, "reviewer", number).status_code == 200
    assert heard == [(cr_app, number, "merged", "reviewer")]


def test_merging_a_change_request_made_from_reader_feedback_closes_the_feedback(cr_app, as_):
    sent = cr_app.test_client().post("/api/feedback", json={"book": BOOK, "version": "draft", "page": "chapters/03-brake-test.md",
                                                           "kind": "error", "text": "图 3-2 的阀门编号写错了"})
    assert sent.status_code == 201, sent.json
    item = sent.json["id"]
    teacher = as_("teacher")
    opened = teacher.api("POST", f"/books/{BOOK}/feedback/{item}/change-request")
    assert opened.status_code == 201, opened.json
    number = opened.json["number"]
    head = detail(as_, "teacher", number)["change_request"]["head"]
    text = main_text(cr_app).replace("列车管定压", "列车管定压（已更正）", 1)
    saved = teacher.api("POST", f"/books/{BOOK}/change-requests/{number}/commits",
                        {"files": {CHAPTER: text}, "message": "Correct the valve number", "base": head})
    assert saved.status_code == 201, saved.json
    run_pending(cr_app)
    assert teacher.api("GET", f"/books/{BOOK}/feedback/{item}").json["state"] == "accepted"
    for who in ("reviewer", "maintainer"):
        assert review(as_, who, number, "approve").status_code == 201
    assert merge(as_, "reviewer", number).status_code == 200
    closed = teacher.api("GET", f"/books/{BOOK}/feedback/{item}").json
    assert (closed["state"], closed["change_request"]) == ("closed", number)
    with new_session(cr_app) as session:
        assert session.query(AuditEvent).filter_by(action="feedback.closed", target=f"{BOOK}#{item}").one().actor_name \
            == "reviewer"


def test_draft_open_close_reopen(cr_app, as_):
    created = as_("teacher").api("POST", f"/books/{BOOK}/change-requests", {"title": "草稿", "draft": True})
    number = created.json["number"]
    assert created.json["state"] == "draft"
    state = lambda action, who="teacher": as_(who).api(  # noqa: E731
        "POST", f"/books/{BOOK}/change-requests/{number}/state", {"action": action})
    assert review(as_, "reviewer", number, "approve").status_code == 409  # drafts are not reviewed yet
    assert state("ready").json["state"] == "open"
    assert state("close", "technician").status_code == 403  # not theirs
    assert state("close").json["state"] == "closed"
    assert state("reopen").json["state"] == "open"
    assert state("draft").json["state"] == "draft"
    actions = audit_actions(cr_app)
    for action in ("change_request.ready", "change_request.close", "change_request.reopen", "change_request.draft"):
        assert action in actions


# ------------------------------------------------------------------ comments and suggestions

def test_inline_comment_follows_its_line_or_becomes_outdated(cr_app, as_):
    number = open_with_change(as_, cr_app)
    lib = Library(cr_app.config["LIBRARY_PATH"])
    lines = lib.read_text(f"cr/{number}", CHAPTER).splitlines()
    follow_line = next(i for i, l in enumerate(lines, 1) if l.startswith("## "))
    change_line = next(i for i, l in enumerate(lines, 1) if "列车管定压（修订）" in l)
    url = f"/books/{BOOK}/change-requests/{number}/comments"
    first = as_("reviewer").api("POST", url, {"body": "标题太笼统", "path": CHAPTER, "line": follow_line})
    second = as_("reviewer").api("POST", url, {"body": "定压值？", "path": CHAPTER, "line": change_line})
    assert first.status_code == second.status_code == 201
    # The teacher adds two lines at the top of the body and rewrites the commented line.
    text = lib.read_text(f"cr/{number}", CHAPTER)
    head, sep, body = text.partition("\n---\n")
    body = "新增导语一。\n新增导语二。\n" + body.replace("列车管定压（修订）", "列车管定压为 600 kPa")
    as_("teacher").api("POST", f"/books/{BOOK}/change-requests/{number}/commits",
                       {"files": {CHAPTER: head + sep + body}, "message": "Rework",
                        "base": lib.resolve(f"cr/{number}")})
    comments = {c["body"]: c for c in detail(as_, "teacher", number)["comments"]}
    assert comments["标题太笼统"]["line"] == follow_line + 2 and not comments["标题太笼统"]["outdated"]
    assert comments["定压值？"]["outdated"] and "列车管定压（修订）" in comments["定压值？"]["line_text"]
    files = as_("teacher").get(f"/books/{BOOK}/change-requests/{number}/files", headers={"Accept-Language": "en"})
    page = files.get_data(as_text=True)
    assert "Comments on lines that changed since" in page and "定压值？" in page


def test_replies_and_resolving_a_thread(cr_app, as_):
    number = open_with_change(as_, cr_app)
    url = f"/books/{BOOK}/change-requests/{number}/comments"
    top = as_("reviewer").api("POST", url, {"body": "请补充图示"}).json
    reply = as_("teacher").api("POST", url, {"body": "已补充", "parent_id": top["id"]})
    assert reply.status_code == 201 and reply.json["parent_id"] == top["id"]
    resolved = as_("teacher").api("POST", f"{url}/{top['id']}/resolve", {"resolved": True})
    assert resolved.json["resolved"] is True
    assert as_("teacher").api("POST", f"{url}/{top['id']}/resolve", {"resolved": False}).json["resolved"] is False
    assert as_("reader").api("POST", url, {"body": "读者"}).status_code == 403


def test_applying_a_suggestion_commits_as_the_author_crediting_the_reviewer(cr_app, as_):
    number = open_with_change(as_, cr_app)
    lib = Library(cr_app.config["LIBRARY_PATH"])
    lines = lib.read_text(f"cr/{number}", CHAPTER).splitlines()
    line = next(i for i, l in enumerate(lines, 1) if "列车管定压（修订）" in l)
    suggested = as_("reviewer").api("POST", f"/books/{BOOK}/change-requests/{number}/suggestions",
                                    {"path": CHAPTER, "start_line": line, "replacement": "列车管定压为 600 kPa。",
                                     "body": "建议写明数值"})
    assert suggested.status_code == 201, suggested.json
    sid = suggested.json["suggestion"]["id"]
    url = f"/books/{BOOK}/change-requests/{number}/suggestions/{sid}/apply"
    assert as_("reviewer").api("POST", url).status_code == 403  # only the author (or a maintainer) applies
    applied = as_("teacher").api("POST", url)
    assert applied.status_code == 201, applied.json
    commit = lib.log(f"cr/{number}", limit=1)[0]
    assert commit.sha == applied.json["sha"] and commit.author_name == "Teacher" and commit.side == "school"
    assert "Co-authored-by: Reviewer <reviewer@users.jointbook.invalid>" in commit.message
    assert "列车管定压为 600 kPa。" in lib.read_text(f"cr/{number}", CHAPTER).splitlines()[line - 1]
    assert as_("teacher").api("POST", url).status_code == 409  # applied once


# ------------------------------------------------------------------ keeping up and racing

def test_two_merges_racing_one_is_told_to_update(cr_app, as_):
    set_policy(cr_app, required="{school: 0, enterprise: 1}")
    first = open_with_change(as_, cr_app, title="一")
    second = open_with_change(as_, cr_app, old="单独制动阀", new="单独制动阀（小闸）", title="二")
    for n in (first, second):
        review(as_, "reviewer", n, "approve")
    seen_main = detail(as_, "reviewer", first)["main"]
    assert merge(as_, "reviewer", first, seen_main).status_code == 200
    lost = merge(as_, "maintainer", second, seen_main)
    assert lost.status_code == 409 and lost.json["error"]["code"] == "change_request.main_moved"
    assert "update the change request from main" in lost.json["error"]["message"]
    assert detail(as_, "teacher", second)["behind_main"] == 2  # the first CR's commit and its merge
    updated = as_("teacher").api("POST", f"/books/{BOOK}/change-requests/{second}/update")
    assert updated.status_code == 200
    run_pending(cr_app)
    review(as_, "reviewer", second, "approve")
    assert merge(as_, "reviewer", second, detail(as_, "reviewer", second)["main"]).status_code == 200
    text = main_text(cr_app)
    assert "列车管定压（修订）" in text and "单独制动阀（小闸）" in text


def test_update_from_main_with_colliding_passages_shows_every_text_and_keeps_the_resolution(cr_app, as_):
    first = open_with_change(as_, cr_app, new="列车管定压（甲）", title="甲")
    second = open_with_change(as_, cr_app, new="列车管定压（乙）", title="乙")
    set_policy(cr_app, required="{school: 0, enterprise: 1}")
    review(as_, "reviewer", first, "approve")
    assert merge(as_, "reviewer", first).status_code == 200
    teacher = as_("teacher")
    page = post_form(teacher, f"/books/{BOOK}/change-requests/{second}/update",
                     page=f"/books/{BOOK}/change-requests/{second}")
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert "列车管定压（甲）" in html and "列车管定压（乙）" in html and "&lt;&lt;&lt;&lt;&lt;&lt;&lt;" in html
    lib = Library(cr_app.config["LIBRARY_PATH"])
    head, main = lib.branch_head(f"cr/{second}"), lib.resolve("main")
    resolved = lib.read_text(f"cr/{second}", CHAPTER).replace("列车管定压（乙）", "列车管定压（甲乙合并）")
    still_marked = teacher.api("POST", f"/books/{BOOK}/change-requests/{second}/update/resolve",
                               {"head": head, "main": main, "files": {CHAPTER: "<<<<<<< yours\nx\n"}})
    assert still_marked.status_code == 409
    done = teacher.api("POST", f"/books/{BOOK}/change-requests/{second}/update/resolve",
                       {"head": head, "main": main, "files": {CHAPTER: resolved}})
    assert done.status_code == 200, done.json
    assert lib.is_ancestor(main, f"cr/{second}")  # a real merge of main
    assert detail(as_, "teacher", second)["behind_main"] == 0
    assert "列车管定压（甲乙合并）" in lib.read_text(f"cr/{second}", CHAPTER)


# ------------------------------------------------------------------ pages and permissions

def test_files_page_shows_markdown_and_rendered_differences_and_standard_items(cr_app, as_):
    client = as_("teacher")
    number = client.api("POST", f"/books/{BOOK}/change-requests", {"title": "对标调整"}).json["number"]
    text = main_text(cr_app)
    changed = text.replace("L3.K.2.2.1]", "L3.K.2.2.1, L4.S.2.1.2X]", 1)  # a reference that does not exist
    changed = changed.replace("列车管定压", "列车管的定压", 1)
    client.api("POST", f"/books/{BOOK}/change-requests/{number}/commits",
               {"files": {CHAPTER: changed}, "message": "Align",
                "base": Library(cr_app.config["LIBRARY_PATH"]).resolve(f"cr/{number}")})
    run_pending(cr_app)
    files = client.get(f"/books/{BOOK}/change-requests/{number}/files", headers={"Accept-Language": "en"})
    html = files.get_data(as_text=True)
    assert "As students read it" in html and "<mark>" in html
    show = client.get(f"/books/{BOOK}/change-requests/{number}", headers={"Accept-Language": "en"})
    html = show.get_data(as_text=True)
    assert "L4.S.2.1.2X" in html  # added to the front matter
    state = detail(as_, "teacher", number)
    alignment = next(c for c in state["checks"] if c["name"] == "alignment")
    assert alignment["status"] == "failed"
    finding = alignment["findings"][0]
    line = next(i for i, text in enumerate(changed.splitlines(), 1) if text.startswith("standards:"))
    assert finding["path"] == CHAPTER and finding["line"] == line
    assert finding["url"].endswith(f"/files#L-books_locomotive-maintenance_chapters_03-brake-test_md-{line}")
    assert "check “alignment” failed" in [m["text"] for m in state["missing"]]


def test_a_check_finding_reads_the_same_on_the_page_and_in_the_api_in_the_readers_language(cr_app, as_):
    client = as_("teacher")
    created = client.api("POST", f"/books/{BOOK}/change-requests", {"title": "新增一章"}).json
    extra = f"books/{BOOK}/chapters/99-extra.md"
    client.api("POST", f"/books/{BOOK}/change-requests/{created['number']}/commits",
               {"files": {extra: "---\ntitle: 附录\n---\n正文\n"}, "message": "Add a chapter", "base": created["head"]})
    run_pending(cr_app)
    url = f"/books/{BOOK}/change-requests/{created['number']}"
    for language, said in (("zh-CN", "章节 99-extra.md 未列入 book.yml 的目录"),
                           ("en", "99-extra.md is not in the navigation of book.yml")):
        state = client.get(f"/api{url}", headers={"Accept-Language": language}).json
        findings = next(c for c in state["checks"] if c["name"] == "front-matter")["findings"]
        assert [f["text"] for f in findings] == [said]
        assert said in client.get(url, headers={"Accept-Language": language}).get_data(as_text=True)


def test_outsiders_and_readers_are_refused(cr_app, as_):
    number = open_with_change(as_, cr_app)
    assert as_("outsider").get(f"/books/{BOOK}/change-requests/{number}").status_code == 403
    assert as_("outsider").api("GET", f"/books/{BOOK}/change-requests").status_code == 403
    assert as_("reader").get(f"/books/{BOOK}/change-requests/{number}").status_code == 200
    assert review(as_, "reader", number, "approve").status_code == 403
    assert review(as_, "teacher", number, "approve").status_code == 403  # authors do not review
    assert as_("reader").api("POST", f"/books/{BOOK}/change-requests", {"title": "x"}).status_code == 403
    other = as_("technician").api("POST", f"/books/{BOOK}/change-requests/{number}/commits",
                                  {"files": {CHAPTER: "x"}, "message": "m",
                                   "base": detail(as_, "teacher", number)["change_request"]["head"]})
    assert other.status_code == 403  # someone else's change request


def test_starting_to_edit_offers_my_open_change_requests_or_a_new_one(cr_app, as_):
    teacher = as_("teacher")
    first = open_with_change(as_, cr_app)
    page = teacher.get(f"/books/{BOOK}/change-requests/new?chapter=03-brake-test.md",
                       headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert f"#{first} 修订制动机试验" in page
    assert 'value="修改《制动机的检查与试验》"' in page
    created = post_form(teacher, f"/books/{BOOK}/change-requests/new",
                        {"title": "修改《制动机的检查与试验》", "chapter": ""})
    assert created.status_code == 302
    with new_session(cr_app) as session:
        newest = session.query(ChangeRequest).order_by(ChangeRequest.number.desc()).first()
    # The editor's branch is now the chosen change request's.
    from server.landing import may_write_branch, working_branch
    with cr_app.test_request_context():
        from flask import session as flask_session
        from server.accounts.models import User
        from server.database import db
        user = db().query(User).filter_by(username="teacher").one()
        flask_session["jb.change_request"] = {BOOK: newest.number}
        assert working_branch(user, BOOK) == f"cr/{newest.number}"
        assert may_write_branch(user, BOOK, f"cr/{first}")
        other = db().query(User).filter_by(username="technician").one()
        assert not may_write_branch(other, BOOK, f"cr/{first}")


def test_lists_mine_and_awaiting_my_review(cr_app, as_):
    number = open_with_change(as_, cr_app)
    mine = as_("teacher").api("GET", "/change-requests?filter=mine").json["change_requests"]
    assert [c["number"] for c in mine] == [number]
    awaiting = as_("reviewer").api("GET", "/change-requests?filter=review").json["change_requests"]
    assert [c["number"] for c in awaiting] == [number]
    home = as_("reviewer").get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(rf"#{number} 修订制动机试验", home)
    review(as_, "reviewer", number, "approve")
    assert as_("reviewer").api("GET", "/change-requests?filter=review").json["change_requests"] == []
    listing = as_("reader").api("GET", f"/books/{BOOK}/change-requests").json["change_requests"]
    assert [c["number"] for c in listing] == [number]


def test_change_request_endpoints_are_in_the_openapi_document(cr_app):
    document = cr_app.test_client().get("/api/openapi.json").json
    paths = document["paths"]
    assert "/api/books/{book}/change-requests/{number}/merge" in paths
    assert "/api/books/{book}/change-requests/{number}/suggestions/{suggestion_id}/apply" in paths
    assert "/api/notifications" in paths


def test_opening_the_editor_without_a_change_request_asks_to_start_one(signed_in):
    client = signed_in("teacher")
    chapter = "03-brake-test.md"
    first = client.get(f"/books/{STARTER_BOOK}/chapters/{chapter}/edit")
    assert first.status_code == 302
    assert f"/books/{STARTER_BOOK}/change-requests/new?chapter={chapter}" in first.headers["Location"]
    branch = start_change_request(client, chapter=chapter)
    again = client.get(f"/books/{STARTER_BOOK}/chapters/{chapter}/edit")
    assert again.status_code == 200
    assert branch in again.get_data(as_text=True)  # the editor names the change request it saves into


def test_book_and_personal_lists_show_a_change_request_to_every_member(cr_app, as_):
    number = open_with_change(as_, cr_app, title="列表里的修改")
    for who in ("teacher", "technician", "reviewer", "maintainer", "reader"):
        listed = as_(who).get(f"/books/{BOOK}/change-requests", headers={"Accept-Language": "en"})
        assert listed.status_code == 200, (who, listed.get_data(as_text=True)[:300])
        html = listed.get_data(as_text=True)
        assert f"#{number} 列表里的修改" in html and ">Open</span>" in html
        mine = as_(who).get("/change-requests", headers={"Accept-Language": "en"})
        assert mine.status_code == 200, (who, mine.get_data(as_text=True)[:300])
    assert ">Open</span>" in as_("teacher").get("/change-requests", headers={"Accept-Language": "en"}).get_data(as_text=True)


# ------------------------------------------------------------------ checks of heads that moved on

def checks_jobs(app, row_id: int) -> dict[str, tuple[str, str]]:
    """head -> (status, log) of each checks job of one change request."""
    with new_session(app) as session:
        jobs = session.query(Job).filter(Job.kind == "change_request.checks").order_by(Job.id)
        return {j.payload["head"]: (j.status, j.log) for j in jobs if j.payload["id"] == row_id}


def check_statuses(app, row_id: int, head: str) -> set[str]:
    with new_session(app) as session:
        return {c.status for c in session.query(CheckRun).filter_by(change_request_id=row_id, head=head)}


def test_a_save_from_the_editor_queues_the_checks_of_its_head_at_once(cr_app, as_):
    client = as_("teacher")
    created = client.api("POST", f"/books/{BOOK}/change-requests", {"title": "编辑器里保存"}).json
    branch = f"cr/{created['number']}"
    file = CHAPTER.rsplit("/", 1)[1]
    saved = client.api("PUT", f"/books/{BOOK}/chapters/{file}",
                       {"text": main_text(cr_app) + "\n编辑器保存。\n", "base": created["head"], "branch": branch})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    head = saved.json["sha"]
    with new_session(cr_app) as session:
        row = session.query(ChangeRequest).filter_by(number=created["number"]).one()
        assert row.head == head  # nobody has opened the change request since
        row_id = row.id
    assert checks_jobs(cr_app, row_id)[head][0] == "queued"
    run_pending(cr_app)
    assert checks_jobs(cr_app, row_id)[head][0] == "succeeded"


def test_checks_of_a_head_that_moved_on_are_cancelled_and_never_run(cr_app, as_):
    client = as_("teacher")
    created = client.api("POST", f"/books/{BOOK}/change-requests", {"title": "连续两次保存"}).json
    url = f"/books/{BOOK}/change-requests/{created['number']}/commits"
    text = main_text(cr_app)
    first = client.api("POST", url, {"files": {CHAPTER: text + "\n第一次保存。\n"}, "message": "One",
                                     "base": created["head"]}).json["sha"]
    second = client.api("POST", url, {"files": {CHAPTER: text + "\n第一次保存。\n第二次保存。\n"}, "message": "Two",
                                      "base": first}).json["sha"]
    with new_session(cr_app) as session:
        row_id = session.query(ChangeRequest).filter_by(number=created["number"]).one().id

    run_pending(cr_app)
    jobs = checks_jobs(cr_app, row_id)
    assert jobs[created["head"]][0] == jobs[first][0] == "cancelled"
    assert jobs[second][0] == "succeeded"
    assert check_statuses(cr_app, row_id, first) == {"pending"}  # never run
    assert "pending" not in check_statuses(cr_app, row_id, second)

    with new_session(cr_app) as session:  # queued by a process that had not seen the new head yet
        late = enqueue(session, "change_request.checks", {"id": row_id, "head": first}, key=f"cr-checks:late:{first}")
    run_pending(cr_app)
    with new_session(cr_app) as session:
        dropped = session.get(Job, late.id)
        assert dropped.status == "cancelled" and "moved on" in dropped.log
    assert check_statuses(cr_app, row_id, first) == {"pending"}


def test_a_preview_of_a_head_that_moved_on_is_not_built(cr_app, as_):
    from server.sites.previews import preview_built, request_preview

    number = open_with_change(as_, cr_app)
    with new_session(cr_app) as session:
        first_head = session.query(ChangeRequest).filter_by(number=number).one().base  # before the edit
    with cr_app.app_context():
        job = request_preview(BOOK, number, first_head)
    run_pending(cr_app)
    with new_session(cr_app) as session:
        dropped = session.get(Job, job.id)
        assert dropped.status == "cancelled" and "moved on" in dropped.log
    with cr_app.app_context():
        assert preview_built(number) is None
