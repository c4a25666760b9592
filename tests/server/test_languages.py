"""The interface speaks Chinese and English, chosen by the browser or the person."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from helpers import csrf_from, login
from server.i18n import EXTRACT_FROM, KEYWORDS

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "server/translations/zh_CN/LC_MESSAGES/messages.po"


def heading(response) -> str:
    return re.search(r"<h1>(.*?)</h1>", response.get_data(as_text=True)).group(1)


def test_language_follows_the_browser(reading_client):
    assert heading(reading_client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})) == "登录"
    assert heading(reading_client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})) == "Sign in"
    assert heading(reading_client.get("/login")) == "登录"  # nothing said: the instance default, Chinese


def test_language_switch_is_remembered_and_returns_to_the_page(client):
    token = csrf_from(client, "/login")
    response = client.post("/language", data={"locale": "en", "next": "/login?next=/account", "csrf_token": token})
    assert response.headers["Location"] == "/login?next=/account"
    assert heading(client.get("/login", headers={"Accept-Language": "zh-CN"})) == "Sign in"
    client.post("/language", data={"locale": "zh_CN", "csrf_token": token})
    assert heading(client.get("/login", headers={"Accept-Language": "en"})) == "登录"


def test_language_survives_signing_in(client):
    token = csrf_from(client, "/login")
    client.post("/language", data={"locale": "en", "csrf_token": token})
    login(client, "teacher")
    assert "My books" in client.get("/").get_data(as_text=True)


def test_language_switch_refuses_unknown_languages_and_foreign_redirects(client):
    token = csrf_from(client, "/login")
    assert client.post("/language", data={"locale": "xx", "csrf_token": token}).status_code == 400
    response = client.post("/language", data={"locale": "en", "next": "//evil.example/", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_errors_are_translated_in_pages_and_api(reading_client):
    page = reading_client.get("/no/such/page", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 404 and "这个页面不存在" in page.get_data(as_text=True)
    api = reading_client.get("/api/users", headers={"Accept-Language": "en"})
    assert api.json["error"]["message"] == "Please sign in first."


def test_every_message_of_the_interface_has_a_chinese_translation():
    """Fails when a new _() string is not yet in the catalog, or is untranslated (see docs/admin.md)."""
    source = {message for _file, _line, message, _comments, _context in
              extract_from_dir(str(ROOT), EXTRACT_FROM, keywords=KEYWORDS) if isinstance(message, str)}
    with CATALOG.open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id: m.string for m in catalog if m.id and not m.fuzzy}
    missing = sorted(m for m in source if not translated.get(m))
    assert not missing, f"untranslated: run `python3 -m server.i18n`, then translate in {CATALOG}: {missing}"


def test_every_materials_error_code_has_a_translated_message(reading_app):
    import importlib
    import pkgutil

    import materials
    import materials.errors as material_errors
    from server.errors import MESSAGES, describe

    for module in pkgutil.iter_modules(materials.__path__):  # every module that defines error types
        importlib.import_module(f"materials.{module.name}")

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    codes = {cls.code for cls in subclasses(material_errors.MaterialsError)} | {"materials.error"}
    assert codes - set(MESSAGES) == set()
    with reading_app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        error = material_errors.PathOutsideBook("outside", path="../etc/passwd")
        assert describe(error) == "这个路径在本书之外：../etc/passwd。"


def test_every_code_review_produces_is_said_in_chinese_through_the_one_catalogue(reading_app):
    from flask_babel import gettext

    from review.errors import MainMoved
    from review.messages import MESSAGES
    from server.errors import describe, message_for

    with reading_app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert [code for code, msgid in MESSAGES.items() if gettext(msgid) == msgid] == []
        assert describe(MainMoved("x")) == "主线已有新提交：请先从主线更新本变更请求，再重试。"
        lowered = {"standard": "s@1", "level": "L5", "label": "五级/初级工", "lost": ["L5.K.1", "L5.S.2"],
                   "before": 100.0, "after": 50.0}
        assert message_for("coverage.lowered", lowered) == "五级/初级工的覆盖率从 100.0% 降到 50.0%：不再覆盖 L5.K.1、L5.S.2"
        superseded = {"standard": "s@2019", "status": "superseded", "replaced_by": "s@2026"}
        assert message_for("standard.superseded", superseded) == "标准 s@2019 已被替代，现行版本为 s@2026"
        assert message_for("change_request.illegal_transition", {"number": 3}) == \
            gettext("Change request #%(number)s is %(state)s; this is not possible now.") % {"number": 3, "state": "…"}
    with reading_app.test_request_context(headers={"Accept-Language": "en"}):
        assert describe(MainMoved("x")) == "Main moved meanwhile: update the change request from main and try again."
