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
    from playwright.sync_api import sync_playwright  # here, not at the top: only browser tests pay for it

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


# A git configuration that breaks every parse of git output, for the isolation tests.
HOSTILE_GIT_CONFIG = """\
[diff]
\tnoprefix = true
\tmnemonicPrefix = true
\texternal = {script}
\trenames = false
\tsuppressBlankEmpty = true
\tcontext = 0
[diff "hostile"]
\ttextconv = {script}
[core]
\tautocrlf = true
\tquotePath = true
\tpager = {script}
\tattributesFile = {attributes}
[log]
\tshowSignature = true
\tdate = relative
\tdecorate = full
[color]
\tui = always
[alias]
\tblame = !{script}
[blame]
\tignoreRevsFile = {missing}
[merge]
\tconflictStyle = diff3
[i18n]
\tlogOutputEncoding = ISO-8859-1
"""


@pytest.fixture
def hostile_git(tmp_path, monkeypatch):
    """``hostile_git()`` gives this process a git configuration that breaks every parse of git's output:
    in the account's home, XDG, system and environment (what a server account may carry)."""
    home = tmp_path / "account"
    (home / ".config" / "git").mkdir(parents=True)
    script = tmp_path / "hijack.sh"
    script.write_text("#!/bin/sh\necho HIJACKED\n")
    script.chmod(0o755)
    attributes = tmp_path / "attributes"
    attributes.write_text("* diff=hostile\n")
    config = HOSTILE_GIT_CONFIG.format(script=script, attributes=attributes, missing=tmp_path / "missing")
    for target in (home / ".gitconfig", home / ".config" / "git" / "config"):
        target.write_text(config)

    def apply():
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(home / ".gitconfig"))
        monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
        monkeypatch.setenv("GIT_CONFIG_KEY_0", "diff.noprefix")
        monkeypatch.setenv("GIT_CONFIG_VALUE_0", "true")
        monkeypatch.setenv("GIT_EXTERNAL_DIFF", str(script))
        monkeypatch.setenv("GIT_PAGER", str(script))
        for elsewhere in ("GIT_DIR", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY"):  # as inside a git hook
            monkeypatch.setenv(elsewhere, str(tmp_path / "another-repository"))

    return apply
