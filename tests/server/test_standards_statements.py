"""The catalogue and the editor's picker show a statement's Markdown and math, sanitized."""
from __future__ import annotations

import dataclasses

from materials import OVERWRITE, Author, Library, Write
from materials.standards.reading import parse_standard
from materials.standards.writing import dump_standard

BOOK = "locomotive-maintenance"
STARTER = "sample-noss-locomotive-maintenance@2026"
PATH = f"standards/{STARTER}.yml"
STATEMENT = "能按 $U = IR$ 计算并 **记录** 结果<script>alert(1)</script>"


def with_statement(app) -> str:
    """The starter standard with one skill written in Markdown and TeX; returns that item's key."""
    lib = Library(app.config["LIBRARY_PATH"])
    std = parse_standard(lib.read("main", PATH), PATH)
    key = next(i.key for i in std.items if i.kind == "S")
    items = tuple(dataclasses.replace(i, text=STATEMENT) if i.key == key else i for i in std.items)
    lib.commit("main", [Write(PATH, dump_standard(dataclasses.replace(std, items=items)))],
               Author("Admin", "admin@example.org", "school"), "A statement with a formula", base=OVERWRITE)
    return key


def test_the_catalogue_renders_a_statement_s_markdown_and_math(app, signed_in):
    key = with_statement(app)
    client = signed_in("reader")
    page = client.get(f"/standards/{STARTER}").get_data(as_text=True)
    node = page.split(f'id="item-{key}"', 1)[1].split("</li>", 1)[0]
    assert '<span class="arithmatex">\\(U = IR\\)</span>' in node and "<strong>记录</strong>" in node
    assert "<script>alert" not in page and "katex.min.js" in page
    hits = client.get("/standards?q=IR").get_data(as_text=True)
    assert "<strong>记录</strong>" in hits and "<script>alert" not in hits


def test_the_editor_s_picker_gets_the_statement_as_sanitized_html(app, signed_in):
    with_statement(app)
    response = signed_in("teacher").get(f"/api/books/{BOOK}/standard-items?q=IR")
    (item,) = response.json["items"]
    assert item["text"] == STATEMENT
    assert item["html"] == '能按 <span class="arithmatex">\\(U = IR\\)</span> 计算并 <strong>记录</strong> 结果'
