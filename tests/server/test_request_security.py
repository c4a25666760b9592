"""CSRF, security headers and request size limits, as a browser or attacker meets them."""
from __future__ import annotations

from helpers import PASSWORD, csrf_from, login


def test_form_without_csrf_token_is_refused_and_changes_nothing(signed_in):
    admin = signed_in("admin")
    response = admin.post("/admin/people/new", data={"username": "mallory", "display_name": "M", "side": "school",
                                                     "password": "0123456789ab"})
    assert response.status_code == 400
    assert "表单已过期或并非来自本站" in response.get_data(as_text=True)
    assert admin.get("/admin/people/mallory").status_code == 404


def test_form_with_wrong_csrf_token_is_refused(signed_in):
    admin = signed_in("admin")
    response = admin.post("/admin/people/new", data={"username": "mallory", "display_name": "M", "side": "school",
                                                     "password": "0123456789ab", "csrf_token": "forged"},
                          headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)


def test_sign_in_form_needs_csrf_too(client):
    response = client.post("/login", data={"username": "teacher", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_api_with_session_cookie_needs_the_csrf_header(signed_in):
    teacher = signed_in("teacher")
    refused = teacher.post("/api/tokens", json={"name": "script"})
    assert refused.status_code == 400 and refused.json["error"]["code"] == "csrf.invalid"
    token = csrf_from(teacher, "/")
    accepted = teacher.post("/api/tokens", json={"name": "script"}, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_api_with_bearer_token_needs_no_csrf(signed_in, app):
    teacher = signed_in("teacher")
    secret = teacher.post("/api/tokens", json={"name": "ci"},
                          headers={"X-CSRFToken": csrf_from(teacher, "/")}).json["secret"]
    fresh = app.test_client()  # no cookies at all
    response = fresh.post("/api/tokens", json={"name": "from a script"}, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers  # token requests never start a session


def test_pages_carry_security_headers_and_a_strict_csp(reading_client):
    response = reading_client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    page = response.get_data(as_text=True)
    assert "<script>" not in page and " style=" not in page and "<style" not in page
    assert "http://" not in page.replace("http://localhost", "") and "https://" not in page  # nothing from a CDN


def test_oversized_requests_are_refused(make_app):
    app = make_app(MAX_CONTENT_LENGTH=2048)
    client = app.test_client()
    token = csrf_from(client, "/login")
    response = client.post("/login", data={"username": "teacher", "password": "x" * 5000, "csrf_token": token},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_secure_cookies_when_configured(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    response = login(client, "teacher")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers.get("Strict-Transport-Security")


def test_nul_characters_are_refused_in_json_and_forms_and_nothing_is_created(signed_in):
    admin = signed_in("admin")
    token = csrf_from(admin, "/")
    before = admin.get("/api/users", headers={"X-CSRFToken": token}).json
    response = admin.post("/api/users", headers={"X-CSRFToken": token},
                          json={"username": "nul1", "display_name": "A\u0000B", "side": "school",
                                "password": "a-long-password-1", "email": ""})
    assert response.status_code == 400 and response.json["error"]["code"] == "request.unstorable_text"
    assert admin.get("/api/users", headers={"X-CSRFToken": token}).json == before
    page = admin.post("/account/tokens", data={"csrf_token": csrf_from(admin, "/account/tokens"), "name": "x\u0000y"})
    assert page.status_code == 400
    assert admin.get("/api/tokens", headers={"X-CSRFToken": token}).json["tokens"] == []


# ----------------------------------------------------------------------------- text no database can store

FEEDBACK_SITE = "http://sites.example.edu"


def _feedback_count(app) -> int:
    from server.database import new_session
    from server.feedback.models import Feedback

    with new_session(app) as session:
        return session.query(Feedback).count()


def test_a_lone_surrogate_in_anonymous_feedback_is_refused_in_the_readers_language(make_app):
    app = make_app(FEEDBACK_ORIGINS=FEEDBACK_SITE)
    client = app.test_client()
    raw = ('{"book": "locomotive-maintenance", "version": "draft", "page": "chapters/03-brake-test.md",'
           ' "kind": "question", "text": "\\ud800"}')
    for language, words in (("zh-CN", "无法保存的字符"), ("en", "cannot be stored")):
        response = client.post("/api/feedback", data=raw, content_type="application/json",
                               headers={"Origin": FEEDBACK_SITE, "Accept-Language": language})
        assert response.status_code == 400
        assert response.json["error"]["code"] == "request.unstorable_text"
        assert words in response.json["error"]["message"] and "text" in response.json["error"]["message"]
    assert _feedback_count(app) == 0


def test_a_lone_surrogate_anywhere_in_a_json_body_is_refused_and_nothing_is_created(signed_in):
    admin = signed_in("admin")
    token = csrf_from(admin, "/")
    before = admin.get("/api/users", headers={"X-CSRFToken": token}).json
    for raw in ('{"username": "lone1", "display_name": "A\\udfffB", "side": "school", "password": "p-9Xq!long-pass"}',
                '{"username": "lone2", "display_name": "A", "side": "school", "password": "p-9Xq!long-pass",'
                ' "\\ud83d": "a key cut in half"}'):
        response = admin.post("/api/users", data=raw, content_type="application/json", headers={"X-CSRFToken": token})
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.json["error"]["code"] == "request.unstorable_text"
    assert admin.get("/api/users", headers={"X-CSRFToken": token}).json == before


def test_a_whole_emoji_written_as_a_surrogate_pair_is_kept(make_app):
    app = make_app(FEEDBACK_ORIGINS=FEEDBACK_SITE)
    raw = ('{"book": "locomotive-maintenance", "version": "draft", "page": "chapters/03-brake-test.md",'
           ' "kind": "question", "text": "\\ud83d\\ude00 为什么？"}')
    response = app.test_client().post("/api/feedback", data=raw, content_type="application/json",
                                      headers={"Origin": FEEDBACK_SITE})
    assert response.status_code == 201
    assert _feedback_count(app) == 1


def test_nul_in_any_repeated_form_field_or_query_parameter_is_refused(signed_in):
    admin = signed_in("admin")
    from werkzeug.datastructures import MultiDict

    page = admin.post("/account/tokens", data=MultiDict([("csrf_token", csrf_from(admin, "/account/tokens")),
                                                        ("name", "ok"), ("name", "x\u0000y")]))
    assert page.status_code == 400
    assert "无法保存的字符" in page.get_data(as_text=True)
    assert admin.get("/api/tokens", headers={"X-CSRFToken": csrf_from(admin, "/")}).json["tokens"] == []
    query = admin.get("/api/users?q=ok&q=%00", headers={"Accept-Language": "en"})
    assert query.status_code == 400 and query.json["error"]["code"] == "request.unstorable_text"
    key = admin.get("/api/users?%00=1")
    assert key.status_code == 400
