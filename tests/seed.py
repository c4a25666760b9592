"""One instance with one of everything, made the way people make it: through the platform's API and pages.

``seed_instance(directory, starter_library, password_hash)`` builds an app over
a copy of the starter library and fills it: a second book, change requests in
every state (with line comments, a suggestion, approvals, a request for
changes, a conflict with main, a co-author, a preview), a published release with its
printed book and EPUB, feedback of
every kind (answered, unanswered, a published answer), an imported standard and a crosswalk to it,
jobs that succeeded, failed and are still queued, notifications and the audit
log they leave. The crawler (tests/server/test_crawler.py) signs in as each
person and reads every page.

People are created as tests/server/conftest.py creates them (a precomputed,
cheap scrypt hash: hashing is deliberately slow); everything else goes
through the API a browser's scripts or a power user call, or the forms.
"""
from __future__ import annotations

import io
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

import textbook_review_steps as steps
from helpers import csrf_from, sign_in
from materials import Author, Library, Write
from server.app import create_app
from server.database import new_session
from server.jobs.queue import run_pending
from server.jobs.models import Job
from server.accounts.models import Membership, User

BOOK = "locomotive-maintenance"
SECOND_BOOK = "pantograph-workshop"
CREATED_BOOK = "metro-workbook"  # created from the "workbook" template through the API
WORD_FILE = Path(__file__).parent / "materials" / "docx_corpus" / "libreoffice.docx"
MKDOCS_PROJECT = {"mkdocs.yml": "site_name: 制动机&nbsp;检修\nnav:\n  - 制动:\n      - brake/index.md\n",
                  "docs/brake/index.md": "---\nhide: [toc]\n---\n# 制动机\n\n![图](index.assets/a.png)\n",
                  "docs/brake/index.assets/a.png": "PNG"}
BRAKE_TEST = f"books/{BOOK}/chapters/03-brake-test.md"
PANTOGRAPH = f"books/{BOOK}/chapters/04-pantograph.md"
RUNNING_GEAR = f"books/{BOOK}/chapters/05-traction-motor-running-gear.md"
STARTER_STANDARD = "sample-noss-locomotive-maintenance@2026"
IMPORTED_STANDARD = "cn-noss-test-brakes@2024"
VERSION = "1.0"

# username: (side, administrator, role on the starter book)
PEOPLE = {
    "admin": ("school", True, None),
    "maintainer": ("school", False, "maintainer"),
    "teacher": ("school", False, "author"),
    "technician": ("enterprise", False, "author"),
    "reviewer": ("enterprise", False, "reviewer"),
    "reader": ("school", False, "reader"),
    "outsider": ("enterprise", False, None),  # made a reader of the second book only
}

SECOND_BOOK_YML = f"""title: 受电弓检修实训
language: zh-CN
license: CC-BY-SA-4.0
edition: "2026"
standards: [{STARTER_STANDARD}]
navigation:
  - part: 实训项目
    chapters: [01-inspection.md]
review:
  required: {{school: 1, enterprise: 1}}
  self_approval: false
  dismiss_stale_approvals: true
  checks: [front-matter, alignment]
  direct_commits: false
  merge_method: merge
"""
SECOND_BOOK_CHAPTER = """---
title: 受电弓外观检查
standards: [L5.S.2.2.1]
objectives:
  - 能在停电、接地条件下完成受电弓外观检查
---

## 作业准备

确认接触网已停电并挂好接地线，然后登顶检查受电弓滑板。
"""
# A part whose own page is its folder's index.md, and a chapter in that folder with a picture of the book
NESTED_PART = "  - part: 受电弓的结构\n    page: structure/index.md\n    chapters: [structure/slide-plate.md]\n"
NESTED_CHAPTERS = {
    "structure/index.md": "---\ntitle: 受电弓的结构\n---\n\n本篇先讲[滑板](slide-plate.md)。\n",
    "structure/slide-plate.md": "---\ntitle: 受电弓滑板\n---\n\n## 滑板的磨耗\n\n![滑板](../../assets/slide-plate.svg)\n\n"
                                "回到[外观检查](../01-inspection.md)。\n",
}
SLIDE_PLATE_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10">'
                   b'<rect width="40" height="10" fill="#888"/></svg>')
STANDARD_SHEET = "层级,类别,编号,内容,上级编号\r\nL4,F,1,机车检查,\r\nL4,C,1.1,制动机检查,\r\nL4,S,1.1.1,能完成五步闸试验,\r\n"
STANDARD_META = {"csv-standard_id": IMPORTED_STANDARD, "csv-title": "制动机检修（测试）", "csv-scheme": "cn-noss",
                 "csv-edition": "2024", "csv-status": "current", "csv-language": "zh-CN",
                 "csv-levels": "L4 四级/中级工"}


@dataclass
class Seeded:
    """The seeded instance and what a test needs to find its parts again."""

    app: Flask
    numbers: dict[str, int] = field(default_factory=dict)  # what the change request shows -> its number
    feedback: dict[str, int] = field(default_factory=dict)  # kind of feedback -> its number
    follow_url: str = ""  # a reader's private link to their question
    import_report: str = ""  # the teacher's Word import, waiting for confirmation
    mkdocs_report: str = ""  # the teacher's MkDocs import, waiting too
    converting_report: str = ""  # a Word upload of the teacher's whose conversion job has not run yet
    standard_report: str = ""  # the maintainer's standard upload, waiting on its dry-run report
    jobs: dict[str, int] = field(default_factory=dict)  # status -> a job in that status
    reviews: dict[str, int] = field(default_factory=dict)  # state of a textbook review -> its number
    clients: dict[str, Any] = field(default_factory=dict)
    database: str = "sqlite"

    @property
    def lib(self) -> Library:
        return Library(self.app.config["LIBRARY_PATH"])

    def client(self, username: str):
        """A test client signed in as ``username`` (one per person, kept), with ``.api(method, url, json)``."""
        if username not in self.clients:
            client = sign_in(self.app.test_client(), username)
            token = csrf_from(client, "/account")

            def api(method: str, url: str, json: Any = None, expect: int | None = None, _client=client, _token=token):
                response = _client.open(f"/api{url}", method=method, json=json,
                                        headers={"X-CSRFToken": _token, "Accept-Language": "en"})
                if expect is not None:
                    assert response.status_code == expect, (method, url, response.status_code,
                                                            response.get_data(as_text=True)[:500])
                return response

            client.api = api
            self.clients[username] = client
        return self.clients[username]


def seed_instance(directory: Path, starter_library: Path, password_hash: str,
                  database_url: str | None = None) -> Seeded:
    """Build the app over ``directory`` (and ``database_url``, by default a SQLite file there) and fill it
    with one of everything; it takes seconds: a release and a preview are built."""
    library = directory / "library.git"
    shutil.copytree(starter_library, library)
    app = create_app({
        "JOINTBOOK_INSTANCE": str(directory / "instance"), "DATABASE_URL": database_url or f"sqlite:///{directory / 'jb.db'}",
        "LIBRARY_PATH": str(library), "SITES_DIR": str(directory / "sites"),
        "PREVIEWS_DIR": str(directory / "previews"), "SECRET_KEY": "test-secret", "TESTING": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PLATFORM_URL": "http://localhost",
    })
    _add_people(app, password_hash)
    seeded = Seeded(app)
    _add_second_book(seeded)
    _created_book_and_word_import(seeded)
    _release(seeded)
    _change_requests(seeded)
    _feedback(seeded)
    _import_standard(seeded)
    _crosswalk(seeded)
    _tokens_and_jobs(seeded)
    _textbook_reviews(seeded)
    _import_being_converted(seeded)  # last: no job runs after it
    return seeded


def _add_people(app: Flask, password_hash: str) -> None:
    with new_session(app) as session:
        for name, (side, admin, role) in PEOPLE.items():
            user = User(username=name, display_name=name.title(), side=side, is_admin=admin, active=True,
                        password_hash=password_hash)
            session.add(user)
            if role:
                session.add(Membership(user=user, book=BOOK, role=role))
        session.commit()


def _add_second_book(seeded: Seeded) -> None:
    """A second book (the platform has no page that creates one: a maintainer commits it to the library),
    with a part whose own page and chapter are in a folder of chapters/."""
    lib = seeded.lib
    book_yml = SECOND_BOOK_YML.replace("review:", NESTED_PART + "review:", 1)
    lib.commit("main", [Write(f"books/{SECOND_BOOK}/book.yml", book_yml),
                        Write(f"books/{SECOND_BOOK}/chapters/01-inspection.md", SECOND_BOOK_CHAPTER),
                        *[Write(f"books/{SECOND_BOOK}/chapters/{name}", text) for name, text in NESTED_CHAPTERS.items()],
                        Write(f"books/{SECOND_BOOK}/assets/slide-plate.svg", SLIDE_PLATE_SVG)],
               Author("Admin", "admin@college.example", "school"), "Add the pantograph workshop book",
               base=lib.resolve("main"))
    admin = seeded.client("admin")
    admin.api("PUT", f"/books/{SECOND_BOOK}/members/outsider", {"role": "reader"}, expect=200)
    admin.api("PUT", f"/books/{SECOND_BOOK}/members/technician", {"role": "author"}, expect=200)
    admin.api("PUT", f"/books/{SECOND_BOOK}/members/maintainer", {"role": "maintainer"}, expect=200)


def _created_book_and_word_import(seeded: Seeded) -> None:
    """A workbook an administrator creates through the API, and a Word file and a MkDocs project the teacher
    uploads into the starter book, whose reports wait for their confirmation."""
    seeded.client("admin").api("POST", "/books", {"slug": CREATED_BOOK, "title": "城轨车辆检修工作手册",
                                                  "template": "workbook", "school": "某某铁道职业技术学院",
                                                  "enterprises": ["某某地铁车辆段"]}, expect=201)
    client = seeded.client("teacher")
    form = f"/books/{BOOK}/import/word"
    response = client.post(form, data={"csrf_token": csrf_from(client, form), "split_level": "1",
                                       "document": (io.BytesIO(WORD_FILE.read_bytes()), "机车检查.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    seeded.import_report = urlsplit(response.headers["Location"]).path
    site = io.BytesIO()
    with zipfile.ZipFile(site, "w") as archive:
        for name, text in MKDOCS_PROJECT.items():
            archive.writestr(name, text)
    form = f"/books/{BOOK}/import/mkdocs"
    response = client.post(form, data={"csrf_token": csrf_from(client, form),
                                       "project": (io.BytesIO(site.getvalue()), "brakes-site.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    seeded.mkdocs_report = urlsplit(response.headers["Location"]).path
    run_pending(seeded.app)  # the uploads' conversions: both reports wait for confirmation


def _import_being_converted(seeded: Seeded) -> None:
    """A Word file the teacher uploaded whose conversion is still queued: its page says so and refreshes."""
    client = seeded.client("teacher")
    form = f"/books/{BOOK}/import/word"
    response = client.post(form, data={"csrf_token": csrf_from(client, form), "split_level": "2",
                                       "document": (io.BytesIO(WORD_FILE.read_bytes()), "第二份教案.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    seeded.converting_report = urlsplit(response.headers["Location"]).path


def _release(seeded: Seeded) -> None:
    """Version 1.0 of the starter book, published by its job (tag, site, versions.json), then its downloads
    by theirs: the printed book and the EPUB (the starter book has no work task, so no task sheets)."""
    seeded.client("maintainer").api("POST", f"/books/{BOOK}/releases", {"version": VERSION, "message": "第一版"},
                                    expect=202)
    run_pending(seeded.app)
    made = Path(seeded.app.config["SITES_DIR"]) / BOOK / VERSION / "downloads"
    assert sorted(p.name for p in made.iterdir()) == [f"{BOOK}-{VERSION}.epub", f"{BOOK}-{VERSION}.pdf"]


def _open(seeded: Seeded, who: str, title: str, edits: dict[str, tuple[str, str]] | None = None, *,
          book: str = BOOK, draft: bool = False) -> int:
    """Open a change request as ``who`` and commit ``edits`` (path -> (old, new) passage) into it."""
    client = seeded.client(who)
    created = client.api("POST", f"/books/{book}/change-requests", {"title": title, "description": "说明：" + title,
                                                                   "draft": draft}, expect=201)
    number = created.json["number"]
    if edits:
        head = created.json["head"]
        files = {}
        for path, (old, new) in edits.items():
            text = seeded.lib.read_text(head, path)
            assert old in text, (path, old)
            files[path] = text.replace(old, new, 1)
        client.api("POST", f"/books/{book}/change-requests/{number}/commits",
                   {"files": files, "message": title, "base": head}, expect=201)
    return number


def _line_of(seeded: Seeded, number: int, path: str, passage: str) -> int:
    lines = seeded.lib.read_text(f"cr/{number}", path).splitlines()
    return next(i for i, line in enumerate(lines, 1) if passage in line)


def _review(seeded: Seeded, who: str, number: int, verdict: str, body: str = "", book: str = BOOK) -> None:
    seeded.client(who).api("POST", f"/books/{book}/change-requests/{number}/reviews",
                           {"verdict": verdict, "body": body}, expect=201)


def _change_requests(seeded: Seeded) -> None:
    numbers = seeded.numbers
    # In review: an inline comment with a reply, a resolved thread, a suggestion, one approval per side
    # and a request for changes; its checks (and so its preview) are built.
    numbers["in_review"] = n = _open(seeded, "teacher", "补充受电弓静态接触压力的测量步骤",
                                     {PANTOGRAPH: ("正常运行时只升后弓", "正常运行时只升后弓（前弓备用）")})
    run_pending(seeded.app)
    _checks_without_site_build(seeded)
    line = _line_of(seeded, n, PANTOGRAPH, "前弓备用")
    comments = f"/books/{BOOK}/change-requests/{n}/comments"
    top = seeded.client("reviewer").api("POST", comments, {"body": "请注明段里的规定", "path": PANTOGRAPH,
                                                           "line": line}, expect=201).json
    seeded.client("teacher").api("POST", comments, {"body": "已补充", "parent_id": top["id"]}, expect=201)
    general = seeded.client("maintainer").api("POST", comments, {"body": "结构清楚"}, expect=201).json
    seeded.client("teacher").api("POST", f"{comments}/{general['id']}/resolve", {"resolved": True}, expect=200)
    seeded.client("reviewer").api("POST", f"/books/{BOOK}/change-requests/{n}/suggestions",
                                  {"path": PANTOGRAPH, "start_line": line, "body": "建议写明原因",
                                   "replacement": "正常运行时只升后弓，前弓作为备用。"}, expect=201)
    _review(seeded, "maintainer", n, "approve", "内容准确")
    _review(seeded, "reviewer", n, "request_changes", "与现场作业指导书不一致")

    # Merged: changes the brake test's passage that the conflicting change request changes too.
    numbers["conflicting"] = c = _open(seeded, "teacher", "制动机试验：定压（学校方）",
                                       {BRAKE_TEST: ("列车管定压", "列车管定压（学校方修订）")})
    # Co-written: the teacher asks the technician to write it with them; the technician saves into it,
    # on the passage the merged one changes too, so it collides with main as well.
    numbers["co_written"] = w = _open(seeded, "teacher", "制动机试验：校企合写")
    seeded.client("teacher").api("POST", f"/books/{BOOK}/change-requests/{w}/co-authors",
                                 {"username": "technician"}, expect=201)
    seeded.client("teacher").api("PUT", f"/books/{BOOK}/change-requests/{w}/co-authors/openness",
                                 {"closed_to_others": True}, expect=200)  # the two of them, no one else joins
    head = seeded.lib.branch_head(f"cr/{w}")
    text = seeded.lib.read_text(head, BRAKE_TEST)
    seeded.client("technician").api("POST", f"/books/{BOOK}/change-requests/{w}/commits",
                                    {"files": {BRAKE_TEST: text.replace("列车管定压", "列车管定压（校企合写）", 1)},
                                     "message": "补充现场数据", "base": head}, expect=201)
    numbers["merged"] = m = _open(seeded, "technician", "制动机试验：定压（企业方）",
                                  {BRAKE_TEST: ("列车管定压", "列车管定压（企业方修订）"),
                                   RUNNING_GEAR: ("## ", "## （修订）")})
    run_pending(seeded.app)
    _review(seeded, "reviewer", m, "approve")
    _review(seeded, "maintainer", m, "approve")
    seeded.client("maintainer").api("POST", f"/books/{BOOK}/change-requests/{m}/merge", {}, expect=200)
    # The conflicting one tries to update from main: the passages collide (nothing changes).
    seeded.client("teacher").api("POST", f"/books/{BOOK}/change-requests/{c}/update", expect=409)

    numbers["draft"] = _open(seeded, "technician", "草稿：走行部检查补充图示", draft=True)
    numbers["closed"] = closed = _open(seeded, "teacher", "不再需要的修改",
                                       {RUNNING_GEAR: ("## ", "## （已放弃）")})
    seeded.client("teacher").api("POST", f"/books/{BOOK}/change-requests/{closed}/state", {"action": "close"},
                                 expect=200)
    numbers["second_book"] = _open(seeded, "technician", "补充作业准备", book=SECOND_BOOK,
                                   edits={f"books/{SECOND_BOOK}/chapters/01-inspection.md": ("确认", "首先确认")})
    run_pending(seeded.app)
    _continue_editing(seeded, "teacher", n)
    _continue_editing(seeded, "technician", numbers["draft"])


def _continue_editing(seeded: Seeded, who: str, number: int) -> None:
    """``who`` chooses their change request on its page: the editor then saves into it."""
    client = seeded.client(who)
    page = f"/books/{BOOK}/change-requests/{number}"
    token = csrf_from(client, page)
    chosen = client.post(f"{page}/edit", data={"csrf_token": token, "chapter": ""})
    assert chosen.status_code == 302, chosen.get_data(as_text=True)[:300]


def _checks_without_site_build(seeded: Seeded) -> None:
    """The starter's policy builds the site on every head (seconds each): one preview is enough here."""
    lib = seeded.lib
    path = f"books/{BOOK}/book.yml"
    text = lib.read_text("main", path)
    assert "checks: [front-matter, alignment, build]" in text
    lib.commit("main", [Write(path, text.replace("checks: [front-matter, alignment, build]",
                                                 "checks: [front-matter, alignment]"))],
               Author("Maintainer", "maintainer@college.example", "school"), "Check sites at release time only",
               base=lib.resolve("main"))


def _feedback(seeded: Seeded) -> None:
    """Readers of version 1.0 send one of each kind; the team answers the question publicly."""
    anonymous = seeded.app.test_client()
    page = "chapters/03-brake-test.md"
    sent = {
        "error": {"text": "表中的压力单位写错了", "selection": "列车管定压"},
        "suggestion": {"text": "建议增加一张五步闸试验的流程图"},
        "question": {"text": "为什么要做五步闸试验？", "name": "小王", "contact": "wang@example.cn"},
        "rating": {"rating": 4, "helpful": True, "text": ""},
    }
    for kind, fields in sent.items():
        response = anonymous.post("/api/feedback", json={"book": BOOK, "version": VERSION, "page": page,
                                                         "kind": kind, "website": "", **fields})
        assert response.status_code == 201, (kind, response.get_data(as_text=True)[:300])
        seeded.feedback[kind] = response.json["id"]
        if kind == "question":
            seeded.follow_url = urlsplit(response.json["follow_url"]).path
    team = seeded.client("maintainer")
    items = f"/books/{BOOK}/feedback"
    team.api("POST", f"{items}/{seeded.feedback['question']}/replies",
             {"text": "五步闸试验检查制动机各位置的作用是否良好。", "public": True}, expect=201)
    team.api("PUT", f"{items}/{seeded.feedback['error']}/assignee", {"username": "teacher"}, expect=200)
    team.api("POST", f"{items}/{seeded.feedback['rating']}/state", {"state": "accepted"}, expect=200)
    opened = team.api("POST", f"{items}/{seeded.feedback['suggestion']}/change-request", expect=201)
    seeded.numbers["from_feedback"] = opened.json["number"]
    # A second error is fixed: its change request is written, approved by both sides and merged, so the
    # usage-tracking report has an error fixed by a change request.
    fixed = anonymous.post("/api/feedback", json={"book": BOOK, "version": VERSION, "page": page, "kind": "error",
                                                  "website": "", "text": "制动距离的单位应为米"})
    assert fixed.status_code == 201, fixed.get_data(as_text=True)[:300]
    number = team.api("POST", f"{items}/{fixed.json['id']}/change-request", expect=201).json["number"]
    head = seeded.lib.branch_head(f"cr/{number}")
    text = seeded.lib.read_text(head, BRAKE_TEST)
    assert "## 制动距离计算" in text
    team.api("POST", f"/books/{BOOK}/change-requests/{number}/commits",
             {"files": {BRAKE_TEST: text.replace("## 制动距离计算", "## 制动距离计算（单位：米）", 1)},
              "message": "制动距离注明单位", "base": head}, expect=201)
    run_pending(seeded.app)
    _review(seeded, "reviewer", number, "approve")
    _review(seeded, "admin", number, "approve")
    team.api("POST", f"/books/{BOOK}/change-requests/{number}/merge", {}, expect=200)


def _import_standard(seeded: Seeded) -> None:
    """A maintainer imports a standard from a filled sheet: it arrives as a change request, which is merged."""
    client = seeded.client("maintainer")
    form = f"/books/{BOOK}/standards/import"
    token = csrf_from(client, form)
    sheet = (io.BytesIO(STANDARD_SHEET.encode("utf-8-sig")), "sheet.csv")
    report = client.post(form, data={**STANDARD_META, "csrf_token": token, "csv-sheet": sheet},
                         content_type="multipart/form-data")
    assert report.status_code == 302, report.get_data(as_text=True)[:500]
    url = urlsplit(report.headers["Location"]).path  # the dry-run report first; confirmed, it opens the change request
    response = client.post(url, data={"confirm-csrf_token": csrf_from(client, url), "confirm-go": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    seeded.numbers["standard_import"] = n = int(re.search(r"/change-requests/(\d+)", response.headers["Location"])[1])
    run_pending(seeded.app)
    _review(seeded, "reviewer", n, "approve")
    _review(seeded, "admin", n, "approve")
    seeded.client("admin").api("POST", f"/books/{BOOK}/change-requests/{n}/merge", {}, expect=200)
    # the next edition, uploaded from the printed table as a workbook and waiting on its dry-run report
    waiting = client.post(form, content_type="multipart/form-data", data={
        **STANDARD_META, "csv-standard_id": "cn-noss-test-brakes@2025", "csv-edition": "2025",
        "csrf_token": csrf_from(client, form),
        "csv-sheet": (io.BytesIO(STANDARD_SHEET.replace("五步闸", "制动缸").encode("utf-16")), "制动机检修.txt")})
    assert waiting.status_code == 302, waiting.get_data(as_text=True)[:500]
    seeded.standard_report = urlsplit(waiting.headers["Location"]).path


def _crosswalk(seeded: Seeded) -> None:
    """A maintainer matches the starter standard's items with the imported one's (书证融通) on the crosswalk page;
    the change request it opens is approved and merged, so the crosswalk and certificate pages have data."""
    client = seeded.client("maintainer")
    page = f"/books/{BOOK}/crosswalks/new?source={STARTER_STANDARD}&target={IMPORTED_STANDARD}"
    html = client.get(page).get_data(as_text=True)
    rows = dict((key, name) for name, key in re.findall(r'name="(cw-rows-\d+)-source" type="hidden" value="([^"]+)"', html))
    data = {"cw-csrf_token": csrf_from(client, page), "cw-title": "机车检修工 ↔ 制动机检修（测试）"}
    for key, name in rows.items():
        data.update({f"{name}-source": key, f"{name}-target": "", f"{name}-kind": "exact"})
    data.update({f"{rows['L4.S.2.1.1']}-target": "L4.S.1.1.1", f"{rows['L4.C.2.1']}-target": "1.1",
                 f"{rows['L4.C.2.1']}-kind": "related"})
    response = client.post(page, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    seeded.numbers["crosswalk"] = n = int(re.search(r"/change-requests/(\d+)", response.headers["Location"])[1])
    run_pending(seeded.app)
    _review(seeded, "reviewer", n, "approve")
    _review(seeded, "admin", n, "approve")
    seeded.client("admin").api("POST", f"/books/{BOOK}/change-requests/{n}/merge", {}, expect=200)


def _tokens_and_jobs(seeded: Seeded) -> None:
    """A personal access token; a release that fails (its version was tagged meanwhile) and one still queued."""
    seeded.client("teacher").api("POST", "/tokens", {"name": "笔记本电脑"}, expect=201)
    maintainer = seeded.client("maintainer")
    failing = maintainer.api("POST", f"/books/{BOOK}/releases", {"version": "1.1"}, expect=202).json["job"]
    seeded.lib.create_tag(f"{BOOK}/v1.1", "main", Author("Editor", "editor@college.example", "school"),
                          "Released by hand meanwhile")
    run_pending(seeded.app)
    queued = maintainer.api("POST", f"/books/{BOOK}/releases", {"version": "2.0"}, expect=202).json["job"]
    with new_session(seeded.app) as session:
        statuses = {job.id: job.status for job in session.query(Job)}
    seeded.jobs = {"failed": failing["id"], "queued": queued["id"],
                   "succeeded": next(i for i, s in statuses.items() if s == "succeeded")}
    assert statuses[failing["id"]] == "failed" and statuses[queued["id"]] == "queued", statuses


REVIEW_PANEL = [("reviewer", "某机务段技术科", "enterprise"), ("outsider", "某机车车辆厂", "enterprise"),
                ("reader", "某铁道职业技术学院", "school")]


def _textbook_reviews(seeded: Seeded) -> None:
    """A review in every state: 1.0 sent back for revision (its revisions linked to change requests), 1.1
    resubmitted and passed, release candidates rejected, awaiting signatures, in reading and just submitted."""
    candidates = ["1.2-rc.1", "1.2-rc.2", "1.2-rc.3", "1.2-rc.4"]
    for version in candidates:
        seeded.lib.create_tag(f"{BOOK}/v{version}", "main", Author("Maintainer", "maintainer@college.example",
                                                                   "school"), f"Release candidate {version}")
    maintainer, admin = seeded.client("maintainer"), seeded.client("admin")
    people = {name: seeded.client(name) for name, _, _ in REVIEW_PANEL}
    votes = {name: None for name in people}

    def through(version: str, until: str, conclusion: str = "passed", revisions: str = "") -> int:
        number = steps.submit(maintainer, BOOK, version, f"{version} 送审")
        if until == "submitted":
            return number
        assert steps.form_panel(admin, BOOK, number, REVIEW_PANEL, "reviewer").status_code == 302
        for i, (name, client) in enumerate(people.items()):
            if until == "reading" and i > 0:
                break
            assert steps.read(client, BOOK, number, ["meets", "meets", "partly"],
                              f"{name}：内容总体符合要求。").status_code == 302
        assert steps.comment(people["outsider"], BOOK, number, "03-brake-test.md", "建议补充现场安全注意事项",
                             passage="五步闸").status_code == 302
        if until == "reading":
            return number
        response = steps.meet(people["reviewer"], BOOK, number, conclusion=conclusion, revisions=revisions,
                              votes={name: conclusion for name in votes})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        for i, client in enumerate(people.values()):
            if until == "signing" and i > 0:
                break
            assert steps.sign(client, BOOK, number).status_code == 302
        return number

    reviews = seeded.reviews
    reviews["resubmit"] = first = through(VERSION, "signed", "resubmit",
                                          "补充制动机试验的安全注意事项\n受电弓检修按现行作业指导书更新")
    steps.link(maintainer, BOOK, first, 1, seeded.numbers["merged"])
    steps.link(maintainer, BOOK, first, 2, seeded.numbers["in_review"])
    reviews["passed"] = through("1.1", "signed")
    reviews["rejected"] = through(candidates[0], "signed", "rejected")
    reviews["signing"] = through(candidates[1], "signing")
    reviews["reading"] = through(candidates[2], "reading")
    reviews["submitted"] = through(candidates[3], "submitted")
    # The edition's date in book.yml: the book page shows when the 3-year revision is due.
    settings = f"books/{BOOK}/book.yml"
    seeded.lib.commit("main", [Write(settings, seeded.lib.read_text("main", settings) + "edition_date: 2024-09\n")],
                      Author("Maintainer", "maintainer@college.example", "school"), "Record the edition's date",
                      base=seeded.lib.resolve("main"))
    # The review dossier of 1.0, made by its job from the releases page.
    releases = f"/books/{BOOK}/releases"
    made = maintainer.post(f"{releases}/{VERSION}/dossier", data={"csrf_token": csrf_from(maintainer, releases),
                                                                 "dossier-back": releases})
    assert made.status_code == 302, made.get_data(as_text=True)[:300]
    run_pending(seeded.app)
