"""Creating a book: the "New book" page, the API and ``jointbook book create``, from either template."""
from __future__ import annotations

from click.testing import CliRunner

from helpers import csrf_from
from materials import Library
from materials.tasks import TASK_SECTIONS
from server.cli import main

ZH = {"Accept-Language": "zh-CN"}


def _post_new(client, **fields):
    data = {"title": "城轨车辆制动系统检修", "slug": "metro-brakes", "template": "classic", "language": "zh-CN",
            "license": "CC-BY-SA-4.0", "edition": "2026", **fields}
    return client.post("/books/new", data={**data, "csrf_token": csrf_from(client, "/books/new")}, headers=ZH)


def test_administrator_creates_a_classic_book_from_the_page(signed_in, lib):
    admin = signed_in("admin")
    listing = admin.get("/books", headers=ZH).get_data(as_text=True)
    assert 'href="/books/new"' in listing and "新建教材" in listing
    form = admin.get("/books/new", headers=ZH).get_data(as_text=True)
    assert "工作手册式" in form and "机车检修工" in form  # the templates, and the catalogue's standard to pick
    before = lib.resolve("main")
    created = _post_new(admin, school="某某铁道职业技术学院", enterprises="某某机务段\n某某车辆厂",
                        standards="sample-noss-locomotive-maintenance@2026")
    assert created.status_code == 302 and created.headers["Location"].endswith("/books/metro-brakes")
    page = admin.get("/books/metro-brakes", headers=ZH).get_data(as_text=True)
    assert "城轨车辆制动系统检修" in page and "课程导入" in page and "第一篇" in page
    assert "城轨车辆制动系统检修" in admin.get("/books", headers=ZH).get_data(as_text=True)

    # one commit on main, by the administrator, with their side
    head = lib.resolve("main")
    commits = lib.log(head, "books/metro-brakes")
    assert len(commits) == 1 and lib.log(head, limit=2)[1].sha == before
    assert commits[0].sha == head and commits[0].author_name == "Admin" and commits[0].side == "school"
    book = lib.book("metro-brakes")
    assert book.problems == [] and [c.title for c in book.chapters] == ["课程导入", "第一章"]
    assert book.config.edition == "2026" and book.config.standards == ("sample-noss-locomotive-maintenance@2026",)
    assert [i["name"] for i in book.config.institutions] == ["某某铁道职业技术学院", "某某机务段", "某某车辆厂"]
    # the creator is the book's maintainer
    books = {b["name"]: b["role"] for b in admin.get("/api/books").json["books"]}
    assert books["metro-brakes"] == "maintainer"


def test_a_workbook_from_the_api_has_work_tasks_with_their_sheets(signed_in, lib):
    admin = signed_in("admin")
    token = csrf_from(admin, "/books/new")
    response = admin.post("/api/books", json={"slug": "brake-workbook", "title": "制动机检修工作手册",
                                              "template": "workbook"}, headers={"X-CSRFToken": token})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json["name"] == "brake-workbook" and response.json["url"] == "/books/brake-workbook"
    book = lib.book("brake-workbook")
    assert book.problems == [] and len(book.chapters) == 2
    for chapter in book.chapters:
        assert chapter.meta.task is not None
        assert chapter.meta.task.record.columns and chapter.meta.task.evaluation.total == 100
        headings = [line[3:] for line in chapter.body.splitlines() if line.startswith("## ")]
        assert headings == list(TASK_SECTIONS)
    assert lib.log("main", "books/brake-workbook")[0].sha == response.json["commit"]


def test_a_taken_or_reserved_name_is_refused_with_a_clear_message(signed_in, lib):
    admin = signed_in("admin")
    before = lib.resolve("main")
    taken = _post_new(admin, slug="locomotive-maintenance")
    assert taken.status_code == 409
    assert "简称 locomotive-maintenance 已被另一本教材使用" in taken.get_data(as_text=True)
    reserved = _post_new(admin, slug="new")
    assert reserved.status_code == 409
    token = csrf_from(admin, "/books/new")
    api = admin.post("/api/books", json={"slug": "locomotive-maintenance", "title": "重复"},
                     headers={"X-CSRFToken": token, "Accept-Language": "en"})
    assert api.status_code == 409 and api.json["error"]["code"] == "book.exists"
    assert "already taken" in api.json["error"]["message"]
    assert lib.resolve("main") == before


def test_a_bad_short_name_is_refused_and_nothing_changes(signed_in, lib):
    admin = signed_in("admin")
    before = lib.resolve("main")
    for slug in ("Metro Brakes", "-x", "../escape", "a" * 64, "制动"):
        response = _post_new(admin, slug=slug)
        assert response.status_code == 422, slug
        assert "小写字母" in response.get_data(as_text=True)
    token = csrf_from(admin, "/books/new")
    api = admin.post("/api/books", json={"slug": "Bad Name", "title": "x"}, headers={"X-CSRFToken": token})
    assert api.status_code == 422 and api.json["error"]["code"] == "book.slug_invalid"
    unknown = admin.post("/api/books", json={"slug": "good-name", "title": "x", "standards": ["nope@1"]},
                         headers={"X-CSRFToken": token})
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "standard.not_found"
    no_title = _post_new(admin, title="   ")
    assert no_title.status_code == 422
    assert lib.resolve("main") == before and "good-name" not in lib.books("main")


def test_only_administrators_may_create_books(signed_in, client, lib):
    maintainer = signed_in("maintainer")
    assert 'href="/books/new"' not in maintainer.get("/books").get_data(as_text=True)
    assert maintainer.get("/books/new").status_code == 403
    token = csrf_from(maintainer, "/books")
    assert maintainer.post("/books/new", data={"csrf_token": token, "title": "x", "slug": "x"}).status_code == 403
    refused = maintainer.post("/api/books", json={"slug": "x", "title": "x"}, headers={"X-CSRFToken": token})
    assert refused.status_code == 403
    assert client.get("/books/new").status_code == 302  # to the sign-in page
    assert "x" not in lib.books("main")


def test_book_create_on_the_command_line(app, database_url, lib):
    runner = CliRunner()
    instance = app.config["JOINTBOOK_INSTANCE"]
    env = {"DATABASE_URL": database_url, "LIBRARY_PATH": app.config["LIBRARY_PATH"]}
    done = runner.invoke(main, ["--instance", instance, "book", "create", "rail-workbook", "--title", "轨道工作手册",
                                "--template", "workbook"], env=env, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "rail-workbook" in done.output and "admin is its maintainer" in done.output
    assert Library(app.config["LIBRARY_PATH"]).book("rail-workbook").chapters[0].meta.task is not None
    again = runner.invoke(main, ["--instance", instance, "book", "create", "rail-workbook", "--title", "x"], env=env)
    assert again.exit_code != 0 and "book.exists" in again.output
    bad = runner.invoke(main, ["--instance", instance, "book", "create", "Bad", "--title", "x", "--as", "teacher"],
                        env=env)
    assert bad.exit_code != 0 and "http.403" in bad.output  # a teacher is no administrator


def test_the_review_policy_and_first_members_are_set_when_the_book_is_created(signed_in, lib):
    admin = signed_in("admin")
    created = _post_new(admin, school_approvals="2", enterprise_approvals="1",
                        members="teacher author\ntechnician reviewer\n")
    assert created.status_code == 302, created.get_data(as_text=True)[:500]
    assert lib.book("metro-brakes").config.review["required"] == {"school": 2, "enterprise": 1}
    roles = {b["name"]: b["role"] for b in signed_in("technician").get("/api/books").json["books"]}
    assert roles["metro-brakes"] == "reviewer"
    assert {b["name"]: b["role"] for b in signed_in("teacher").get("/api/books").json["books"]}["metro-brakes"] \
        == "author"
    # an unknown person or a bad line: refused, nothing written
    before = lib.resolve("main")
    unknown = _post_new(admin, slug="second-book", members="nobody author")
    assert unknown.status_code == 404 and "nobody" in unknown.get_data(as_text=True)
    bad = _post_new(admin, slug="second-book", members="teacher boss")
    assert bad.status_code == 422 and "“teacher boss”：请写用户名和以下角色之一" in bad.get_data(as_text=True)
    token = csrf_from(admin, "/books/new")
    api = admin.post("/api/books", json={"slug": "second-book", "title": "第二本",
                                         "required": {"school": 1, "enterprise": 2},
                                         "members": [{"username": "reviewer", "role": "maintainer"}]},
                     headers={"X-CSRFToken": token})
    assert api.status_code == 201, api.get_data(as_text=True)
    assert lib.book("second-book").config.review["required"] == {"school": 1, "enterprise": 2}
    assert lib.log("main", limit=2)[1].sha == before
