"""Every route of the platform refuses people who may not use it.

Walks ``app.url_map`` (so routes added later are covered automatically) and
requests each one, with each method, as an anonymous visitor, as a signed-in
person with no book, and as members whose role is too low. Routes anyone may
use are listed here by name: adding one is a conscious decision.
"""
from __future__ import annotations

import re

import pytest

from helpers import sign_in
from server.permissions import LOWEST_ROLE, ROLE_RANK, requirement_of
from server.accounts.models import Role

PUBLIC = {
    "signin.login",
    "signin.logout",
    "language.switch",
    "health.healthz",
    "api.openapi_json",
    "feedback.follow",  # the asker's private link (the token is the secret)
    "api.submit_feedback",  # the form of published sites: anonymous readers, rate-limited
    "api.public_answers",
    "api.follow_feedback",
    "case.documents",
    "case.document",
    "case.package",
    "case.item",
    "case.association",
    "case.item_associations",
    "case.itemtypes",
    "case.subjects",
    "case.concepts",
    "case.licenses",
    "case.associationgroupings",
    "case.rubrics",
    "case.discovery",
    "case.unknown",  # CASE's own 404 for anything else under the service
    "sites.latest",  # published sites: students read without an account
    "sites.read",
    "git_http.refs",  # git clone and push: HTTP Basic with a personal access token, checked by the view
    "git_http.upload_pack",
    "git_http.receive_pack",
}
ANY_SIGNED_IN = {
    "home.index",
    "change_requests.mine",
    "notifications.index",
    "notifications.mark_read",
    "api.list_my_change_requests",
    "api.list_notifications",
    "api.mark_notifications_read",
    "account.profile",
    "account.tokens",
    "account.revoke_token",
    "api.me",
    "api.list_tokens",
    "api.create_token",
    "api.revoke_token",
    "standards.index",
    "standards.show",
    "standards.export",
    "standards.template",
    "crosswalks.index",
    "crosswalks.show",
    "api.list_crosswalks",
    "api.get_crosswalk",
    "api.list_standards",
    "api.get_standard",
    "api.export_standard",
    "books.index",
    "api.list_books",
    # A textbook review's panel need not be members of the book: these routes let in anyone signed in,
    # then the service refuses (403) all but the team, administrators and the panel (test_textbook_reviews.py).
    "textbook_reviews.mine",
    "textbook_reviews.show",
    "textbook_reviews.panel",
    "textbook_reviews.reading",
    "textbook_reviews.comment",
    "textbook_reviews.meeting",
    "textbook_reviews.sign",
    "textbook_reviews.review_dossier",
    "api.get_textbook_review",
    "api.form_textbook_review_panel",
    "api.record_textbook_review_reading",
    "api.comment_textbook_review",
    "api.record_textbook_review_meeting",
    "api.sign_textbook_review",
}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _sample_value(argument: str, converter) -> str:
    from werkzeug.routing import IntegerConverter

    name = type(converter).__name__
    if isinstance(converter, IntegerConverter):  # the app's own id converter is one too
        return "1"
    if name == "PathConverter":
        return "chapters/01.md"
    if name == "ChapterFileConverter":  # <chapter:file>: a chapter's name, in a folder
        return "part-one/01.md"
    if name == "AnyConverter":  # e.g. annual.<any(pdf, csv):kind>: one of the values the rule allows
        return sorted(converter.items)[0]
    return {"book": "locomotive-maintenance", "username": "teacher"}.get(argument, "x")


def _requests(app):
    """(endpoint, method, url) for every route except static files."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = rule.rule
        for argument in rule.arguments:
            converter = rule._converters.get(argument)
            if converter is None:  # filled from the rule's defaults, not the URL
                continue
            pattern = f"<{argument}>" if f"<{argument}>" in url else None
            if pattern is None:  # the placeholder alone, not the text beside it in the same segment
                pattern = re.search(rf"<[^<>]*:{argument}>", url).group(0)
            url = url.replace(pattern, _sample_value(argument, converter))
        for method in METHODS:
            if method in rule.methods:
                yield rule.endpoint, method, url


def _refused(response) -> bool:
    """Refused to someone not signed in: the API answers 401, a page sends them to sign in."""
    if response.request.path.startswith("/api/"):
        return response.status_code == 401
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.fixture
def open_app(make_app):
    """CSRF off, so what is tested here is the permission and nothing else."""
    return make_app(WTF_CSRF_ENABLED=False)


def test_public_and_signed_in_lists_match_what_views_declare(reading_app):
    declared = {endpoint: requirement_of(view) for endpoint, view in reading_app.view_functions.items()
                if endpoint != "static"}
    assert {e for e, r in declared.items() if r.kind == "public"} == PUBLIC
    assert {e for e, r in declared.items() if r.kind == "signed_in"} == ANY_SIGNED_IN


def test_anonymous_visitors_are_refused_everywhere_but_public_routes(open_app):
    client = open_app.test_client()
    checked = 0
    for endpoint, method, url in _requests(open_app):
        if endpoint in PUBLIC:
            continue
        response = client.open(url, method=method, json={} if url.startswith("/api/") else None)
        assert _refused(response), f"{method} {url} answered {response.status_code} to an anonymous visitor"
        checked += 1
    assert checked > 20


def test_a_person_without_rights_is_refused_admin_and_book_routes(open_app):
    client = open_app.test_client()
    sign_in(client, "outsider")
    for endpoint, method, url in _requests(open_app):
        if endpoint in PUBLIC or endpoint in ANY_SIGNED_IN:
            continue
        response = client.open(url, method=method, json={} if url.startswith("/api/") else None)
        assert response.status_code == 403, f"{method} {url} answered {response.status_code} to an outsider"


def test_api_without_session_or_token_says_401_in_json(open_app):
    client = open_app.test_client()
    response = client.get("/api/users")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "http.401"


@pytest.mark.parametrize("username,role", [("reader", Role.reader), ("teacher", Role.author),
                                           ("reviewer", Role.reviewer)])
def test_members_are_refused_what_their_role_does_not_grant(open_app, username, role):
    client = open_app.test_client()
    sign_in(client, username)
    for endpoint, method, url in _requests(open_app):
        requirement = requirement_of(open_app.view_functions[endpoint])
        if requirement.kind == "admin":
            expected_refusal = True
        elif requirement.kind == "book":
            expected_refusal = ROLE_RANK[role] < ROLE_RANK[LOWEST_ROLE[requirement.ability]]
        else:
            continue
        if not expected_refusal:
            continue
        response = client.open(url, method=method, json={} if url.startswith("/api/") else None)
        assert response.status_code == 403, f"{method} {url} answered {response.status_code} to a {role.value}"


def test_a_disabled_account_loses_its_session(open_app):
    from server.database import new_session
    from server.accounts.models import User

    client = open_app.test_client()
    sign_in(client, "teacher")
    assert client.get("/").status_code == 200
    with new_session(open_app) as session:
        session.query(User).filter_by(username="teacher").update({"active": False})
        session.commit()
    assert _refused(client.get("/"))
