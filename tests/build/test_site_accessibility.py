"""A released site passes axe-core (vendored from npm) with no serious or critical violation.

Checked where a reader spends time: the home page, a chapter (with its standard
items, feedback notice and the selection button), search with its results open,
and the version menu open.
"""
from __future__ import annotations

import pytest

from helpers import serious_violations

from .conftest import BOOK

pytestmark = pytest.mark.browser


@pytest.fixture
def tab(browser):
    context = browser.new_context(locale="zh-CN", bypass_csp=True)   # to inject axe
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def test_home_and_chapter(published, site_server, tab):
    problems = []
    for path in ("index.html", "chapters/03-brake-test.html", "chapters/08-pantograph-cases.html"):
        tab.goto(f"{site_server}/{BOOK}/2.0/{path}")
        tab.wait_for_load_state("networkidle")
        problems += [f"{path}: {v}" for v in serious_violations(tab)]
    assert not problems, "\n".join(problems)


def test_search_results(published, site_server, tab):
    tab.goto(f"{site_server}/{BOOK}/2.0/index.html?q=受电弓")
    tab.locator(".md-search-result__item").first.wait_for()
    tab.locator(".md-search-result mark").first.wait_for()
    assert tab.get_by_role("dialog", name="搜索").count() == 1
    assert not serious_violations(tab), "\n".join(serious_violations(tab))


def test_highlighted_search_terms_on_a_page(published, site_server, tab):
    tab.goto(f"{site_server}/{BOOK}/2.0/chapters/08-pantograph-cases.html?h=受电弓")
    tab.wait_for_load_state("networkidle")
    assert not serious_violations(tab), "\n".join(serious_violations(tab))


def test_version_menu_open(published, site_server, tab):
    tab.goto(f"{site_server}/{BOOK}/2.0/chapters/03-brake-test.html")
    menu = tab.locator(".md-version")
    menu.wait_for()
    tab.locator(".md-version__current").focus()
    menu.hover()
    tab.locator(".md-version__list").wait_for(state="visible")
    assert tab.get_by_role("button", name="2.0").count() == 1   # named by what it shows
    assert not serious_violations(tab), "\n".join(serious_violations(tab))
