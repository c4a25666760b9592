"""A book's alignment page as the editor-in-chief reads it before a textbook evaluation."""
from __future__ import annotations

import csv
import dataclasses
import io
import re

import pytest

from helpers import csrf_from, post_form, sign_in
from materials import OVERWRITE, Author, Library, Write
from materials.standards.reading import parse_standard
from materials.standards.standard import Supersession
from materials.standards.writing import dump_standard

BOOK = "locomotive-maintenance"
PAGE = f"/books/{BOOK}/alignment"
STARTER = "sample-noss-locomotive-maintenance@2026"
UNCOVERED = {"L4.S.1.1.1", "L4.K.1.1.1", "L4.S.2.2.2", "L4.S.2.3.3", "L3.S.1.1.1", "L3.K.1.1.1", "L3.S.4.1.1",
             "L3.K.4.1.1", "L3.S.4.2.1", "L3.K.4.2.1"}


@pytest.fixture(scope="module")
def reader(reading_app):
    return sign_in(reading_app.test_client(), "reader")


def rows(html: str) -> list[tuple[str, str]]:
    """(item key, covered yes/no) of every matrix row, in page order."""
    return re.findall(r'<tr class="item-row[^"]*" data-key="([^"]+)" data-covered="(yes|no)"', html)


def test_coverage_per_level_matches_the_starter_book(reader):
    html = reader.get(PAGE).get_data(as_text=True)
    figures = re.findall(r'data-level="(L\d)">.*?class="num covered-count">(\d+/\d+)<', html, re.S)
    assert figures == [("L5", "19/19"), ("L4", "36/40"), ("L3", "43/53")]
    assert "100.0%" in html and "90.0%" in html and "81.1%" in html


def test_gaps_are_the_items_the_starter_leaves_uncovered_and_come_first(reader):
    html = reader.get(PAGE).get_data(as_text=True)
    gaps = set(re.findall(r'<li class="gap-item" data-key="([^"]+)"', html))
    assert gaps == UNCOVERED
    matrix = rows(html)
    skills_and_knowledge = [(k, c) for k, c in matrix if ".S." in k or ".K." in k]
    assert {k for k, c in skills_and_knowledge if c == "no"} == UNCOVERED
    assert [c for _k, c in skills_and_knowledge[:10]] == ["no"] * 10  # gaps listed first
    assert ("L4.S.2.1.1", "yes") in matrix


def test_the_matrix_marks_the_chapters_that_cover_an_item(reader):
    html = reader.get(PAGE).get_data(as_text=True)
    row = html.split('data-key="L4.S.2.1.1"', 1)[1].split("</tr>", 1)[0]
    assert row.count('class="cell on"') == 1 and 'title="制动机的检查与试验">●' in row
    assert 'class="matrix-wrap"' in html


def test_filters_by_level_and_kind_work_without_javascript(reader):
    html = reader.get(f"{PAGE}?level=L4&kind=S").get_data(as_text=True)
    keys = [k for k, _ in rows(html)]
    assert keys and all(".S." in k for k in keys)
    assert {k.split(".")[0] for k in keys} == {"L5", "L4"}  # cumulative: 四级 includes 五级
    only_l3 = [k for k, _ in rows(reader.get(f"{PAGE}?level=L3&kind=K&order=standard").get_data(as_text=True))]
    assert only_l3[0] == "L5.K.1.1.1"  # standard order
    assert rows(reader.get(f"{PAGE}?level=nonsense").get_data(as_text=True)) == rows(reader.get(PAGE).get_data(as_text=True))


def test_csv_export_is_the_table_a_college_submits(reader):
    response = reader.get(f"{PAGE}.csv")
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf") and "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == ["标准", "层级", "类别", "编号", "条目", "内容", "是否覆盖", "覆盖章节"]
    by_key = {row[4]: row for row in table[1:]}
    assert by_key["L4.S.1.1.1"][6] == "否"
    assert by_key["L4.S.2.1.1"][6] == "是" and "3 制动机的检查与试验" in by_key["L4.S.2.1.1"][7]
    assert {k for k, row in by_key.items() if row[6] == "否" and (".S." in k or ".K." in k)} == UNCOVERED


def test_printable_page_has_the_facts_and_print_styles(reader):
    html = reader.get(f"{PAGE}/print").get_data(as_text=True)
    assert "电力机车运用与检修" in html and "SAMPLE-LOCO-01" in html
    assert 'class="chapter-legend"' in html and "css/standards.css" in html
    css = reader.get("/static/css/standards.css").get_data(as_text=True)
    assert "@media print" in css


def test_capabilities_view_lists_chapters_per_work_content(reader):
    html = reader.get(f"{PAGE}/capabilities").get_data(as_text=True)
    brake = html.split('data-key="L4.C.2.1"', 1)[1].split("</li>\n    \n", 1)[0]
    assert "制动机的检查与试验" in brake
    api = reader.get(f"/api/books/{BOOK}/alignment/capabilities").json
    posts = {p["key"]: p for p in api["posts"]}
    caps = {c["key"]: c for c in posts["L3.F.4"]["capabilities"]}
    assert caps["L3.C.4.1"]["covered"] == 0  # L3.S.4.1.1 and L3.K.4.1.1 are gaps


def test_alignment_api_gives_levels_and_the_matrix(reader):
    data = reader.get(f"/api/books/{BOOK}/alignment").json
    levels = {row["level"]: (row["covered"], row["total"]) for row in data["levels"]}
    assert levels == {"L5": (19, 19), "L4": (36, 40), "L3": (43, 53)}
    assert {i["key"] for i in data["items"] if i["gap"]} == UNCOVERED
    filtered = reader.get(f"/api/books/{BOOK}/alignment?level=L5&kind=K").json["items"]
    assert filtered and all(i["kind"] == "K" and i["level"] == "L5" for i in filtered)


def test_a_chapter_read_again_outlives_chapters_read_once_in_the_cache(reading_app):
    """The chapter cache drops the chapter read longest ago, not the one stored first: a book's
    chapters are read on each of its pages while other books' chapters pass through."""
    from server.alignment import service
    from server.library import library

    with reading_app.app_context():
        lib = library()
        path, blob = next((p, b) for p, b in sorted(lib.files("main", f"books/{BOOK}/chapters").items())
                          if p.endswith(".md"))
        cache = service._chapter_refs.cache
        cache.clear()
        first = service._chapter_refs(lib, path, blob)
        for n in range(int(cache.maxsize) - 1):  # the other chapters of a large library
            cache[f"other-{n}"] = first
        assert service._chapter_refs(lib, path, blob) is first  # this book's page reads it again
        cache["one-more"] = first  # then one more chapter comes in
        try:
            assert blob + path in cache
        finally:
            cache.clear()


def test_people_outside_the_book_are_refused(reading_app):
    outsider = sign_in(reading_app.test_client(), "outsider")
    for url in (PAGE, f"{PAGE}.csv", f"{PAGE}/print", f"{PAGE}/capabilities", f"/api/books/{BOOK}/alignment"):
        assert outsider.get(url).status_code == 403, url
    assert reading_app.test_client().get(PAGE).status_code == 302


# --------------------------------------------------------------- superseded


def new_edition(lib: Library) -> str:
    """A 2027 edition that supersedes the starter's, renaming one skill (same code, new key)."""
    path = f"standards/{STARTER}.yml"
    old = parse_standard(lib.read("main", path), path)
    items = []
    for item in old.items:
        if item.key == "L4.S.2.1.1":
            item = dataclasses.replace(item, key="L4.S.2.1.9")
        items.append(item)
    new = dataclasses.replace(old, id="sample-noss-locomotive-maintenance@2027", edition="2027", items=tuple(items),
                              supersedes=(Supersession(STARTER, True),))
    lib.commit("main", [Write(f"standards/{new.id}.yml", dump_standard(new))], Author("Admin", "a@example.org", "school"),
               "Add the 2027 edition", base=OVERWRITE)
    return new.id


def test_a_superseded_edition_is_flagged_and_its_migration_applied_as_a_change_request(app, signed_in):
    lib = Library(app.config["LIBRARY_PATH"])
    new_id = new_edition(lib)
    maintainer = signed_in("maintainer")
    page = maintainer.get(PAGE).get_data(as_text=True)
    assert 'class="notice warn superseded"' in page and new_id in page
    proposal = maintainer.get(f"{PAGE}/migration/{STARTER}").get_data(as_text=True)
    assert re.search(r'data-old="L4.S.2.1.1">.*?<code class="new-key">L4.S.2.1.9</code>', proposal, re.S)
    api = maintainer.get(f"/api/books/{BOOK}/alignment/migrations").json["migrations"][0]
    assert {r["old"]: r["new"] for r in api["items"]}["L4.S.2.1.1"] == ["L4.S.2.1.9"]

    main_before = lib.resolve("main")
    response = post_form(maintainer, f"{PAGE}/migration/{STARTER}")
    assert response.status_code == 302
    assert lib.resolve("main") == main_before
    number = int(re.search(r"/change-requests/(\d+)", response.headers["Location"]).group(1))
    branch = f"cr/{number}"
    cr_page = maintainer.get(response.headers["Location"]).get_data(as_text=True)
    assert new_id in cr_page
    assert new_id in lib.read(branch, f"books/{BOOK}/book.yml").decode()
    chapter = lib.read(branch, f"books/{BOOK}/chapters/03-brake-test.md").decode()
    front = chapter.split("---", 2)[1]
    assert "L4.S.2.1.9" in front and "L4.S.2.1.1" not in front
    assert lib.book(BOOK, branch).config.standards == (new_id,)


def test_readers_may_see_but_not_apply_a_migration(app, signed_in):
    new_edition(Library(app.config["LIBRARY_PATH"]))
    reader = signed_in("reader")
    assert reader.get(f"{PAGE}/migration/{STARTER}").status_code == 200
    response = reader.post(f"{PAGE}/migration/{STARTER}", data={"csrf_token": csrf_from(reader, PAGE)})
    assert response.status_code == 403
    assert signed_in("maintainer").get(f"{PAGE}/migration/nope@1").status_code == 404
