"""The JSON API: tokens, accounts, memberships, and the OpenAPI document that describes it."""
from __future__ import annotations

import re

import pytest

from helpers import post_form, sign_in


@pytest.fixture
def token_for(app):
    """``token_for("admin")`` -> a personal access token created through the browser page."""

    def issue(username: str) -> str:
        client = app.test_client()
        sign_in(client, username)
        page = post_form(client, "/account/tokens", {"name": "tests"}).get_data(as_text=True)
        start = page.index('id="token-secret">') + len('id="token-secret">')
        return page[start:page.index("<", start)]

    return issue


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_token_created_in_the_browser_is_shown_once_and_works(app, signed_in, token_for):
    secret = token_for("teacher")
    assert secret.startswith("jb_")
    me = app.test_client().get("/api/me", headers=bearer(secret))
    assert me.status_code == 200
    assert me.json["username"] == "teacher" and me.json["side"] == "school"
    assert me.json["memberships"] == [{"book": "locomotive-maintenance", "role": "author"}]
    page = signed_in("teacher").get("/account/tokens").get_data(as_text=True)
    assert secret not in page and secret[:7] in page  # only its first characters are ever shown again


def test_revoked_token_stops_working(app, signed_in, token_for):
    secret = token_for("teacher")
    teacher = signed_in("teacher")
    tokens = app.test_client().get("/api/tokens", headers=bearer(secret)).json["tokens"]
    assert post_form(teacher, f"/account/tokens/{tokens[0]['id']}/revoke").status_code == 302
    response = app.test_client().get("/api/me", headers=bearer(secret))
    assert response.status_code == 401 and response.json["error"]["code"] == "token.invalid"


def test_wrong_token_is_refused_even_with_a_valid_session(signed_in):
    teacher = signed_in("teacher")
    response = teacher.get("/api/me", headers={"Authorization": "Bearer jb_not-a-real-token",
                                               "Accept-Language": "en"})
    assert response.status_code == 401
    assert response.json["error"]["message"] == "The access token is missing, wrong or revoked."


def test_token_of_a_disabled_account_stops_working(app, token_for):
    secret = token_for("technician")
    admin = token_for("admin")
    client = app.test_client()
    assert client.patch("/api/users/technician", json={"active": False}, headers=bearer(admin)).status_code == 200
    assert client.get("/api/me", headers=bearer(secret)).status_code == 401


def test_admin_manages_people_through_the_api(app, token_for):
    admin = bearer(token_for("admin"))
    client = app.test_client()
    created = client.post("/api/users", json={"username": "liu", "password": "long enough password",
                                              "side": "enterprise", "display_name": "刘师傅"}, headers=admin)
    assert created.status_code == 201 and created.json["side"] == "enterprise"
    again = client.post("/api/users", json={"username": "liu", "password": "long enough password"},
                        headers={**admin, "Accept-Language": "zh-CN"})
    assert again.status_code == 409 and again.json["error"]["message"] == "用户名 liu 已被使用。"
    invalid = client.post("/api/users", json={"username": "-bad", "password": "x"}, headers=admin)
    assert invalid.status_code == 422 and invalid.json["error"]["code"] == "request.invalid"
    changed = client.patch("/api/users/liu", json={"side": "school", "is_admin": True}, headers=admin)
    assert changed.json["side"] == "school" and changed.json["is_admin"] is True
    usernames = [u["username"] for u in client.get("/api/users", headers=admin).json["users"]]
    assert "liu" in usernames


def test_a_refused_request_names_its_field_in_the_askers_language_and_changes_nothing(app, token_for):
    admin = bearer(token_for("admin"))
    client = app.test_client()
    refused = client.post("/api/users", json={"username": "liu", "password": "long enough password",
                                              "is_admin": "yes"}, headers={**admin, "Accept-Language": "zh-CN"})
    assert refused.status_code == 422 and refused.json["error"]["code"] == "request.invalid"
    assert refused.json["error"]["message"].startswith("请求无效：is_admin")
    assert "liu" not in [u["username"] for u in client.get("/api/users", headers=admin).json["users"]]
    query = client.get("/api/jobs?limit=0", headers={**admin, "Accept-Language": "en"})
    assert query.status_code == 422 and query.json["error"]["message"].startswith("The request is not valid: limit")


def test_maintainer_manages_members_through_the_api_and_a_teacher_cannot(app, token_for):
    maintainer, teacher = bearer(token_for("maintainer")), bearer(token_for("teacher"))
    client = app.test_client()
    url = "/api/books/locomotive-maintenance/members"
    assert client.put(f"{url}/outsider", json={"role": "reviewer"}, headers=maintainer).json["role"] == "reviewer"
    members = {m["username"]: m["role"] for m in client.get(url, headers=maintainer).json["members"]}
    assert members["outsider"] == "reviewer" and members["teacher"] == "author"
    assert client.put(f"{url}/outsider", json={"role": "maintainer"}, headers=teacher).status_code == 403
    assert client.delete(f"{url}/outsider", headers=maintainer).status_code == 204
    assert client.delete(f"{url}/outsider", headers=maintainer).status_code == 404
    assert client.put("/api/books/no-such-book/members/teacher", json={"role": "reader"},
                      headers=bearer(token_for("admin"))).status_code == 404


def test_openapi_document_is_valid_and_lists_every_api_route(reading_app):
    from openapi_spec_validator import validate

    document = reading_app.test_client().get("/api/openapi.json").json
    validate(document)
    assert document["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    for rule in reading_app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)  # <int:id>, <chapter:file>: {id}, {file}
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented, f"{method} {path} is not in the OpenAPI document"
    me = document["paths"]["/api/me"]["get"]
    assert me["x-permission"] == "signed_in" and {"token": []} in me["security"]


def test_api_conforms_to_its_openapi_document(app, token_for):
    """A bounded schemathesis run: no 5xx, documented status codes, responses match their schemas."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import (
        content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance,
    )

    # schemathesis's WSGI transport reads the body as sent; compression has its own tests
    headers = {**bearer(token_for("admin")), "Accept-Encoding": "identity"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @settings(max_examples=5, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def conforms(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=checks)

        conforms()
