"""Fixtures shared by every part of the suite.

Real parts only: libraries are real bare Git repositories in temporary
directories, the browser is Debian's Chromium driven by Playwright, and the
database is SQLite always plus PostgreSQL when ``TEST_DATABASE_URL`` is set.
A test that needs a service skips with a reason when it is absent, except
under ``CI=true``, where a missing service is a failure.
"""
from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require(condition: bool, reason: str) -> None:
    """Skip (or, under CI, fail) a test whose service is missing."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


def database_urls() -> list[str]:
    """SQLite always; PostgreSQL too when TEST_DATABASE_URL names one."""
    urls = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):
        urls.append("postgresql")
    return urls


@pytest.fixture
def library_path(tmp_path):
    """Where a test's bare library repository lives."""
    return tmp_path / "library.git"


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (Debian's, not a download)."""
    require(shutil.which(CHROMIUM) is not None, f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the machine
        require(False, "playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page per test (no shared cookies)."""
    context = browser.new_context(locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()
