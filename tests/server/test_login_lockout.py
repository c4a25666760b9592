"""Failed sign-ins lock an account name and an address out, whichever worker process answers.

The failures live in the database (or in Redis when ``REDIS_URL`` is set), so two
apps over one database behave as the worker processes of one server do.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpers import PASSWORD, csrf_from
from server.database import new_session
from server.accounts.models import LoginFailure
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
FLASH = re.compile(r'<p class="flash flash-error">([^<]*)</p>')


def attempt(app, username: str, password: str = "not the password", address: str = "127.0.0.1",
            language: str | None = None):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    headers = {"Accept-Language": language} if language else {}
    token = csrf_from(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       headers=headers)


def flashed(response) -> list[str]:
    return FLASH.findall(response.get_data(as_text=True))


def test_failures_made_through_one_worker_are_refused_by_another(make_app):
    first = make_app(LOGIN_FAILURES_PER_ACCOUNT="3 per 15 minutes")
    second = make_app(LOGIN_FAILURES_PER_ACCOUNT="3 per 15 minutes")  # another process over the same database
    assert [attempt(first, "teacher").status_code for _ in range(3)] == [200, 200, 200]
    refused = attempt(second, "teacher", PASSWORD)  # even the right password, until the window ends
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert "登录失败次数过多" in refused.get_data(as_text=True)
    assert second.test_client().get("/").status_code == 302  # not signed in


def test_lockout_looks_the_same_for_an_existing_and_an_unknown_account(make_app):
    app = make_app(LOGIN_FAILURES_PER_ACCOUNT="2 per 15 minutes")
    answers = {}
    for username in ("teacher", "no-such-person"):
        assert [attempt(app, username).status_code for _ in range(2)] == [200, 200]
        answers[username] = attempt(app, username, language="en")
    known, unknown = answers["teacher"], answers["no-such-person"]
    assert known.status_code == unknown.status_code == 429
    assert flashed(known) == flashed(unknown) == [
        "Too many failed sign-ins with this user name or from this address. Please try again in 15 minutes."]
    assert 0 < int(known.headers["Retry-After"]) <= 15 * 60 and 0 < int(unknown.headers["Retry-After"]) <= 15 * 60


def test_a_successful_sign_in_clears_the_accounts_failures(make_app):
    app = make_app(LOGIN_FAILURES_PER_ACCOUNT="3 per 15 minutes")
    assert [attempt(app, "teacher").status_code for _ in range(2)] == [200, 200]
    assert attempt(app, "Teacher ", PASSWORD).status_code == 302  # the name as typed, normalised
    assert [attempt(app, "teacher").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_one_address_trying_many_account_names_is_locked_out(make_app):
    app = make_app(LOGIN_FAILURES_PER_ACCOUNT="100 per 15 minutes", LOGIN_FAILURES_PER_ADDRESS="4 per 15 minutes")
    statuses = [attempt(app, name, address="203.0.113.7").status_code
                for name in ("teacher", "admin", "reviewer", "wang", "technician")]
    assert statuses == [200, 200, 200, 200, 429]
    assert attempt(app, "technician", PASSWORD, address="198.51.100.1").status_code == 302


def test_an_account_tried_from_many_addresses_is_locked_out(make_app):
    app = make_app(LOGIN_FAILURES_PER_ACCOUNT="3 per 15 minutes", LOGIN_FAILURES_PER_ADDRESS="100 per 15 minutes")
    statuses = [attempt(app, "teacher", address=f"192.0.2.{n}").status_code for n in range(1, 5)]
    assert statuses == [200, 200, 200, 429]


def test_failures_older_than_the_window_no_longer_count(make_app):
    app = make_app(LOGIN_FAILURES_PER_ACCOUNT="2 per 15 minutes")
    assert [attempt(app, "teacher").status_code for _ in range(3)] == [200, 200, 429]
    with new_session(app) as session:  # a quarter of an hour passes
        for failure in session.scalars(select(LoginFailure)):
            failure.at -= timedelta(minutes=15, seconds=1)
        session.commit()
    assert attempt(app, "teacher", PASSWORD).status_code == 302


def test_with_redis_failures_are_shared_through_redis(make_app):
    url = os.environ.get("TEST_REDIS_URL")
    require(bool(url), "TEST_REDIS_URL names no Redis server")
    settings = {"REDIS_URL": url, "SECRET_KEY": secrets.token_hex(8),  # its own keys on a shared server
                "LOGIN_FAILURES_PER_ACCOUNT": "3 per 15 minutes"}
    first, second = make_app(**settings), make_app(**settings)
    assert [attempt(first, "teacher").status_code for _ in range(3)] == [200, 200, 200]
    refused = attempt(second, "teacher", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    with new_session(first) as session:
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 0  # nothing in the database


# ----------------------------------------------------------------------------- a real server, two processes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _sign_in_over_http(base: str, username: str, password: str) -> tuple[int, str | None]:
    """One browser's sign-in: its own cookies, the form's CSRF token, then the post."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{base}/login", timeout=30) as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode()).group(1)
    form = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
    try:
        with opener.open(f"{base}/login", data=form, timeout=60) as answer:
            return answer.status, None
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Retry-After")


@pytest.mark.slow
@pytest.mark.parametrize("counted_in", ["database", "redis"])
def test_two_worker_processes_refuse_exactly_the_attempts_beyond_the_limit(tmp_path, counted_in):
    limit, beyond = 5, 4
    port = _free_port()
    env = {**os.environ, "JOINTBOOK_INSTANCE": str(tmp_path / "instance"), "PYTHONUNBUFFERED": "1",
           "LOGIN_FAILURES_PER_ACCOUNT": f"{limit} per 15 minutes"}
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    if counted_in == "redis":
        require(bool(os.environ.get("TEST_REDIS_URL")), "TEST_REDIS_URL names no Redis server")
        env["REDIS_URL"] = os.environ["TEST_REDIS_URL"]  # the fresh instance's own secret key keeps its keys apart
        env["QUEUE_NAME"] = f"jointbook-test-{secrets.token_hex(6)}"  # and a task queue of its own there
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "2", "--threads", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        output = ""
        deadline = time.monotonic() + 60
        while "Serving on" not in output and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            output += line
        assert "Serving on" in output, output
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5).close()
                break
            except OSError:
                time.sleep(0.2)
        # Four at a time: both processes are busy checking passwords at once.
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda _: _sign_in_over_http(base, "teacher", "not the password"),
                                    range(limit + beyond)))
        statuses = sorted(status for status, _ in answers)
        assert statuses == [200] * limit + [429] * beyond
        assert all(int(retry) > 0 for status, retry in answers if status == 429)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
