"""A student downloads a release from its published site, in a real browser.

The release is published through the platform with only its EPUB made
(``RELEASE_DOWNLOADS=epub``), as if its printed book were still being
typeset: the site's download page, opened from the home page's link, shows
the EPUB with its size and says the PDF is not there yet; the EPUB link
downloads the file the job wrote.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import csrf_from, serving, sign_in
from server.jobs.queue import run_pending

BOOK = "locomotive-maintenance"
pytestmark = pytest.mark.browser


@pytest.fixture
def released(make_app):
    app = make_app(RELEASE_DOWNLOADS="epub")
    maintainer = sign_in(app.test_client(), "maintainer")
    token = csrf_from(maintainer, f"/books/{BOOK}/releases/new")
    assert maintainer.post(f"/api/books/{BOOK}/releases", json={"version": "1.0"},
                           headers={"X-CSRFToken": token}).status_code == 202
    assert run_pending(app) == 2  # the site, then its EPUB
    return app


def test_the_download_page_shows_each_file_with_its_size_and_what_is_not_made_yet(released, browser):
    epub = Path(released.config["SITES_DIR"]) / BOOK / "1.0" / "downloads" / f"{BOOK}-1.0.epub"
    with serving(released) as url:
        context = browser.new_context(locale="zh-CN", accept_downloads=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{url}/read/{BOOK}/1.0/")
        page.get_by_role("link", name="下载 PDF / EPUB").click()
        page.wait_for_url(re.compile(r"/jointbook/downloads\.html$"))
        assert page.locator("h1").inner_text().strip().rstrip("¶") == "下载"
        epub_item = page.locator("li", has=page.locator("a.jb-download", has_text="电子书 EPUB"))
        pdf_item = page.locator("li", has=page.locator("a.jb-download", has_text="印刷版 PDF"))
        size = round(epub.stat().st_size / 1024)
        page.wait_for_function("() => [...document.querySelectorAll('.jb-download-size')].every(s => s.textContent)")
        assert epub_item.locator(".jb-download-size").inner_text() == f"({max(1, size)} KB)"
        assert "正在生成" in pdf_item.locator(".jb-download-size").inner_text()
        with page.expect_download() as got:
            epub_item.locator("a").click()
        saved = got.value.path()
        assert Path(saved).read_bytes() == epub.read_bytes()
        assert not errors
        context.close()
