"""The ``jointbook`` command: accounts on the command line, and the server starting for real."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from server.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli(tmp_path, database_url):
    runner = CliRunner()
    instance = tmp_path / "cli-instance"

    def run(*args: str):
        result = runner.invoke(main, ["--instance", str(instance), *args],
                               env={"DATABASE_URL": database_url}, catch_exceptions=False)
        return result

    return run


def test_administrator_adds_lists_and_changes_accounts(cli):
    added = cli("user", "add", "li.shifu", "--name", "李师傅", "--side", "enterprise", "--book", "locomotive-maintenance",
                "--role", "reviewer")
    assert added.exit_code == 0, added.output
    password = re.search(r"Password: (\S+)", added.output).group(1)
    assert len(password) >= 12
    listing = cli("user", "list").output
    assert re.search(r"li\.shifu\s+enterprise.*李师傅\s+locomotive-maintenance:reviewer", listing)

    assert cli("user", "set-side", "li.shifu", "school").exit_code == 0
    assert cli("user", "set-role", "li.shifu", "admin").exit_code == 0
    assert cli("user", "set-role", "li.shifu", "maintainer", "--book", "locomotive-maintenance").exit_code == 0
    assert re.search(r"li\.shifu\s+school\s+admin\s", cli("user", "list").output)
    refused = cli("user", "disable", "li.shifu")  # the only administrator
    assert refused.exit_code != 0 and "user.last_admin" in refused.output
    assert cli("user", "add", "boss", "--admin").exit_code == 0
    assert cli("user", "set-role", "li.shifu", "user").exit_code == 0
    assert cli("user", "disable", "li.shifu").exit_code == 0
    listing = cli("user", "list").output
    assert re.search(r"li\.shifu\s+school\s+disabled.*locomotive-maintenance:maintainer", listing)


def test_cli_refuses_duplicates_and_unknown_people_clearly(cli):
    assert cli("user", "add", "wang", "--password", "a long password!").exit_code == 0
    again = cli("user", "add", "wang", "--password", "a long password!")
    assert again.exit_code != 0 and "user.exists" in again.output
    missing = cli("user", "disable", "nobody")
    assert missing.exit_code != 0 and "user.not_found" in missing.output
    assert cli("user", "set-role", "wang", "author").exit_code != 0  # a book role needs --book


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_jointbook_serve_starts_on_a_fresh_instance_and_prints_demo_accounts(tmp_path):
    port = _free_port()
    env = {**os.environ, "JOINTBOOK_INSTANCE": str(tmp_path / "instance"), "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "2", "--threads", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        output = ""
        deadline = time.monotonic() + 60
        while "Serving on" not in output and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            output += line
        assert "Serving on" in output, output
        for name in ("admin", "teacher", "technician", "school-reviewer", "enterprise-reviewer"):
            assert re.search(rf"^\s+{name}\s+\S{{12,}}", output, re.MULTILINE), output
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert "<form" in body and "csrf_token" in body
        assert (tmp_path / "instance" / "library.git").is_dir()
        assert (tmp_path / "instance" / "secret_key").is_file()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_build_and_release_use_the_library_and_sites_of_the_instance_given(cli, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"  # the directory the administrator happens to be in
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    instance = tmp_path / "cli-instance"
    assert cli("init").exit_code == 0

    built = cli("build", "locomotive-maintenance")
    assert built.exit_code == 0, built.output
    assert (instance / "sites" / ".drafts" / "locomotive-maintenance" / "index.html").is_file()

    released = cli("release", "locomotive-maintenance", "2026.1")
    assert released.exit_code == 0, released.output
    assert (instance / "sites" / "locomotive-maintenance" / "2026.1" / "index.html").is_file()
    tags = subprocess.run(["git", "--git-dir", str(instance / "library.git"), "tag", "--list"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert "locomotive-maintenance/v2026.1" in tags
    assert not (elsewhere / "instance").exists()
