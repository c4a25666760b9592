"""Easily guessed passwords are refused wherever a password is set, with the reason in the person's language."""
from __future__ import annotations

import re

from click.testing import CliRunner
from sqlalchemy import select

from helpers import PASSWORD, csrf_from, login
from server.app import create_app
from server.cli import main
from server.database import engine, new_session
from server.errors import UserError
from server.first_run import create_demo_accounts
from server.accounts.models import User
from server.accounts.passwords import check_strength

EN = {"Accept-Language": "en"}


def test_long_but_predictable_passwords_are_refused_and_passphrases_pass():
    for weak, reason in (("aaaaaaaaaa", "password.repeat"), ("1234567890", "password.common"),
                         ("qwertyuiop", "password.common"), ("abcdefghij", "password.sequence"),
                         ("wang.laoshi1", "password.personal")):
        try:
            check_strength(weak, ["wang.laoshi", "王老师"])
        except UserError as error:
            assert error.code == reason, weak
        else:
            raise AssertionError(f"{weak!r} was accepted")
    check_strength(PASSWORD)  # the suite's own password is a passphrase that passes
    check_strength("a brand new passphrase")


def test_a_password_longer_than_zxcvbn_scores_is_judged_by_its_beginning():
    check_strength("a brand new passphrase " * 10)  # 230 characters: strong, not a server error
    try:
        check_strength("a" * 200)
    except UserError as error:
        assert error.code == "password.repeat"
    else:
        raise AssertionError("200 times the same letter was accepted")


def test_account_page_refuses_a_weak_new_password_and_keeps_the_old_one(app, signed_in):
    teacher = signed_in("teacher")
    answers = {}
    for language in ("zh-CN", "en"):
        token = csrf_from(teacher, "/account")
        answers[language] = teacher.post("/account", headers={"Accept-Language": language}, data={
            "csrf_token": token, "password-current": PASSWORD,
            "password-new": "aaaaaaaaaa", "password-repeat": "aaaaaaaaaa"}).get_data(as_text=True)
    assert "重复的字符或词" in answers["zh-CN"]
    assert "repeated characters or words" in answers["en"]
    assert login(app.test_client(), "teacher", "aaaaaaaaaa").status_code == 200  # not changed
    assert login(app.test_client(), "teacher").status_code == 302


def test_administrator_cannot_create_an_account_with_a_weak_password(signed_in):
    admin = signed_in("admin")
    token = csrf_from(admin, "/admin/people/new")
    response = admin.post("/admin/people/new", headers=EN, data={
        "csrf_token": token, "username": "wang.gong", "display_name": "王工", "side": "enterprise",
        "password": "1234567890"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'id="password-error">This password is too easy to guess: it is one of the most used', page)
    assert admin.get("/admin/people/wang.gong").status_code == 404


def test_administrator_cannot_reset_a_password_to_a_weak_one(app, signed_in):
    admin = signed_in("admin")
    token = csrf_from(admin, "/admin/people/technician")
    response = admin.post("/admin/people/technician", data={
        "csrf_token": token, "display_name": "Technician", "side": "enterprise", "active": "y",
        "password": "qwertyuiop"})
    assert response.status_code == 200
    assert "这个密码太容易被猜到" in response.get_data(as_text=True)
    assert login(app.test_client(), "technician").status_code == 302  # the old password still works


def test_api_refuses_weak_passwords_with_the_reason_in_the_callers_language(signed_in):
    admin = signed_in("admin")
    token = csrf_from(admin, "/")
    created = admin.post("/api/users", headers={"X-CSRFToken": token, **EN},
                         json={"username": "liu", "password": "aaaaaaaaaa", "side": "enterprise"})
    assert created.status_code == 400
    assert created.json["error"]["code"] == "password.repeat"
    assert "repeated characters" in created.json["error"]["message"]
    assert admin.get("/api/users/liu", headers={"X-CSRFToken": token}).status_code == 404
    changed = admin.patch("/api/users/teacher", headers={"X-CSRFToken": token, "Accept-Language": "zh-CN"},
                          json={"password": "1234567890", "side": "enterprise"})
    assert changed.status_code == 400 and "最常用的密码" in changed.json["error"]["message"]
    assert admin.get("/api/users/teacher", headers={"X-CSRFToken": token}).json["side"] == "school"  # unchanged


def test_command_line_refuses_a_weak_password_and_generates_strong_ones(tmp_path, database_url):
    runner = CliRunner()

    def cli(*args: str):
        return runner.invoke(main, ["--instance", str(tmp_path / "instance"), *args],
                             env={"DATABASE_URL": database_url}, catch_exceptions=False)

    refused = cli("user", "add", "wang", "--password", "aaaaaaaaaa")
    assert refused.exit_code != 0 and "password.repeat" in refused.output and "重复的字符或词" in refused.output
    assert "wang" not in cli("user", "list").output
    added = cli("user", "add", "li")
    check_strength(re.search(r"Password: (\S+)", added.output).group(1))


def test_demo_accounts_printed_at_first_start_pass_the_check(tmp_path, database_url):
    app = create_app({"JOINTBOOK_INSTANCE": str(tmp_path / "instance"), "DATABASE_URL": database_url,
                      "SECRET_KEY": "test-secret"})
    try:
        accounts = create_demo_accounts(app, ["locomotive-maintenance"])
        assert len(accounts) == 5
        for account in accounts:
            check_strength(account.password, [account.username, account.display_name])
        with new_session(app) as session:
            assert session.scalar(select(User).where(User.username == "teacher")).check_password(accounts[1].password)
    finally:
        engine(app).dispose()
