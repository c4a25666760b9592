"""A student opens a released site in a real browser."""
from __future__ import annotations

import shutil

import pytest

from build.previews import build_preview
from build.site import build_site
from build.publish import set_version_state

from .conftest import BOOK

pytestmark = pytest.mark.browser


@pytest.fixture
def page(page):
    page.set_default_timeout(10000)
    return page


def test_switch_versions_with_the_selector(published, site_server, page):
    page.goto(f"{site_server}/{BOOK}/1.0/chapters/03-brake-test.html")
    selector = page.locator(".md-version")
    selector.wait_for()
    assert selector.locator(".md-version__current").inner_text().strip().startswith("1.0")
    titles = [t.strip() for t in selector.locator(".md-version__link").all_text_contents()]
    assert titles[:2] == ["2.0", "1.0"]
    selector.hover()
    selector.locator(".md-version__link", has_text="2.0").click()
    page.wait_for_url(f"**/{BOOK}/2.0/**")
    assert "/2.0/chapters/03-brake-test.html" in page.url   # same page in the other version
    assert page.locator("article h1").first.inner_text().startswith("制动机的检查与试验")


def test_search_a_chinese_term_and_open_the_result(published, site_server, page):
    # Material's own search link (?q=): the worker loads the jieba-segmented index and queries it
    page.goto(f"{site_server}/{BOOK}/2.0/index.html?q=" + "受电弓")
    result = page.locator(".md-search-result__item a").first
    result.wait_for(timeout=15000)
    result.click()
    page.wait_for_load_state()
    assert "受电弓" in page.locator("article").inner_text()


def test_search_typed_through_a_chinese_input_method(published, site_server, page):
    """Pinyin is composed, then the input method commits 受电弓: no key goes up for that word."""
    page.goto(f"{site_server}/{BOOK}/2.0/index.html")
    query = page.locator("[data-md-component=search-query]")
    query.click()
    ime = page.context.new_cdp_session(page)
    for typed in ("s", "shou", "shoudian", "shoudiangong"):
        ime.send("Input.imeSetComposition", {"text": typed, "selectionStart": len(typed), "selectionEnd": len(typed)})
    page.keyboard.insert_text("受电弓")   # the committed word: compositionend, and no keyup
    assert query.input_value() == "受电弓"
    result = page.locator(".md-search-result__item").first
    result.wait_for(timeout=15000)
    titles = page.locator(".md-search-result__item h1, .md-search-result__item h2").all_text_contents()
    assert titles and all("\u200b" not in t for t in titles)
    assert any("受电弓" in t for t in titles)
    assert "\u200b" not in page.locator(".md-search-result").inner_text()
    page.locator(".md-search-result__item a").first.click()
    page.wait_for_load_state()
    assert "受电弓" in page.locator("article").inner_text()


def test_math_is_rendered_from_the_site_itself(published, site_server, page):
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(site_server) else None)
    page.goto(f"{site_server}/{BOOK}/2.0/chapters/08-pantograph-cases.html")
    page.locator(".arithmatex .katex").first.wait_for()
    assert external == []


def test_feedback_form_degrades_to_a_notice_without_the_platform(published, site_server, page):
    page.goto(f"{site_server}/{BOOK}/2.0/chapters/01-locomotive-overview.html")
    notice = page.locator("[data-jb-notice]")
    notice.wait_for(state="visible")
    assert "教材平台" in notice.inner_text()
    assert page.locator("[data-jb-form]").is_hidden()


def test_standard_items_show_their_text_and_open_to_all_of_it(published, site_server, page):
    page.goto(f"{site_server}/{BOOK}/1.0/chapters/03-brake-test.html")
    item = page.locator('.jb-item[data-item="L4.S.2.1.1"]')
    assert "五步闸" in item.locator(".jb-item__gist").inner_text()
    assert item.locator(".jb-item__text").is_hidden()
    item.locator("summary").click()
    assert "能按作业标准完成制动机“五步闸”试验并判断结果" in item.locator(".jb-item__text").inner_text()
    assert "四级" in item.locator(".jb-item__meta").inner_text() or "L4" in item.locator(".jb-item__meta").inner_text()


def test_withdrawn_version_shows_a_banner_and_hidden_leaves_the_selector(published, site_server, page):
    set_version_state(published.sites, BOOK, "1.0", withdrawn=True)
    try:
        page.goto(f"{site_server}/{BOOK}/1.0/index.html")
        page.locator("[data-jb-withdrawn]").first.wait_for(state="visible")
        set_version_state(published.sites, BOOK, "1.0", withdrawn=False, hidden=True)
        page.goto(f"{site_server}/{BOOK}/2.0/index.html")
        page.locator(".md-version").wait_for()
        titles = [t.strip() for t in page.locator(".md-version__link").all_text_contents()]
        assert "1.0" not in titles and "2.0" in titles
    finally:
        set_version_state(published.sites, BOOK, "1.0", withdrawn=False, hidden=False)


def test_latest_follows_to_the_newest_release(published, site_server, page):
    page.goto(f"{site_server}/{BOOK}/")
    page.wait_for_url(f"**/{BOOK}/2.0/index.html")
    page.goto(f"{site_server}/{BOOK}/latest/chapters/02-work-safety.html#top")
    page.wait_for_url(f"**/{BOOK}/2.0/chapters/02-work-safety.html*")


@pytest.mark.parametrize("kind", ["preview", "draft"])
def test_a_preview_or_draft_asks_for_nothing_it_does_not_have(published, site_server, page, kind):
    """A preview (of a change request) or a draft (``jointbook build``) is not published beside a
    versions.json: it neither fetches one nor offers versions nor links to a latest/ beside it."""
    root = published.sites / f"{kind}s-under-test"
    try:
        if kind == "preview":
            build_preview(published.lib, BOOK, 7, "main", root / BOOK, platform_url=None)
        else:
            build_site(published.lib, BOOK, "main", root / BOOK / "7", platform_url=None)
        missing = []
        page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
        page.on("requestfailed", lambda r: missing.append(r.url))
        for path in ("chapters/03-brake-test.html", "index.html", "jointbook/changes.html"):
            page.goto(f"{site_server}/{kind}s-under-test/{BOOK}/7/{path}")
            page.wait_for_load_state("networkidle")
            hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
            assert not [h for h in hrefs if "/latest/" in h or h.endswith("/latest")], path
        page.goto(f"{site_server}/{kind}s-under-test/{BOOK}/7/chapters/03-brake-test.html")
        assert page.locator("article h1").first.inner_text().startswith("制动机的检查与试验")
        assert missing == [] and page.locator(".md-version").count() == 0
    finally:
        shutil.rmtree(root, ignore_errors=True)
