"""Published sites on the platform: students read them, maintainers release, hide and withdraw them.

One library and one sites directory for the whole module (a build takes
seconds): version 1.0 is released with ``build.publish`` when the module
starts, version 2.0 through the releases page and its job. Each test builds
its own app over them.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from flask import render_template_string
from sqlalchemy import select

from helpers import csrf_from, post_form, serving, sign_in
from build.publish import read_versions, release, set_version_state
from materials import OVERWRITE, Author, Library, Write
from server.database import new_session
from server.jobs.queue import run_pending
from server.audit.models import AuditEvent
from server.jobs.models import Job

BOOK = "locomotive-maintenance"
RELEASER = Author("主编 刘", "liu@college.example", "school")
TEACHER = Author("王老师", "wang@college.example", "school")
NEW_CHAPTER = """---
title: 受电弓的检查
objectives:
  - 能完成受电弓滑板磨耗的检查
---

# 受电弓的检查

登顶作业前必须确认接触网已经停电，然后检查受电弓滑板的磨耗。
"""


class Published:
    def __init__(self, root: Path, library: Path, sites: Path):
        self.root, self.library, self.sites = root, library, sites

    @property
    def lib(self) -> Library:
        return Library(self.library)

    def versions(self) -> list[str]:
        return [v["version"] for v in read_versions(self.sites, BOOK)]


@pytest.fixture(scope="module")
def published(tmp_path_factory, starter_library) -> Published:
    """The starter book released as 1.0; then main gains a chapter on pantographs (受电弓)."""
    root = tmp_path_factory.mktemp("published")
    shutil.copytree(starter_library, root / "library.git")
    lib = Library(root / "library.git")
    sites = root / "sites"
    release(lib, BOOK, "1.0", sites, RELEASER, "第一版", cache_dir=sites / ".cache")
    book_yml = lib.read("main", f"books/{BOOK}/book.yml").decode()
    book_yml = book_yml.replace("07-emergency-handling.md]", "07-emergency-handling.md, 08-pantograph.md]")
    lib.commit("main", [Write(f"books/{BOOK}/chapters/08-pantograph.md", NEW_CHAPTER),
                        Write(f"books/{BOOK}/book.yml", book_yml)], TEACHER, "增加受电弓的检查", base=OVERWRITE)
    return Published(root, root / "library.git", sites)


@pytest.fixture
def site_app(make_app, published, tmp_path):
    return make_app(LIBRARY_PATH=str(published.library), SITES_DIR=str(published.sites),
                    PREVIEWS_DIR=str(published.root / "previews"))


@pytest.fixture
def signed_in(site_app):
    """``signed_in("teacher")`` -> a client of the sites' app with that person's session."""

    def sign(username: str):
        client = site_app.test_client()
        sign_in(client, username)
        return client

    return sign


@pytest.fixture
def maintainer(signed_in):
    return signed_in("maintainer")


def release_through_the_page(client, version: str, message: str = "第二版：增加受电弓"):
    """Fill the release form, then confirm the commit shown; returns (confirmation page, final response)."""
    form = f"/books/{BOOK}/releases/new"
    confirm = post_form(client, form, {"version": version, "message": message})
    text = confirm.get_data(as_text=True)
    commit = re.search(r'name="commit" type="hidden" value="([0-9a-f]{40})"', text)
    if commit is None:
        return confirm, None
    token = csrf_from(client, form)
    done = client.post(form, data={"version": version, "message": message, "commit": commit.group(1),
                                   "csrf_token": token})
    return confirm, done


def ensure_two_versions(published: Published) -> None:
    if len(published.versions()) < 2:
        release(published.lib, BOOK, "2.0", published.sites, RELEASER, "第二版", cache_dir=published.sites / ".cache")


# ------------------------------------------------------------------ releasing

def test_maintainer_releases_through_the_page_and_the_job_tags_and_publishes(site_app, maintainer, published):
    version = "2.0" if "2.0" not in published.versions() else "3.0"
    main = published.lib.resolve("main")
    confirm, done = release_through_the_page(maintainer, version)
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and main[:10] in page and "增加受电弓的检查" in page  # what will be tagged
    assert done.status_code == 302
    job_page = maintainer.get(done.headers["Location"])
    assert 'data-job-status="queued"' in job_page.get_data(as_text=True)
    assert 'http-equiv="refresh"' in job_page.get_data(as_text=True)  # follows progress by itself

    assert run_pending(site_app) >= 1
    assert published.lib.tags()[f"{BOOK}/v{version}"] == main
    assert (published.sites / BOOK / version / "chapters" / "08-pantograph.html").is_file()
    job_page = maintainer.get(done.headers["Location"]).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in job_page and 'data-job-status="succeeded"' in job_page
    assert "published locomotive-maintenance/v" in job_page  # the build's log is shown

    listing = maintainer.get(f"/books/{BOOK}/releases").get_data(as_text=True)
    row = re.search(rf'<tr data-version="{re.escape(version)}">(.*?)</tr>', listing, re.S).group(1)
    assert f"{BOOK}/v{version}" in row and main[:10] in row and "最新" in row
    assert maintainer.get(f"/read/{BOOK}/").headers["Location"] == f"/read/{BOOK}/{version}/"

    with new_session(site_app) as session:
        actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.target == f"{BOOK}@{version}")))
        job = session.scalars(select(Job).where(Job.kind == "site.release").order_by(Job.id.desc())).first()
    assert {"site.release_requested", "site.released"} <= actions
    assert job.status == "succeeded" and job.duration > 0 and job.result["tag"] == f"{BOOK}/v{version}"


def test_releasing_an_existing_version_is_refused_with_a_translated_message(maintainer, published):
    confirm, done = release_through_the_page(maintainer, "1.0")
    assert done is None and "1.0 已经发布" in confirm.get_data(as_text=True)
    confirm, done = release_through_the_page(maintainer, "../x")
    assert done is None and "不是有效的版本号" in confirm.get_data(as_text=True)


def test_a_git_revision_name_is_refused_as_a_version_in_the_form_and_the_api(site_app, maintainer, published):
    tags = published.lib.tags()
    confirm, done = release_through_the_page(maintainer, "HEAD")
    assert done is None and "“HEAD”不是有效的版本号" in confirm.get_data(as_text=True)
    token = csrf_from(maintainer, f"/books/{BOOK}/releases/new")
    for version in ("HEAD", "main", "abcdef1", "1.0~1"):
        refused = maintainer.post(f"/api/books/{BOOK}/releases", json={"version": version},
                                  headers={"X-CSRFToken": token, "Accept-Language": "en"})
        assert refused.status_code == 400 and refused.json["error"]["code"] == "release.version_invalid"
        assert f"“{version}” is not a valid version" in refused.json["error"]["message"]
        assert "2026.1" in refused.json["error"]["message"]
    assert published.lib.tags() == tags
    with new_session(site_app) as session:
        assert not session.scalars(select(Job).where(Job.kind == "site.release", Job.status == "queued")).all()


def test_api_lists_versions_and_queues_a_release(site_app, maintainer, published):
    token = csrf_from(maintainer, f"/books/{BOOK}/releases/new")
    listed = maintainer.get(f"/api/books/{BOOK}/releases").json
    assert [r["version"] for r in listed["releases"]][-1] == "1.0"
    assert listed["latest"] == listed["releases"][0]["version"]

    refused = maintainer.post(f"/api/books/{BOOK}/releases", json={"version": "1.0"}, headers={"X-CSRFToken": token})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "release.version_exists"
    queued = maintainer.post(f"/api/books/{BOOK}/releases", json={"version": "9.9", "message": "试一下"},
                             headers={"X-CSRFToken": token})
    assert queued.status_code == 202 and queued.json["job"]["status"] == "queued"
    status = maintainer.get(queued.json["status_url"])
    assert status.json["payload"]["version"] == "9.9"
    with new_session(site_app) as session:  # not built here: the module's sites stay as they are
        session.get(Job, queued.json["job"]["id"]).status = "failed"
        session.commit()
    assert maintainer.get(f"/api/books/{BOOK}/builds").json["jobs"][0]["id"] == queued.json["job"]["id"]


def test_authors_and_readers_cannot_release_hide_or_withdraw(site_app, signed_in):
    for person in ("teacher", "reader"):
        client = signed_in(person)
        assert client.get(f"/books/{BOOK}/releases").status_code == 200  # they see the list
        assert f"/books/{BOOK}/releases/new" not in client.get(f"/books/{BOOK}/releases").get_data(as_text=True)
        assert client.get(f"/books/{BOOK}/releases/new").status_code == 403
        assert client.get(f"/books/{BOOK}/releases/1.0/withdraw").status_code == 403
        assert client.get(f"/books/{BOOK}/builds").status_code == 403
        token = csrf_from(client, "/")
        assert client.post(f"/api/books/{BOOK}/releases", json={"version": "5.0"},
                           headers={"X-CSRFToken": token}).status_code == 403
        assert client.patch(f"/api/books/{BOOK}/releases/1.0", json={"hidden": True},
                            headers={"X-CSRFToken": token}).status_code == 403
    assert signed_in("outsider").get(f"/books/{BOOK}/releases").status_code == 403


def test_hide_and_withdraw_after_confirmation_are_audited(site_app, maintainer, published):
    ensure_two_versions(published)
    try:
        question = maintainer.get(f"/books/{BOOK}/releases/1.0/withdraw").get_data(as_text=True)
        assert "撤回" in question and "1.0" in question
        assert post_form(maintainer, f"/books/{BOOK}/releases/1.0/withdraw").status_code == 302
        entry = next(v for v in read_versions(published.sites, BOOK) if v["version"] == "1.0")
        assert entry["properties"] == {"withdrawn": True}
        row = re.search(r'<tr data-version="1.0">(.*?)</tr>', maintainer.get(f"/books/{BOOK}/releases")
                        .get_data(as_text=True), re.S).group(1)
        assert "已撤回" in row

        assert post_form(maintainer, f"/books/{BOOK}/releases/1.0/hide").status_code == 302
        reader_view = site_app.test_client()
        sign_in(reader_view, "reader")
        assert 'data-version="1.0"' not in reader_view.get(f"/books/{BOOK}/releases").get_data(as_text=True)
        assert site_app.test_client().get(f"/read/{BOOK}/1.0/index.html").status_code == 200  # still readable
        token = csrf_from(maintainer, "/")
        shown = maintainer.patch(f"/api/books/{BOOK}/releases/1.0", json={"hidden": False, "withdrawn": False},
                                 headers={"X-CSRFToken": token})
        assert shown.status_code == 200 and not shown.json["hidden"] and not shown.json["withdrawn"]
        with new_session(site_app) as session:
            changes = [e.details for e in session.scalars(select(AuditEvent).where(
                AuditEvent.action == "site.version_state", AuditEvent.target == f"{BOOK}@1.0"))]
        assert changes == [{"withdrawn": True}, {"hidden": True}, {"hidden": False, "withdrawn": False}]
    finally:
        set_version_state(published.sites, BOOK, "1.0", hidden=False, withdrawn=False)


# ------------------------------------------------------------------ reading

def test_students_read_published_sites_without_an_account(site_app, published):
    client = site_app.test_client()
    latest = client.get(f"/read/{BOOK}/")
    assert latest.status_code == 302 and latest.headers["Location"] == f"/read/{BOOK}/{published.versions()[0]}/"
    page = client.get(f"/read/{BOOK}/1.0/chapters/03-brake-test.html")
    assert page.status_code == 200 and page.mimetype == "text/html" and "制动机的检查与试验" in page.get_data(as_text=True)
    assert client.get(f"/read/{BOOK}/1.0").status_code == 308  # relative links need the slash
    assert client.get(f"/read/{BOOK}/1.0/").status_code == 200
    script = re.search(r'src="\.\./(assets/javascripts/bundle\.[0-9a-f]+\.min\.js)"', page.get_data(as_text=True))
    assert client.get(f"/read/{BOOK}/1.0/{script.group(1)}").mimetype == "text/javascript"
    assert client.get(f"/read/{BOOK}/versions.json").json[-1]["version"] == "1.0"


def test_caching_headers_and_conditional_requests(site_app):
    client = site_app.test_client()
    page = client.get(f"/read/{BOOK}/1.0/chapters/03-brake-test.html")
    # a version's pages can be made again: browsers ask (and get a 304) instead of keeping them a year
    assert "immutable" not in page.headers["Cache-Control"] and "max-age=60" in page.headers["Cache-Control"]
    assert page.headers["ETag"] and page.headers["Last-Modified"]
    again = client.get(f"/read/{BOOK}/1.0/chapters/03-brake-test.html", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
    script = re.search(r'src="\.\./(assets/javascripts/bundle\.[0-9a-f]+\.min\.js)"', page.get_data(as_text=True))
    asset = client.get(f"/read/{BOOK}/1.0/{script.group(1)}").headers["Cache-Control"]
    assert "immutable" in asset and "max-age=31536000" in asset   # its name changes with its content
    for moving in ("versions.json", "latest/index.html", "index.html"):
        headers = client.get(f"/read/{BOOK}/{moving}").headers
        assert "immutable" not in headers["Cache-Control"] and "max-age=60" in headers["Cache-Control"], moving


@pytest.mark.parametrize("accept, coding", [("br, gzip", "br"), ("gzip, deflate", "gzip"), ("gzip;q=1, br;q=0", "gzip"),
                                           ("identity", None), ("", None), ("*", "br")])
def test_pages_go_compressed_as_the_build_made_them_to_browsers_that_accept_it(site_app, published, accept, coding):
    import gzip

    import brotli

    client = site_app.test_client()
    for path in ("chapters/03-brake-test.html", "search/search_index.json"):
        on_disk = (published.sites / BOOK / "1.0" / path).read_bytes()
        response = client.get(f"/read/{BOOK}/1.0/{path}", headers={"Accept-Encoding": accept})
        assert response.status_code == 200 and "Accept-Encoding" in response.headers["Vary"]
        assert response.headers.get("Content-Encoding") == coding
        body = response.get_data()
        assert int(response.headers["Content-Length"]) == len(body)
        unpacked = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[coding](body)
        assert unpacked == on_disk, path
        if coding:
            assert len(body) < len(on_disk) / 3
    picture = client.get(f"/read/{BOOK}/1.0/assets/brake-pressure-steps.png", headers={"Accept-Encoding": accept})
    assert picture.status_code == 200 and "Content-Encoding" not in picture.headers   # already compressed


def test_pages_run_only_their_own_inline_scripts(site_app):
    policy = site_app.test_client().get(f"/read/{BOOK}/1.0/index.html").headers["Content-Security-Policy"]
    scripts = re.search(r"script-src ([^;]+)", policy).group(1)
    assert "'unsafe-inline'" not in scripts and "'sha256-" in scripts


@pytest.mark.parametrize("path", [
    "../../secret_key", "%2e%2e/%2e%2e/secret_key", "1.0/%2e%2e/%2e%2e/%2e%2e/jointbook.db", ".cache/", ".lock",
    "1.0/../.lock", "%2e%2e", "1.0/.%2e/.%2e/.lock", "1.0/..%5c..%5c.lock", "1.0/build.json/../../.lock",
])
def test_dot_names_and_paths_outside_the_sites_are_refused(site_app, published, path):
    # canaries where each path would lead if it were followed: none of them may come back
    for canary in (published.root / "secret_key", published.root / "jointbook.db", published.sites / "index.html",
                   published.sites / ".lock", published.sites / BOOK / ".lock",
                   published.sites / BOOK / ".cache" / "index.html"):
        canary.parent.mkdir(parents=True, exist_ok=True)
        canary.write_text("SECRET canary")
    response = site_app.test_client().get(f"/read/{BOOK}/{path}")
    assert response.status_code == 404 and b"SECRET" not in response.data


def test_unknown_book_or_version_is_a_translated_404(site_app):
    client = site_app.test_client()
    missing = client.get(f"/read/{BOOK}/7.7/index.html", headers={"Accept-Language": "zh-CN"})
    assert missing.status_code == 404 and "没有已发布的版本 7.7" in missing.get_data(as_text=True)
    assert client.get("/read/no-such-book/", headers={"Accept-Language": "en"}).status_code == 404
    assert "has been published yet" in client.get("/read/no-such-book/", headers={"Accept-Language": "en"}) \
        .get_data(as_text=True)


# ------------------------------------------------------------------ previews and the build check

def test_preview_is_built_by_a_job_once_per_tree_and_shown_to_members_only(site_app, published, signed_in):
    from server.sites import previews

    head = published.lib.resolve("main")
    with site_app.test_request_context():
        job = previews.request_preview(BOOK, 41, head)
        assert job is not None and previews.preview_status(BOOK, 41, head).state == "queued"
    run_pending(site_app)
    with site_app.test_request_context():
        status = previews.preview_status(BOOK, 41, head)
        assert status.state == "succeeded" and status.current and status.url == f"/previews/{BOOK}/41/"
        assert previews.request_preview(BOOK, 41, head) is None  # the same tree is never rebuilt

    reader = signed_in("reader")
    page = reader.get(f"/previews/{BOOK}/41/chapters/08-pantograph.html")
    assert page.status_code == 200, page.get_data(as_text=True)[-3000:]
    assert "受电弓滑板" in page.get_data(as_text=True)
    assert "private" in page.headers["Cache-Control"]
    assert reader.get(f"/api/books/{BOOK}/previews/41").json["state"] == "succeeded"
    assert signed_in("outsider").get(f"/previews/{BOOK}/41/").status_code == 403
    anonymous = site_app.test_client().get(f"/previews/{BOOK}/41/")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    assert reader.get(f"/previews/{BOOK}/42/").status_code == 404

    with site_app.test_request_context():
        card = render_template_string('{% from "ui/sites/_preview.html" import preview_card %}'
                                      '{{ preview_card(book, 41, head) }}', book=BOOK, head=head)
        assert f'href="/previews/{BOOK}/41/"' in card and 'data-preview-state="succeeded"' in card
        assert previews.prune(keep={"7"}) == ["41"]  # closed change requests lose their preview
        assert previews.preview_status(BOOK, 41).url is None


def test_build_check_is_registered_and_reports_a_book_that_cannot_be_built(site_app, published):
    from review.checks import registered_checks, run_check

    assert "build" in registered_checks()
    with site_app.app_context():
        result = run_check("build", published.lib, "no-such-book", "main")
    assert result.status == "failed" and result.findings[0].code == "build.book_not_found"


def test_jointbook_command_lists_build_and_release():
    from click.testing import CliRunner

    from server.cli import main

    output = CliRunner().invoke(main, ["--help"]).output
    assert re.search(r"^\s+build\s", output, re.M) and re.search(r"^\s+release\s", output, re.M)


# ------------------------------------------------------------------ in a browser

@pytest.fixture
def reading_server(tmp_path, published, starter_library):
    """The platform over the module's library and sites, served by waitress on a free port."""
    from server.app import create_app
    ensure_two_versions(published)
    app = create_app({"JOINTBOOK_INSTANCE": str(tmp_path / "instance"), "SECRET_KEY": "sites-browser-test",
                      "LIBRARY_PATH": str(published.library), "SITES_DIR": str(published.sites)})
    with serving(app) as url:
        yield url, app


@pytest.mark.browser
def test_student_switches_versions_searches_and_sends_feedback_in_a_browser(page, reading_server, published):
    url, app = reading_server
    page.set_default_timeout(15000)
    newest, older = published.versions()[0], published.versions()[-1]
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(f"{url}/read/{BOOK}/")
    page.wait_for_url(f"**/read/{BOOK}/{newest}/")
    page.goto(f"{url}/read/{BOOK}/{older}/chapters/03-brake-test.html")
    selector = page.locator(".md-version")
    selector.wait_for()
    selector.hover()
    selector.locator(".md-version__link", has_text=newest).click()
    page.wait_for_url(f"**/read/{BOOK}/{newest}/chapters/03-brake-test.html")

    # Material's search link (?q=): typing into the box gives no results in headless Chromium
    page.goto(f"{url}/read/{BOOK}/{newest}/index.html?q=受电弓")
    page.locator(".md-search-result__item a").first.wait_for()
    result = page.locator(".md-search-result__item a[href*='08-pantograph']").first
    result.click()
    page.wait_for_url("**/chapters/08-pantograph.html*")
    assert "受电弓滑板" in page.locator("article").inner_text()

    form = page.locator("[data-jb-form]")
    form.locator("textarea[name=text]").fill("滑板磨耗到多少毫米必须更换？")
    form.locator("button[type=submit]").click()
    page.locator("[data-jb-status]", has_text="已提交").wait_for()
    with new_session(app) as session:
        from server.feedback.models import Feedback

        sent = session.scalars(select(Feedback)).all()
    assert [(f.book, f.version, f.text) for f in sent] == [(BOOK, newest, "滑板磨耗到多少毫米必须更换？")]

    page.locator("[data-jb-helpful] button[value=yes]").click()
    page.locator("[data-jb-helpful-status]", has_text="谢谢").wait_for()
    with new_session(app) as session:
        ratings = session.scalars(select(Feedback).where(Feedback.kind == "rating")).all()
    assert [(r.page, r.helpful) for r in ratings] == [("chapters/08-pantograph.md", True)]
    assert blocked == []


def test_an_administrator_points_the_sites_forms_at_another_host_from_the_environment(make_app, monkeypatch):
    from server.sites.service import platform_url

    monkeypatch.setenv("SITES_PLATFORM_URL", "https://books.example.edu.cn")
    app = make_app()
    with app.app_context():
        assert platform_url() == "https://books.example.edu.cn"
    monkeypatch.delenv("SITES_PLATFORM_URL")
    with make_app().app_context():
        assert platform_url() == ""  # by default the form posts to the origin that serves the site
