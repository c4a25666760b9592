"""What a change request's commit endpoint lets into a book: the same names as the chapter
endpoints, and YAML read only by the library's safe loader. A refusal changes nothing."""
from __future__ import annotations

import pytest

from helpers import csrf_from
from materials import Library

BOOK = "locomotive-maintenance"
ROOT = f"books/{BOOK}"
CHAPTER = f"{ROOT}/chapters/03-brake-test.md"
BOOK_YML = f"{ROOT}/book.yml"
STANDARD = "standards/sample-noss-locomotive-maintenance@2026.yml"
CHAPTER_TEXT = "---\ntitle: 新的一章\n---\n\n正文。\n"


@pytest.fixture
def teacher(app, signed_in):
    """The teacher with a change request open; ``.api(method, url, json)`` sends JSON with the session."""
    client = signed_in("teacher")
    token = csrf_from(client, "/")
    client.api = lambda method, url, json=None: client.open(f"/api{url}", method=method, json=json, headers={
        "X-CSRFToken": token, "Accept-Language": "en"})
    created = client.api("POST", f"/books/{BOOK}/change-requests", {"title": "补充一章"})
    assert created.status_code == 201, created.json
    client.number = created.json["number"]
    client.branch = created.json["branch"]
    return client


def commit(client, files: dict[str, str]):
    url = f"/books/{BOOK}/change-requests/{client.number}"
    return client.api("POST", f"{url}/commits", {"files": files, "message": "补充",
                                                 "base": client.api("GET", url).json["change_request"]["head"]})


def head(app, client) -> str:
    return Library(app.config["LIBRARY_PATH"]).branches()[client.branch]


@pytest.mark.parametrize("filename", [".hidden.md", "a//b.md", "a/b/c/d/e/f.md", "ａ/b.md", "Ｘ.md", "．．/x.md", "../x.md", "-x.md", "x.txt",
                                      "x.md/", "第三章.md", "x\u200b.md", "ｘ.md"])
def test_the_commit_endpoint_refuses_every_chapter_name_the_chapter_endpoints_refuse(app, teacher, filename):
    before = head(app, teacher)
    by_chapters = teacher.api("POST", f"/books/{BOOK}/chapters",
                              {"title": "新的一章", "filename": filename, "branch": teacher.branch})
    by_commit = commit(teacher, {f"{ROOT}/chapters/{filename}": CHAPTER_TEXT})
    assert by_chapters.status_code == 400
    assert (by_commit.status_code, by_commit.json["error"]["code"]) == \
           (by_chapters.status_code, by_chapters.json["error"]["code"])
    assert filename.split("/")[0] in by_commit.json["error"]["message"]
    assert head(app, teacher) == before


def test_a_name_both_accept_is_written_by_the_commit_endpoint(app, teacher):
    assert commit(teacher, {f"{ROOT}/chapters/08-new.md": CHAPTER_TEXT}).status_code == 201
    assert Library(app.config["LIBRARY_PATH"]).read_text(teacher.branch, f"{ROOT}/chapters/08-new.md") == CHAPTER_TEXT


@pytest.mark.parametrize("path", [f"{ROOT}/．．/library.yml", f"{ROOT}/notes.md", f"{ROOT}/reviews/x.yml",
                                  f"{ROOT}/assets/．．/x.svg", f"{ROOT}/assets/.x.svg", f"{ROOT}/assets/a/b.svg",
                                  f"{ROOT}/．git/config", "standards/sub/x.yml", "library.yml"])
def test_files_outside_a_books_layout_are_refused(app, teacher, path):
    before = head(app, teacher)
    response = commit(teacher, {path: "x: 1\n"})
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"].startswith("path.")
    assert head(app, teacher) == before


BILLION_LAUGHS = "".join([f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10)])


@pytest.mark.parametrize("settings", [
    "title: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
    "title: !custom 机车检修\n",
    "title: 机车检修\nlanguage: !!str zh-CN\nextra: !!binary aGVsbG8=\n",
    "l0: &l0 [哈, 哈]\n" + BILLION_LAUGHS + "title: 机车检修\n",
    "title: &t 机车检修\nsubtitle: *t\n",
])
def test_a_book_yml_with_yaml_tags_or_aliases_is_refused(app, teacher, settings):
    before = head(app, teacher)
    response = commit(teacher, {BOOK_YML: settings})
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "book.invalid"
    assert "settings are not valid" in response.json["error"]["message"] and "YAML" in response.json["error"]["message"]
    assert head(app, teacher) == before


def test_a_book_yml_the_library_cannot_read_is_refused_with_its_line(app, teacher):
    text = Library(app.config["LIBRARY_PATH"]).read_text("main", BOOK_YML)
    response = commit(teacher, {BOOK_YML: text + "navigation: 3\n"})
    assert response.status_code == 400 and response.json["error"]["code"] == "book.invalid"
    assert "line" in response.json["error"]["message"]
    deep = commit(teacher, {BOOK_YML: "title: " + "[" * 990 + "]" * 990 + "\n"})
    assert deep.status_code == 400 and deep.json["error"]["code"] == "book.invalid"
    huge = commit(teacher, {BOOK_YML: "title: 机车检修\ndescription: " + "长" * 1_000_000 + "\n"})
    assert huge.status_code == 400 and huge.json["error"]["code"] == "book.invalid"


def test_front_matter_with_tags_or_aliases_is_refused(app, teacher):
    before = head(app, teacher)
    for front in ("title: !!python/name:os.system x\n", "title: &a 制动\nsummary: *a\n", "title: !x 制动\n"):
        response = commit(teacher, {CHAPTER: f"---\n{front}---\n\n正文。\n"})
        assert response.status_code == 400, response.json
        assert response.json["error"]["code"] == "front_matter.invalid" and "YAML" in response.json["error"]["message"]
    assert head(app, teacher) == before


def test_a_standard_with_tags_or_aliases_is_refused(app, teacher):
    before = head(app, teacher)
    lib = Library(app.config["LIBRARY_PATH"])
    text = lib.read_text("main", STANDARD)
    for bad in (text.replace("title:", "title: !!python/object:os.system\n  x:", 1),
                "l0: &l0 [a, b]\n" + BILLION_LAUGHS):
        response = commit(teacher, {"standards/new-edition@2027.yml": bad})
        assert response.status_code == 400, response.json
        assert response.json["error"]["code"] == "standard.unsafe_yaml"
    assert head(app, teacher) == before


def test_an_svg_committed_as_text_is_cleaned_as_an_upload_is(app, teacher):
    svg = ('<svg xmlns="http://www.w3.org/2000/svg"><set attributeName="href" to="java&#x09;script:alert(1)"/>'
           '<rect width="5" height="5" onclick="alert(1)"/><script>alert(2)</script></svg>')
    assert commit(teacher, {f"{ROOT}/assets/diagram.svg": svg}).status_code == 201
    stored = Library(app.config["LIBRARY_PATH"]).read_text(teacher.branch, f"{ROOT}/assets/diagram.svg")
    assert "<rect" in stored and "set" not in stored and "alert" not in stored
    before = head(app, teacher)
    not_a_png = commit(teacher, {f"{ROOT}/assets/photo.png": "<html>hi</html>"})
    assert not_a_png.status_code == 415 and not_a_png.json["error"]["code"] == "asset.type"
    assert head(app, teacher) == before
