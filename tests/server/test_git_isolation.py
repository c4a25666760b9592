"""The server's history and change-request pages read git as it is, whatever git configuration
the server's account carries; a git that hangs answers a clear message; an API commit names its base."""
from __future__ import annotations

import os
import re

from helpers import csrf_from, sign_in
from materials import Author, Library, Write

BOOK = "locomotive-maintenance"
CHAPTER = "03-brake-test.md"
PATH = f"books/{BOOK}/chapters/{CHAPTER}"
OLD_LINE = "它以电子信号代替传统的机械阀控制，主要由五部分组成："
NEW_LINE = "它以电子信号代替传统的机械阀控制，主要由六部分组成："
SCHOOL = Author("王老师", "wang@example.edu.cn", "school")
ZH = {"Accept-Language": "zh-CN"}
CUT = re.compile(r"(?<!bo)oks/locomotive")  # a path that lost its first two characters to diff.noprefix


def _api(client):
    token = csrf_from(client, "/")

    def call(method, url, json=None, language="en"):
        return client.open(f"/api{url}", method=method, json=json,
                           headers={"X-CSRFToken": token, "Accept-Language": language})

    return call


def _page(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True)


def test_history_and_change_request_pages_ignore_the_servers_git_configuration(app, signed_in, hostile_git):
    hostile_git()
    lib = Library(app.config["LIBRARY_PATH"])
    before = lib.resolve("main")
    first = lib.log("main")[-1].sha  # the library's first commit: shown against the empty tree
    text = lib.read_text("main", PATH)
    edited = lib.commit("main", [Write(PATH, text.replace(OLD_LINE, NEW_LINE, 1))], SCHOOL, "改为六部分",
                        base=before).sha
    reader = signed_in("reader")
    pages = [f"/books/{BOOK}/compare?from={before}&to={edited}", f"/books/{BOOK}/commits/{edited}",
             f"/books/{BOOK}/commits/{first}", f"/books/{BOOK}/history",
             f"/books/{BOOK}/chapters/{CHAPTER}/history", f"/books/{BOOK}/chapters/{CHAPTER}/blame"]
    for url in pages:
        page = _page(reader.get(url, headers=ZH))
        assert not CUT.search(page) and "HIJACKED" not in page and "\x1b[" not in page, url
    assert PATH in _page(reader.get(pages[0]))
    compared = reader.get(f"/api/books/{BOOK}/compare", query_string={"from": before, "to": edited}).json
    assert [(f["old_path"], f["new_path"]) for f in compared["files"]] == [(PATH, PATH)]
    blame = reader.get(f"/api/books/{BOOK}/chapters/{CHAPTER}/blame").json
    assert [l["author_name"] for l in blame["lines"] if l["text"] == NEW_LINE] == ["王老师"]

    teacher = signed_in("teacher")
    api = _api(teacher)
    created = api("POST", f"/books/{BOOK}/change-requests", {"title": "修订制动机试验", "description": ""})
    assert created.status_code == 201, created.json
    number, head = created.json["number"], created.json["head"]
    edit = lib.read_text(head, PATH).replace(NEW_LINE, NEW_LINE + "（修订）", 1)
    saved = api("POST", f"/books/{BOOK}/change-requests/{number}/commits",
                {"files": {PATH: edit}, "message": "Edit", "base": head})
    assert saved.status_code == 201, saved.json
    files = _page(teacher.get(f"/books/{BOOK}/change-requests/{number}/files", headers=ZH))
    assert PATH in files and not CUT.search(files)
    diff = api("GET", f"/books/{BOOK}/change-requests/{number}/diff").json
    assert [f["new_path"] for f in diff["files"]] == [PATH]


def test_a_change_request_commit_without_its_base_is_refused_and_changes_nothing(app, signed_in):
    api = _api(signed_in("teacher"))
    created = api("POST", f"/books/{BOOK}/change-requests", {"title": "修订", "description": ""})
    number, head = created.json["number"], created.json["head"]
    refused = api("POST", f"/books/{BOOK}/change-requests/{number}/commits",
                  {"files": {PATH: "---\ntitle: 覆盖\n---\n正文\n"}, "message": "Edit"}, language="zh-CN")
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "request.invalid"
    assert "请求无效" in refused.json["error"]["message"] and "base" in refused.json["error"]["message"]
    assert api("GET", f"/books/{BOOK}/change-requests/{number}").json["change_request"]["head"] == head
    assert Library(app.config["LIBRARY_PATH"]).branch_head(f"cr/{number}") == head
    document = api("GET", "/openapi.json").json
    assert "base" in document["components"]["schemas"]["ChangeRequestCommit"]["required"]


def test_a_git_that_hangs_answers_a_clear_message_in_the_readers_language(make_app):
    app = make_app(GIT_TIMEOUT=0.5)
    reader = app.test_client()
    sign_in(reader, "reader")
    lib = Library(app.config["LIBRARY_PATH"])
    os.mkfifo(lib.path / "objects" / "info" / "alternates")  # git waits for a writer that never comes
    page = reader.get(f"/books/{BOOK}/history", headers=ZH)
    assert page.status_code == 503
    assert "超时" in page.get_data(as_text=True)
    assert app.config["GIT_TIMEOUT"] == 0.5
