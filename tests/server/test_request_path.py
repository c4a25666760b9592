"""The author's request path stays correct where it was made cheaper: roles read once per
request, the token found with its owner in one lookup, previews remembered by their text."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from helpers import post_form, sign_in
from server.database import db, new_session
from server.accounts.models import Membership, User
from server.accounts.service import remove_membership, set_membership
from server.permissions import Ability, may

BOOK = "locomotive-maintenance"


@pytest.fixture
def token_for(app):
    def issue(username: str) -> str:
        client = app.test_client()
        sign_in(client, username)
        page = post_form(client, "/account/tokens", {"name": "tests"}).get_data(as_text=True)
        start = page.index('id="token-secret">') + len('id="token-secret">')
        return page[start:page.index("<", start)]

    return issue


def _teacher():
    return db().scalar(select(User).where(User.username == "teacher"))


def test_a_role_taken_away_during_a_request_is_refused_at_the_next_check(app):
    with app.test_request_context("/"):
        teacher = _teacher()
        assert may(teacher, Ability.write, BOOK)
        remove_membership(db(), teacher, BOOK)  # pending, not yet flushed
        assert not may(teacher, Ability.write, BOOK)
        assert not may(teacher, Ability.read, BOOK)


def test_a_role_lowered_during_a_request_grants_only_what_it_grants(app):
    with app.test_request_context("/"):
        teacher = _teacher()
        assert may(teacher, Ability.write, BOOK)
        set_membership(db(), teacher, BOOK, "reader")
        db().flush()
        assert may(teacher, Ability.read, BOOK) and not may(teacher, Ability.write, BOOK)


def test_a_role_changed_by_another_session_during_a_request_is_seen(app):
    with app.test_request_context("/"):
        teacher = _teacher()
        assert may(teacher, Ability.write, BOOK)
        with new_session() as other:
            other.delete(other.scalar(select(Membership).where(Membership.user_id == teacher.id,
                                                               Membership.book == BOOK)))
            other.commit()
        assert not may(teacher, Ability.write, BOOK)


def test_a_role_given_then_rolled_back_is_not_granted(app):
    with app.test_request_context("/"):
        outsider = db().scalar(select(User).where(User.username == "outsider"))
        assert not may(outsider, Ability.write, BOOK)
        set_membership(db(), outsider, BOOK, "author")
        assert may(outsider, Ability.write, BOOK)
        db().rollback()
        assert not may(outsider, Ability.write, BOOK)


def test_the_token_signs_in_its_owner_and_records_its_use(app, token_for):
    secret = token_for("technician")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/me", headers=headers).get_json()["username"] == "technician"
    tokens = client.get("/api/tokens", headers=headers).get_json()
    listed = tokens["tokens"] if isinstance(tokens, dict) else tokens
    assert listed and all(t["last_used_at"] for t in listed)


def test_a_repeated_preview_is_the_same_safe_html_with_each_branchs_images(app, token_for):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token_for('teacher')}"}
    text = "## 标题\n\n<script>alert(1)</script>\n\n![图](../assets/brake.png)\n"
    url = f"/api/books/{BOOK}/preview"
    first = client.post(url, json={"text": text}, headers=headers).get_json()["html"]
    again = client.post(url, json={"text": text}, headers=headers).get_json()["html"]
    on_branch = client.post(url, json={"text": text, "branch": "cr/7"}, headers=headers).get_json()["html"]
    assert first == again
    assert "<script" not in first and "标题" in first
    assert "brake.png?branch=cr/7" in on_branch and "?branch=" not in first
