"""The platform's own pages reach a browser compressed when it accepts it, byte for byte the same page."""
from __future__ import annotations

import gzip

import brotli
import pytest


@pytest.mark.parametrize("accept, coding, unpack", [("gzip", "gzip", gzip.decompress), ("br, gzip", "br", brotli.decompress)])
def test_a_page_and_an_api_document_are_compressed_for_a_browser_that_accepts_it(reading_as, reading_client, accept,
                                                                                 coding, unpack):
    plain = reading_client.get("/api/openapi.json", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    packed = reading_client.get("/api/openapi.json", headers={"Accept-Encoding": accept})
    assert packed.headers["Content-Encoding"] == coding and "Accept-Encoding" in packed.headers["Vary"]
    assert unpack(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 3

    teacher = reading_as("teacher")
    page = teacher.get("/", headers={"Accept-Encoding": accept})
    assert page.status_code == 200 and page.headers["Content-Encoding"] == coding
    assert "<html" in unpack(page.get_data()).decode()


def test_nothing_is_compressed_for_a_client_that_does_not_ask(reading_client):
    response = reading_client.get("/api/openapi.json", headers={"Accept-Encoding": ""})
    assert "Content-Encoding" not in response.headers and response.get_json()["openapi"].startswith("3.")
