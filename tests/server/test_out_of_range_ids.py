"""A number no database id can be (2^31 and more) names nothing: every route answers 404.

Walks ``app.url_map`` so routes added later are covered: every rule with a
number in its path, with each of its methods, signed in as an administrator.
"""
from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from helpers import sign_in

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
HUGE = (2**31, 2**63, 10**30)


def _routes_with_numbers(app, number: int):
    for rule in app.url_map.iter_rules():
        converters = rule._converters
        if not any(isinstance(c, IntegerConverter) for c in converters.values()):
            continue
        url = rule.rule
        for argument, converter in converters.items():
            value = str(number) if isinstance(converter, IntegerConverter) else \
                {"book": "locomotive-maintenance", "username": "teacher"}.get(argument, "x")
            url = url.replace(next(part for part in url.split("/") if part.endswith(f"{argument}>")), value, 1)
        for method in METHODS:
            if method in rule.methods:
                yield method, url


@pytest.fixture
def open_app(make_app):
    """CSRF off, so that only routing is tested."""
    return make_app(WTF_CSRF_ENABLED=False)


@pytest.mark.parametrize("number", HUGE)
def test_every_route_answers_404_for_an_id_no_database_holds(open_app, number):
    client = open_app.test_client()
    sign_in(client, "admin")
    checked = []
    for method, url in _routes_with_numbers(open_app, number):
        response = client.open(url, method=method, json={} if url.startswith("/api/") else None,
                               headers={"Accept-Language": "en"})
        assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
        checked.append(method)
    assert {"GET", "POST", "PATCH", "DELETE"} <= set(checked)


def test_the_404_for_a_huge_id_is_a_translated_page_and_json(open_app):
    client = open_app.test_client()
    sign_in(client, "admin")
    book = "/books/locomotive-maintenance/change-requests"
    page = client.get(f"{book}/{2**31}")
    assert page.status_code == 404 and "页面不存在" in page.get_data(as_text=True)
    api = client.delete(f"/api/books/locomotive-maintenance/parts/{2**31}", headers={"Accept-Language": "en"})
    assert api.status_code == 404 and api.json["error"] == {"code": "http.404", "message": "This page does not exist."}
    assert client.get(f"{book}/{2**31 - 1}").status_code == 404  # the largest id is an id: just none with it
