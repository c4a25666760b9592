"""A CASE package written by another system, imported through the pages: dry run, report, change request."""
from __future__ import annotations

import copy
import io
import json
from pathlib import Path

from helpers import csrf_from
from materials import Library
from materials.standards.case import from_case
from materials.standards.reading import parse_standard

BOOK = "locomotive-maintenance"
IMPORT = f"/books/{BOOK}/standards/import"
FULL = json.loads((Path(__file__).parents[1] / "standards" / "packages" / "full_model.json").read_text("utf-8"))


def upload(client, package: dict):
    token = csrf_from(client, IMPORT)
    raw = json.dumps(package, ensure_ascii=False).encode("utf-8")
    return client.post(IMPORT, content_type="multipart/form-data", data={
        "csrf_token": token, "case-package": (io.BytesIO(raw), "robots.json"), "case-standard_id": ""})


def test_a_foreign_package_is_shown_with_its_notes_then_saved_faithfully(app, signed_in):
    package = copy.deepcopy(FULL)
    package["CFAssociations"].append({"identifier": 7, "associationType": "isRelatedTo"})  # cannot be read
    client = signed_in("maintainer")
    uploaded = upload(client, package)
    assert uploaded.status_code == 302 and "/standards/import/" in uploaded.headers["Location"]
    lib = Library(app.config["LIBRARY_PATH"])
    assert not [b for b in lib.branches() if b.startswith("cr/")]  # a dry run: nothing saved yet
    report = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    assert f"CFAssociations[{len(FULL['CFAssociations'])}].identifier" in report
    assert "Industrial Robot Operation and Maintenance" in report
    url = uploaded.headers["Location"]
    done = client.post(url, data={"confirm-csrf_token": csrf_from(client, url), "confirm-go": "1"})
    assert done.status_code == 302 and "/change-requests/" in done.headers["Location"]
    (branch,) = [b for b in lib.branches() if b.startswith("cr/")]
    expected = from_case(copy.deepcopy(FULL))
    path = f"standards/{expected.id}.yml"
    assert parse_standard(lib.read(branch, path), path) == expected


def test_the_same_document_twice_is_caught_while_the_first_is_in_review(app, signed_in):
    client = signed_in("maintainer")
    first = upload(client, copy.deepcopy(FULL))
    url = first.headers["Location"]
    client.post(url, data={"confirm-csrf_token": csrf_from(client, url), "confirm-go": "1"})
    again = upload(client, copy.deepcopy(FULL))
    page = again.get_data(as_text=True) if again.status_code != 302 else client.get(again.headers["Location"]).get_data(as_text=True)
    problems = page.partition('class="import-problems"')[2].partition("</table>")[0]
    assert from_case(copy.deepcopy(FULL)).id in problems and "#1" in problems
    lib = Library(app.config["LIBRARY_PATH"])
    assert len([b for b in lib.branches() if b.startswith("cr/")]) == 1
