"""A chapter in a folder (``chapters/chapter_tree/binary_tree.md``) and a part whose own page is the folder's
``index.md``: read, edited and saved in the app, written by a change request's commit, renamed and moved like
any chapter, at addresses that keep their folders (and the flat chapters' addresses as they were)."""
from __future__ import annotations

import pytest
from flask import url_for

from helpers import csrf_from
from materials import Author, Library, Write

BOOK = "locomotive-maintenance"
ROOT = f"books/{BOOK}"
NESTED = "chapter_tree/binary_tree.md"
PAGE = "chapter_tree/index.md"
TREE_TEXT = ("---\ntitle: 二叉树\n---\n\n每个节点至多两个孩子。\n\n![制动系统](../../assets/brake-system.svg)\n\n"
             "回到[本篇](index.md)。\n")
PAGE_TEXT = "---\ntitle: 树\n---\n\n本篇讲树。\n"
PART = "  - part: 第九篇 树\n    page: chapter_tree/index.md\n    chapters: [chapter_tree/binary_tree.md]\n"
MAINTAINER = Author("Maintainer", "maintainer@college.example", "school")


def _with_nested_part(lib: Library) -> None:
    book_yml = lib.read_text("main", f"{ROOT}/book.yml")
    head, tail = book_yml.split("navigation:\n", 1)
    parts, rest = tail, ""
    for key in ("review:", "site:", "print:", "redirects:"):  # the part goes at the end of the navigation
        if f"\n{key}" in tail:
            parts, rest = tail.split(f"\n{key}", 1)
            rest = f"{key}{rest}"
            break
    book_yml = f"{head}navigation:\n{parts.rstrip()}\n{PART}{rest}"
    lib.commit("main", [Write(f"{ROOT}/book.yml", book_yml), Write(f"{ROOT}/chapters/{NESTED}", TREE_TEXT),
                        Write(f"{ROOT}/chapters/{PAGE}", PAGE_TEXT)], MAINTAINER, "A part in a folder",
               base=lib.resolve("main"))
    assert lib.book(BOOK).problems == []


@pytest.fixture
def teacher(lib, signed_in):
    """The teacher inside a change request, over a book with a part in a folder; ``.api`` sends JSON."""
    _with_nested_part(lib)
    client = signed_in("teacher")
    token = csrf_from(client, "/")
    client.api = lambda method, url, json=None: client.open(f"/api{url}", method=method, json=json, headers={
        "X-CSRFToken": token, "Accept-Language": "zh-CN"})
    created = client.api("POST", f"/books/{BOOK}/change-requests", {"title": "树"})
    assert created.status_code == 201, created.json
    client.number, client.branch = created.json["number"], created.json["branch"]
    return client


def test_a_chapter_in_a_folder_is_listed_read_and_opened_in_the_editor_at_its_folders_address(teacher, app):
    book = teacher.get(f"/books/{BOOK}").get_data(as_text=True)
    assert f'href="/books/{BOOK}/chapters/{NESTED}"' in book and "二叉树" in book
    reading = teacher.get(f"/books/{BOOK}/chapters/{NESTED}")
    assert reading.status_code == 200 and "每个节点至多两个孩子" in reading.get_data(as_text=True)
    assert f"/books/{BOOK}/assets/raw/brake-system.svg" in reading.get_data(as_text=True)  # ../../assets/ from the folder
    editor = teacher.get(f"/books/{BOOK}/chapters/{NESTED}/edit?branch={teacher.branch}")
    assert editor.status_code == 200 and 'value="二叉树"' in editor.get_data(as_text=True)
    structure = teacher.get(f"/books/{BOOK}/structure?branch={teacher.branch}", headers={"Accept-Language": "zh-CN"})
    assert f'data-file="{PAGE}">本篇首页：' in structure.get_data(as_text=True)
    with app.test_request_context():  # a flat chapter's addresses are those they always were
        assert url_for("editor.edit", book=BOOK, file="03-brake-test.md") == f"/books/{BOOK}/chapters/03-brake-test.md/edit"
        assert url_for("editor.edit", book=BOOK, file=NESTED) == f"/books/{BOOK}/chapters/{NESTED}/edit"


def test_saving_a_chapter_in_a_folder_lands_on_the_change_request_and_shows_in_its_history(teacher, lib):
    api = f"/books/{BOOK}/chapters/{NESTED}"
    chapter = teacher.api("GET", f"{api}?branch={teacher.branch}").json
    saved = teacher.api("PUT", api, {"base": chapter["base"], "front_matter": chapter["front_matter"],
                                     "body": chapter["body"] + "\n满二叉树的每层都是满的。\n", "branch": teacher.branch})
    assert saved.status_code == 200, saved.json
    assert "满二叉树" in lib.read_text(teacher.branch, f"{ROOT}/chapters/{NESTED}")
    assert "满二叉树" not in lib.read_text("main", f"{ROOT}/chapters/{NESTED}")
    assert [c.author_name for c in lib.log(teacher.branch, f"{ROOT}/chapters/{NESTED}")] == ["Teacher", "Maintainer"]
    history = teacher.api("GET", f"{api}/history")  # the book's history: main's
    assert history.status_code == 200 and [c["author_name"] for c in history.json["commits"]] == ["Maintainer"]
    assert teacher.get(f"/books/{BOOK}/chapters/{NESTED}/history").status_code == 200
    assert teacher.get(f"/books/{BOOK}/chapters/{NESTED}/blame").status_code == 200


def test_a_change_requests_commit_writes_a_new_chapter_in_a_folder_and_the_structure_keeps_the_parts_page(
        teacher, lib):
    url = f"/books/{BOOK}/change-requests/{teacher.number}"
    head = teacher.api("GET", url).json["change_request"]["head"]
    written = teacher.api("POST", f"{url}/commits", {
        "files": {f"{ROOT}/chapters/chapter_tree/traversal.md": "---\ntitle: 遍历\n---\n\n前序、中序、后序。\n"},
        "message": "遍历", "base": head})
    assert written.status_code in (200, 201), written.json
    assert lib.book(BOOK, teacher.branch).chapter("chapter_tree/traversal.md").title == "遍历"
    structure = f"/books/{BOOK}/chapters"
    moved = teacher.api("POST", f"{structure}/{NESTED}/move", {"direction": "down", "branch": teacher.branch})
    assert moved.status_code == 200, moved.json
    renamed = teacher.api("POST", f"{structure}/{PAGE}/rename", {"filename": "chapter_tree/overview.md",
                                                                   "branch": teacher.branch})
    assert renamed.status_code == 200, renamed.json
    part = next(p for p in renamed.json["parts"] if p["title"] == "第九篇 树")
    assert part["page"] == "chapter_tree/overview.md" and part["chapters"] == [NESTED]
    refused = teacher.api("POST", f"{structure}/chapter_tree/overview.md/move",
                          {"direction": "up", "branch": teacher.branch})
    assert refused.status_code == 409 and "所在篇的首页" in refused.json["error"]["message"]
    assert lib.book(BOOK, teacher.branch).config.navigation[-1].page == "chapter_tree/overview.md"


@pytest.mark.parametrize("name", ["chapter_tree/../book.md", "a/b/c/d/e/f.md", "树/binary_tree.md",
                                  "chapter_tree//binary_tree.md", ".git/x.md"])
def test_a_name_no_chapter_may_have_is_refused_and_nothing_is_written(teacher, lib, name):
    before = lib.branches()[teacher.branch]
    created = teacher.api("POST", f"/books/{BOOK}/chapters", {"title": "坏名字", "filename": name,
                                                               "branch": teacher.branch})
    assert created.status_code == 400 and created.json["error"]["code"] == "chapter.name"
    assert "至多四层" in created.json["error"]["message"]
    assert lib.branches()[teacher.branch] == before
