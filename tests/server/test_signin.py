"""Signing in and out, and what protects it."""
from __future__ import annotations

from helpers import PASSWORD, csrf_from, login, post_form


def test_teacher_signs_in_sees_home_and_signs_out(client):
    response = login(client, "teacher")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/", headers={"Accept-Language": "en"})
    assert "My books" in home.get_data(as_text=True)
    response = post_form(client, "/logout", page="/")
    assert response.status_code == 302
    assert client.get("/").headers["Location"].startswith("/login")


def test_wrong_password_is_refused_with_a_message(client):
    response = login(client, "teacher", "not the password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)  # no Accept-Language: the default, Chinese
    assert client.get("/").status_code == 302


def test_unknown_user_and_disabled_account_cannot_sign_in(client):
    assert login(client, "nobody").status_code == 200
    assert login(client, "disabled").status_code == 200
    assert client.get("/").status_code == 302


def test_signing_in_starts_a_new_session(client):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = client.get_cookie("session").value
    login(client, "teacher")
    after = client.get_cookie("session").value
    assert before != after
    with client.session_transaction() as session:
        assert "planted" not in session


def test_session_cookie_flags(app, client):
    login(client, "teacher")
    cookie = client.get_cookie("session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_sign_in_redirects_only_within_the_site(client):
    token = csrf_from(client, "/login")
    response = client.post("/login?next=https://evil.example/", data={"username": "teacher", "password": PASSWORD,
                                                                       "csrf_token": token})
    assert response.headers["Location"] == "/"
    client.get("/")  # signed in now
    post_form(client, "/logout", page="/")
    token = csrf_from(client, "/login")
    response = client.post("/login?next=/account", data={"username": "teacher", "password": PASSWORD,
                                                          "csrf_token": token})
    assert response.headers["Location"] == "/account"


def test_failed_sign_ins_lock_the_account_out(make_app):
    app = make_app(LOGIN_FAILURES_PER_ACCOUNT="3 per 15 minutes")
    client = app.test_client()
    statuses = [login(client, "teacher", "wrong").status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429
    refused = login(client, "teacher")  # still refused, in Chinese by default
    assert refused.status_code == 429 and "请 15 分钟后再试" in refused.get_data(as_text=True)


def test_changing_password_signs_out_other_sessions(app, signed_in):
    laptop, phone = signed_in("teacher"), signed_in("teacher")
    response = post_form(laptop, "/account", {
        "password-current": PASSWORD, "password-new": "a brand new passphrase", "password-repeat": "a brand new passphrase",
    })
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200  # the session that changed it stays signed in
    assert phone.get("/").status_code == 302  # the other one is signed out
    assert login(app.test_client(), "teacher", "a brand new passphrase").status_code == 302
