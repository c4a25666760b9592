"""Bad input through the editor changes nothing: traversal, .git, option-like names, forged
forms; and no script an author types ever reaches a page unescaped."""
from __future__ import annotations

import re

import pytest

from helpers import csrf_from

BOOK = "locomotive-maintenance"
CHAPTER = "03-brake-test.md"
BAD_FILES = [".git", "..", "-rf.md", ".git.md.", "x.txt", "..md", "%2e%2e"]
REFUSED_ASSET_NAMES = {".git", "..", "-rf.md", "%2e%2e"}
BAD_NAMES = ["../outside.md", "../../etc/passwd.md", ".git/config.md", "-x.md", "sub//dir.md", "a/b/c/d/e/f.md", "sub.md/dir.md", "ｓub/dir.md", ".hidden.md", "a b.md", "x.md\nevil"]
XSS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    "<svg><script>alert(1)</script></svg>",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<iframe src="https://evil.example"></iframe>',
    "![x](javascript:alert(1))",
    '<div style="background:url(javascript:alert(1))" onclick="alert(1)">x</div>',
]


@pytest.fixture
def teacher(teacher_in_change_request):
    return teacher_in_change_request


def state(lib):
    return dict(lib.branches())


def test_path_traversal_and_git_paths_are_refused_by_every_path_taking_endpoint(teacher, lib):
    before = state(lib)
    base = lib.resolve("main")
    for bad in BAD_FILES:
        # an asset name the path rules refuse is a 400; a well-formed one names no asset: 404
        asset = 400 if bad in REFUSED_ASSET_NAMES else 404
        requests = [
            ("GET", f"/books/{BOOK}/chapters/{bad}/edit", None, 400),
            ("POST", f"/books/{BOOK}/chapters/{bad}/edit", {"data": {"base": base, "title": "t", "body": "x"}}, 400),
            ("GET", f"/books/{BOOK}/chapters/{bad}/rename", None, 400),
            ("POST", f"/books/{BOOK}/chapters/{bad}/rename", {"data": {"filename": "ok.md"}}, 400),
            ("POST", f"/books/{BOOK}/chapters/{bad}/move", {"data": {"direction": "up"}}, 400),
            ("POST", f"/books/{BOOK}/chapters/{bad}/delete", {"data": {}}, 400),
            ("GET", f"/api/books/{BOOK}/chapters/{bad}", None, 400),
            ("PUT", f"/api/books/{BOOK}/chapters/{bad}", {"json": {"base": base, "text": "---\ntitle: t\n---\n"}},
             400),
            ("POST", f"/api/books/{BOOK}/chapters/{bad}/rename", {"json": {"filename": "ok.md"}}, 400),
            ("POST", f"/api/books/{BOOK}/chapters/{bad}/move", {"json": {"direction": "up"}}, 400),
            ("DELETE", f"/api/books/{BOOK}/chapters/{bad}", None, 400),
            ("GET", f"/books/{BOOK}/assets/raw/{bad}", None, 404),
            ("GET", f"/books/{BOOK}/assets/{bad}/delete", None, asset),
            ("DELETE", f"/api/books/{BOOK}/assets/{bad}", None, asset),
        ]
        for method, url, kwargs, status in requests:
            response = teacher.open(url, method=method, **(kwargs or {}))
            assert response.status_code == status, f"{method} {url} answered {response.status_code}"
    for bad in BAD_NAMES:
        for method, url, kwargs in [
            ("POST", f"/books/{BOOK}/chapters/{CHAPTER}/rename", {"data": {"filename": bad}}),
            ("POST", f"/api/books/{BOOK}/chapters/{CHAPTER}/rename", {"json": {"filename": bad}}),
            ("POST", f"/books/{BOOK}/chapters/new", {"data": {"title": "t", "part": "0", "filename": bad}}),
            ("POST", f"/api/books/{BOOK}/chapters", {"json": {"title": "t", "filename": bad}}),
        ]:
            response = teacher.open(url, method=method, **kwargs)
            assert response.status_code == 400, f"{method} {url} {bad!r} answered {response.status_code}"
    assert teacher.get(f"/books/{BOOK}/assets/raw/../book.yml").status_code == 404
    assert teacher.get(f"/books/{BOOK}/assets/raw/..%2Fbook.yml").status_code == 404
    assert teacher.get(f"/books/{BOOK}/assets/raw/brake-system.svg?branch=--upload-pack=x").status_code == 404
    assert state(lib) == before  # nothing was written anywhere


def test_refusals_are_said_in_the_readers_language(teacher):
    response = teacher.post(f"/api/books/{BOOK}/chapters/{CHAPTER}/rename", json={"filename": "../x.md"},
                            headers={"Accept-Language": "zh-CN"})
    assert response.json["error"]["code"] == "chapter.name"
    assert "章节文件名" in response.json["error"]["message"]
    page = teacher.post(f"/books/{BOOK}/chapters/{CHAPTER}/rename", data={"filename": ".git"},
                        headers={"Accept-Language": "en"})
    assert "A chapter file name uses letters" in page.get_data(as_text=True)


def test_xss_payloads_never_reach_the_preview(teacher):
    for payload in XSS:
        html = teacher.post(f"/api/books/{BOOK}/preview",
                            json={"text": f"正文\n\n{payload}\n\n行内 {payload} 结束"}).json["html"]
        lowered = html.lower()
        for forbidden in ("<script", "onerror", "onload", "onclick", "javascript:", "<svg", "<iframe", "style=\"background"):
            assert forbidden not in lowered, f"{forbidden} survived {payload!r}: {html}"


def test_saved_script_is_escaped_in_the_editor_and_the_conflict_screen(teacher, lib):
    chapter = teacher.get(f"/api/books/{BOOK}/chapters/{CHAPTER}").json
    evil = "</textarea><script>alert(1)</script><img src=x onerror=alert(1)>"
    fm = {**chapter["front_matter"], "title": '"><script>alert(2)</script>', "objectives": ['"><b onmouseover=x>']}
    assert teacher.put(f"/api/books/{BOOK}/chapters/{CHAPTER}",
                       json={"base": chapter["base"], "front_matter": fm, "body": evil}).status_code == 200
    html = teacher.get(f"/books/{BOOK}/chapters/{CHAPTER}/edit").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b onmouseover" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;" in html
    conflict = teacher.post(f"/books/{BOOK}/chapters/{CHAPTER}/edit", data={
        "base": chapter["base"], "title": "other", "body": "<script>alert(3)</script>"})
    assert conflict.status_code == 409
    assert "<script>alert" not in conflict.get_data(as_text=True)


def test_forms_without_a_csrf_token_are_refused_and_change_nothing(signed_in, lib):
    client = signed_in("teacher")  # no X-CSRFToken header, no token field
    before = state(lib)
    base = lib.resolve("main")
    assert client.post(f"/books/{BOOK}/chapters/{CHAPTER}/edit",
                       data={"base": base, "title": "t", "body": "x"}).status_code == 400
    assert client.post(f"/books/{BOOK}/chapters/{CHAPTER}/edit",
                       data={"base": base, "title": "t", "body": "x", "csrf_token": "forged"}).status_code == 400
    assert client.post(f"/books/{BOOK}/chapters/new", data={"title": "t"}).status_code == 400
    assert client.post(f"/books/{BOOK}/chapters/{CHAPTER}/delete").status_code == 400
    assert client.post(f"/books/{BOOK}/parts/new", data={"title": "t"}).status_code == 400
    assert client.put(f"/api/books/{BOOK}/chapters/{CHAPTER}",
                      json={"base": base, "text": "---\ntitle: t\n---\n"}).status_code == 400
    assert client.post(f"/api/books/{BOOK}/preview", json={"text": "x"}).status_code == 400
    assert state(lib) == before


def test_readers_and_outsiders_cannot_edit(signed_in, lib):
    for username in ("reader", "outsider"):
        client = signed_in(username)
        client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_from(client, "/")
        assert client.get(f"/books/{BOOK}/chapters/{CHAPTER}/edit").status_code == 403
        assert client.put(f"/api/books/{BOOK}/chapters/{CHAPTER}",
                          json={"base": lib.resolve("main"), "text": "---\ntitle: t\n---\n"}).status_code == 403
    assert not [b for b in lib.branches() if b.startswith("drafts/")]


def test_editor_page_has_no_inline_script(teacher):
    html = teacher.get(f"/books/{BOOK}/chapters/{CHAPTER}/edit").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)
