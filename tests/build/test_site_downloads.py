"""A release's site leads to its downloads; drafts and previews, which have none, do not.

Read from the built HTML as a student's browser receives it: the home page's
link, the entry among the pages about the course, and the download page's
links, which point where ``build.downloads`` stores each file of that release.
"""
from __future__ import annotations

import re

from build.downloads import DOWNLOADS, download_path
from build.publish import release
from build.site import build_site
from materials import Author, Library, Write

BOOK = "locomotive-maintenance"
RELEASER = Author("主编 刘", "liu@college.example", "school")
ENGLISH_BOOK = "hydraulics"
ENGLISH_YML = """title: Hydraulic Systems
language: en
license: CC-BY-4.0
edition: "2026"
navigation:
  - part: Basics
    chapters: [01-pumps.md, 02-pump-check.md]
"""
TASK = """---
title: Check a gear pump
task:
  evaluation:
    criteria:
      - {criterion: Reads the pressure gauge correctly, points: 100}
---

## Task

Check the pump's delivery pressure.
"""


def article(html: str) -> str:
    return re.search(r'<article class="md-content__inner[^"]*">(.*?)</article>', html, re.S).group(1)


def test_a_release_links_its_printed_book_and_epub_from_the_home_page_and_the_navigation(published):
    site = published.book / "1.0"
    home = (site / "index.html").read_text()
    assert re.search(r'<p class="jb-download-link"><a href="jointbook/downloads\.html"[^>]*>下载 PDF / EPUB</a>',
                     home)
    assert re.search(r'href="jointbook/downloads\.html" class="md-nav__link">\s*<span class="md-ellipsis">\s*下载',
                     home)
    page = article((site / "jointbook" / "downloads.html").read_text())
    links = re.findall(r'<a class="jb-download" href="([^"]+)"[^>]*>([^<]+)</a>', page)
    assert links == [(f"../downloads/{BOOK}-1.0.pdf", "印刷版 PDF"), (f"../downloads/{BOOK}-1.0.epub", "电子书 EPUB")]
    for href, _ in links:  # where the release's jobs write them
        fmt = "pdf" if href.endswith(".pdf") else "epub"
        assert (site / "jointbook" / href).resolve() == download_path(published.sites, BOOK, "1.0", fmt).resolve()
    assert "活页任务单" not in page  # the starter book has no work task
    assert "二维码" in page and "1.0 版" in page


def test_a_draft_has_no_download_page(published, tmp_path):
    build_site(published.lib, BOOK, "main", tmp_path / "draft")
    assert not (tmp_path / "draft" / "jointbook" / "downloads.html").exists()
    home = (tmp_path / "draft" / "index.html").read_text()
    assert "downloads.html" not in home and "jb-download" not in home


def test_a_workbook_in_english_offers_its_task_sheets_in_english(tmp_path):
    lib = Library.init(tmp_path / "library.git", starter=True)
    lib.commit("main", [Write(f"books/{ENGLISH_BOOK}/book.yml", ENGLISH_YML),
                        Write(f"books/{ENGLISH_BOOK}/chapters/01-pumps.md", "---\ntitle: Pumps\n---\n\nGear pumps.\n"),
                        Write(f"books/{ENGLISH_BOOK}/chapters/02-pump-check.md", TASK)],
               RELEASER, "Add a hydraulics workbook", base=lib.resolve("main"))
    done = release(lib, ENGLISH_BOOK, "2026.1", tmp_path / "sites", RELEASER)
    home = (done.site / "index.html").read_text()
    assert re.search(r'<a href="jointbook/downloads\.html"[^>]*>Download PDF / EPUB</a>', home)
    page = article((done.site / "jointbook" / "downloads.html").read_text())
    assert re.findall(r'<a class="jb-download" href="[^"]+"[^>]*>([^<]+)</a>', page) == \
        [DOWNLOADS[f].label_en for f in ("pdf", "epub", "sheets")]
    assert f"../downloads/{ENGLISH_BOOK}-2026.1-tasks.pdf" in page and "numbered per work task" in page
