"""A release's downloads: publishing makes the printed book, the EPUB and the task sheets, read back here.

The starter book gains one work task, so all three downloads are made. A
maintainer publishes through the API; the jobs run as a worker runs them;
then a student, signed out, downloads each file from the links of the
releases page, and the files are read: the PDFs' text with pypdf (the book's
title, a chapter's title, the release's address under the QR codes), the
EPUB as the zip it is.
"""
from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select

from build import pdf as print_engine
from helpers import csrf_from, post_form
from materials import OVERWRITE, Author, Write
from server.database import new_session
from server.jobs.leases import claim
from server.jobs.models import Job
from server.jobs.queue import JobContext, run_pending

BOOK = "locomotive-maintenance"
TEACHER = Author("王老师", "wang@college.example", "school")
TASK = """---
title: 闸瓦厚度检查
standards: [L5.S.1.2.1]
hours: 2
task:
  record:
    columns: [检查部位, 闸瓦厚度/mm, 结论]
    rows:
      - [第 1 轴左侧]
  evaluation:
    criteria:
      - {criterion: 测量读数准确, points: 100}
---

## 任务描述

用游标卡尺测量第 1 轴左侧闸瓦的厚度，并填写记录表。

## 记录

逐项测量并填写下表。

## 评价

按下表自评、互评并由教师评价。
"""


def add_task(lib) -> None:
    book_yml = lib.read("main", f"books/{BOOK}/book.yml").decode()
    book_yml = book_yml.replace("07-emergency-handling.md]", "07-emergency-handling.md, 08-brake-shoes.md]")
    lib.commit("main", [Write(f"books/{BOOK}/book.yml", book_yml),
                        Write(f"books/{BOOK}/chapters/08-brake-shoes.md", TASK)],
               TEACHER, "增加工作任务：闸瓦厚度检查", base=OVERWRITE)


def release(app, maintainer, version: str) -> int:
    token = csrf_from(maintainer, f"/books/{BOOK}/releases/new")
    queued = maintainer.post(f"/api/books/{BOOK}/releases", json={"version": version},
                             headers={"X-CSRFToken": token})
    assert queued.status_code == 202, queued.get_data(as_text=True)
    return queued.json["job"]["id"]


def download_links(page: str) -> dict[str, tuple[str, str]]:
    """Format -> (address, size shown) of the ready downloads of the releases page."""
    found = {}
    for fmt, href, size in re.findall(r'data-download="(\w+)" data-download-state="ready">\s*<a href="([^"]+)"'
                                      r'[^>]*>[^<]+</a> <small class="muted">([^<]+)</small>', page):
        found[fmt] = (href, size)
    return found


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def book_app(make_app, lib):
    add_task(lib)
    return make_app(PLATFORM_URL="https://books.example.edu.cn")


def test_publishing_a_release_makes_the_printed_book_the_epub_and_the_task_sheets(book_app, signed_in):
    maintainer = signed_in("maintainer")
    release(book_app, maintainer, "1.0")
    assert run_pending(book_app) == 4  # the release, then its three downloads
    with new_session(book_app) as session:
        jobs = {j.payload.get("format"): j for j in session.scalars(select(Job).where(Job.kind == "site.download"))}
    assert sorted(jobs) == ["epub", "pdf", "sheets"] and {j.status for j in jobs.values()} == {"succeeded"}

    page = maintainer.get(f"/books/{BOOK}/releases").get_data(as_text=True)
    links = download_links(page)
    assert sorted(links) == ["epub", "pdf", "sheets"]
    assert "印刷版 PDF" in page and "电子书 EPUB" in page and "活页任务单 PDF" in page

    student = book_app.test_client()  # no account: downloads are as public as the site
    files = {}
    for fmt, (href, size) in links.items():
        response = student.get(href)
        assert response.status_code == 200, href
        assert response.headers["Cache-Control"] == "public, max-age=60, must-revalidate"   # a failed one can be made again
        files[fmt] = response.data
        shown = float(size.split()[0]) * (1024 if size.endswith("KB") else 1024 * 1024)
        assert abs(shown - len(response.data)) <= max(1024, 0.06 * len(response.data)), (fmt, size)
    assert links["pdf"][0] == f"/read/{BOOK}/1.0/downloads/{BOOK}-1.0.pdf"
    assert student.get(links["pdf"][0]).mimetype == "application/pdf"
    assert student.get(links["epub"][0]).mimetype == "application/epub+zip"

    book = pdf_text(files["pdf"])
    assert "电力机车运用与检修" in book and "制动机的检查与试验" in book and "闸瓦厚度检查" in book
    # the QR codes lead to this release, at the platform's address, printed beneath them
    assert "books.example.edu.cn/read/locomotive-maintenance/1.0/" in re.sub(r"\s+", "", book)

    epub = zipfile.ZipFile(io.BytesIO(files["epub"]))
    assert epub.read("mimetype") == b"application/epub+zip"
    opf = next(name for name in epub.namelist() if name.endswith(".opf"))
    assert "电力机车运用与检修" in epub.read(opf).decode()
    chapters = "".join(epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml"))
    assert "制动机的检查与试验" in chapters

    sheets = pdf_text(files["sheets"])
    assert "闸瓦厚度检查" in sheets and "测量读数准确" in sheets and "制动机的检查与试验" not in sheets


def test_the_releases_page_shows_a_download_being_made_with_its_progress(book_app, signed_in):
    maintainer = signed_in("maintainer")
    release(book_app, maintainer, "1.0")
    assert run_pending(book_app, limit=1) == 1  # the site is published; its downloads wait
    with new_session(book_app) as session:
        job = session.scalars(select(Job).where(Job.kind == "site.download")
                              .where(Job.payload["format"].as_string() == "pdf")).one()
        assert claim(session, job.id)  # a worker takes it
        session.refresh(job)
        JobContext(job.id, job.kind, dict(job.payload), book_app, attempt=job.attempts).progress(3, 8, "第 3 章")
    page = maintainer.get(f"/books/{BOOK}/releases").get_data(as_text=True)
    cell = re.search(r'data-download="pdf" data-download-state="running">(.*?)</div>', page, re.S).group(1)
    assert "正在生成" in cell and 'value="38"' in cell and "38%" in cell
    assert 'http-equiv="refresh"' in page  # the page follows the jobs until they are done
    assert 'data-download="epub" data-download-state="queued"' in page
    assert f"/books/{BOOK}/builds/{job.id}" in cell  # the maintainer may read its log
    build = maintainer.get(f"/books/{BOOK}/builds/{job.id}").get_data(as_text=True)
    assert "印刷版 PDF · 1.0" in build and 'value="3"' in build


def test_without_the_fonts_the_site_is_published_the_page_says_what_to_install_and_it_can_be_made_again(
        book_app, signed_in, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"  # a machine with git but no fontconfig
    bin_dir.mkdir()
    os.symlink("/usr/bin/git", bin_dir / "git")
    monkeypatch.setenv("PATH", str(bin_dir))
    print_engine.font_files.cache_clear()
    print_engine.code_fingerprint.cache_clear()
    maintainer = signed_in("maintainer")
    try:
        release(book_app, maintainer, "1.0")
        run_pending(book_app)
    finally:
        monkeypatch.undo()
        print_engine.font_files.cache_clear()
        print_engine.code_fingerprint.cache_clear()
    page = maintainer.get(f"/books/{BOOK}/releases").get_data(as_text=True)
    assert sorted(download_links(page)) == ["epub"]  # the EPUB needs no fonts
    cell = re.search(r'data-download="pdf" data-download-state="failed">(.*?)</div>', page, re.S).group(1)
    assert "apt-get install fonts-noto-cjk fontconfig" in cell
    assert maintainer.get(f"/read/{BOOK}/1.0/").status_code == 200  # the site did not wait for print

    english = maintainer.get(f"/books/{BOOK}/releases", headers={"Accept-Language": "en"})
    assert "Make the downloads" in english.get_data(as_text=True)
    made = post_form(maintainer, f"/books/{BOOK}/releases/1.0/downloads", page=f"/books/{BOOK}/releases")
    assert made.status_code == 302
    assert run_pending(book_app) == 2  # the PDF and the task sheets again, not the EPUB
    assert sorted(download_links(maintainer.get(f"/books/{BOOK}/releases").get_data(as_text=True))) == \
        ["epub", "pdf", "sheets"]


def test_the_api_lists_each_release_s_downloads_and_makes_the_missing_ones(make_app, signed_in):
    app = make_app(RELEASE_DOWNLOADS="epub")
    maintainer = signed_in("maintainer")
    release(app, maintainer, "1.0")
    run_pending(app)
    listed = maintainer.get(f"/api/books/{BOOK}/releases").json["releases"][0]["downloads"]
    assert [(d["format"], d["state"]) for d in listed] == [("epub", "ready")]
    assert listed[0]["url"] == f"/read/{BOOK}/1.0/downloads/{BOOK}-1.0.epub" and listed[0]["size"] > 1000
    token = csrf_from(maintainer, f"/books/{BOOK}/releases")
    queued = maintainer.post(f"/api/books/{BOOK}/releases/1.0/downloads", headers={"X-CSRFToken": token})
    assert queued.status_code == 202 and [j["payload"]["format"] for j in queued.json["jobs"]] == ["pdf"]
    listed = maintainer.get(f"/api/books/{BOOK}/releases").json["releases"][0]["downloads"]
    assert [(d["format"], d["state"]) for d in listed] == [("pdf", "queued"), ("epub", "ready")]
    missing = maintainer.post(f"/api/books/{BOOK}/releases/9.9/downloads", headers={"X-CSRFToken": token})
    assert missing.status_code == 404 and missing.json["error"]["code"] == "release.version_not_found"


def test_readers_see_the_downloads_but_only_maintainers_make_them(book_app, signed_in):
    maintainer = signed_in("maintainer")
    release(book_app, maintainer, "1.0")
    run_pending(book_app)
    reader = signed_in("reader")
    page = reader.get(f"/books/{BOOK}/releases").get_data(as_text=True)
    assert sorted(download_links(page)) == ["epub", "pdf", "sheets"] and "/builds/" not in page
    token = csrf_from(reader, f"/books/{BOOK}/releases")
    refused = reader.post(f"/books/{BOOK}/releases/1.0/downloads", data={"csrf_token": token})
    assert refused.status_code == 403
    missing = post_form(maintainer, f"/books/{BOOK}/releases/9.9/downloads", page=f"/books/{BOOK}/releases")
    assert missing.status_code == 404
