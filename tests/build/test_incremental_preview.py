"""A preview reuses what did not change, and still equals a build from nothing.

The page cache and the remembered search words make a preview of a change
request render only the pages whose inputs changed. These tests compare the
preview, file by file, with a build that uses no cache at all (jieba with
its whole dictionary, every page rendered by MkDocs).
"""
from __future__ import annotations

import json
import re

import pytest

from build.site import build_site
from build.previews import build_preview
from materials import OVERWRITE, Library, Write

from .conftest import BOOK, TEACHER, tree_hashes

EDITED = f"books/{BOOK}/chapters/03-brake-test.md"
RETITLED = f"books/{BOOK}/chapters/05-traction-motor-running-gear.md"
NEW_TEXT = "\n\n## 补充案例\n\n司机在制动机试验中发现副风缸漏泄，立即报告调度并更换阀件。\n"


def site_files(root) -> dict[str, str]:
    hashes = tree_hashes(root)
    hashes.pop("build.json")                    # records when it was built
    return hashes


@pytest.fixture(scope="module")
def previews(tmp_path_factory):
    """Previews of main, then of a one-chapter edit (and a full build of it), then of a title change."""
    root = tmp_path_factory.mktemp("incremental")
    lib = Library.init(root / "library.git", starter=True)
    out = root / "previews"
    first = build_preview(lib, BOOK, 1, "main", out, platform_url=None)
    before = site_files(out / "1")

    lib.create_branch("edit")
    lib.commit("edit", [Write(EDITED, lib.read("main", EDITED).decode() + NEW_TEXT)], TEACHER, "补充制动机案例",
               base=OVERWRITE)
    edited = build_preview(lib, BOOK, 1, "edit", out, platform_url=None)
    after_edit = site_files(out / "1")
    full_edit = build_site(lib, BOOK, "edit", root / "full-edit", version="preview-1", platform_url=None)

    text = lib.read("edit", RETITLED).decode()
    retitled_text = re.sub(r"(?m)^title: .*$", "title: 牵引电动机的检修与试验（修订）", text, count=1)
    assert retitled_text != text
    lib.commit("edit", [Write(RETITLED, retitled_text)], TEACHER, "修改章节标题", base=OVERWRITE)
    retitled = build_preview(lib, BOOK, 1, "edit", out, platform_url=None)
    after_title = site_files(out / "1")
    return {"out": out / "1", "first": first, "edited": edited, "retitled": retitled, "before": before,
            "after_edit": after_edit, "after_title": after_title,
            "full_edit": site_files(full_edit.out_dir),
            "full_edit_dir": full_edit.out_dir}


def reused(result) -> tuple[int, int]:
    m = re.search(r"page cache: (\d+) reused, (\d+) rendered", result.log)
    assert m, result.log[-2000:]
    return int(m.group(1)), int(m.group(2))


def test_one_changed_chapter_renders_only_what_it_touches(previews):
    hits, rendered = reused(previews["edited"])
    assert hits > 0 and rendered <= 3          # the chapter, and the contributors and changes pages
    before, after = previews["before"], previews["after_edit"]
    changed = {path for path in after if before.get(path) != after[path]}
    assert "chapters/03-brake-test.html" in changed
    assert "search/search_index.json" in changed
    untouched = [p for p in after if p.startswith("chapters/") and not p.startswith("chapters/03-brake-test.html")]
    assert untouched and not changed & set(untouched)


def test_preview_after_one_chapter_equals_a_full_build(previews):
    assert previews["after_edit"] == previews["full_edit"]
    page = (previews["full_edit_dir"] / "chapters" / "03-brake-test.html").read_text(encoding="utf-8")
    assert "副风缸漏泄" in page


def test_search_index_of_the_preview_has_the_new_words_segmented(previews):
    index = json.loads((previews["full_edit_dir"] / "search" / "search_index.json").read_text())
    entry = next(d for d in index["docs"] if d["location"].startswith("chapters/03-brake-test.html#")
                 and "副风缸" in d["text"].replace("\u200b", ""))
    words = set(re.split(index["config"]["separator"], entry["text"]))
    assert {"司机", "调度", "更换"} <= words


def test_a_title_change_renders_every_page_again(previews):
    hits, rendered = reused(previews["retitled"])
    assert hits == 0 and rendered == len([p for p in previews["after_title"] if p.endswith(".html")
                                          and p != "404.html"])
    before, after = previews["after_edit"], previews["after_title"]
    assert {p for p in after if p.endswith(".html") and before.get(p) != after[p]} == {
        p for p in after if p.endswith(".html")}                           # the navigation is on every page
    for path in ("index.html", "chapters/01-locomotive-overview.html", "jointbook/alignment.html"):
        page = (previews["out"] / path).read_text(encoding="utf-8")
        assert "牵引电动机的检修与试验（修订）" in page, path


PICTURE = f"books/{BOOK}/assets/brake-system.svg"            # shown by chapter 03 only
NEW_PICTURE = f"books/{BOOK}/assets/pantograph-wear.svg"     # named by chapter 04 before it exists
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="{}"/>'
       '<text x="2" y="14">{}</text></svg>')


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    """Previews of a book, then with one picture redrawn, then with a picture added that a chapter names."""
    root = tmp_path_factory.mktemp("pictures")
    lib = Library.init(root / "library.git", starter=True)
    chapter = f"books/{BOOK}/chapters/04-pantograph.md"
    lib.commit("main", [Write(chapter, lib.read("main", chapter).decode()
                              + "\n\n![滑板磨耗示意图](../assets/pantograph-wear.svg)\n")],
               TEACHER, "引用滑板磨耗示意图", base=OVERWRITE)
    out = root / "previews"
    build_preview(lib, BOOK, 1, "main", out, platform_url=None)
    before = site_files(out / "1")
    lib.commit("main", [Write(PICTURE, SVG.format("#c00", "制动"))], TEACHER, "重画制动系统图", base=OVERWRITE)
    redrawn = build_preview(lib, BOOK, 1, "main", out, platform_url=None)
    after_redraw = site_files(out / "1")
    lib.commit("main", [Write(NEW_PICTURE, SVG.format("#0c0", "磨耗"))], TEACHER, "增加滑板磨耗示意图",
               base=OVERWRITE)
    added = build_preview(lib, BOOK, 1, "main", out, platform_url=None)
    after_add = site_files(out / "1")
    full = build_site(lib, BOOK, "main", root / "full", version="preview-1", platform_url=None)
    return {"before": before, "redrawn": redrawn, "after_redraw": after_redraw, "added": added,
            "after_add": after_add, "full": site_files(full.out_dir)}


def changed_pages(before: dict, after: dict) -> set[str]:
    return {p for p in after if p.endswith(".html") and before.get(p) != after[p]}


def test_a_redrawn_picture_renders_only_the_page_that_shows_it(pictures):
    hits, rendered = reused(pictures["redrawn"])
    history_pages = {"jointbook/changes.html", "jointbook/contributors.html"}    # they list the commit
    assert rendered <= 1 + len(history_pages) and hits >= 8, (hits, rendered)
    assert changed_pages(pictures["before"], pictures["after_redraw"]) <= {"chapters/03-brake-test.html"} | history_pages
    assert pictures["after_redraw"]["assets/brake-system.svg"] != pictures["before"]["assets/brake-system.svg"]


def test_an_added_picture_renders_only_the_page_that_names_it_and_equals_a_full_build(pictures):
    hits, rendered = reused(pictures["added"])
    assert rendered <= 3 and hits >= 8, (hits, rendered)     # chapter 04 and the two history pages
    assert "assets/pantograph-wear.svg" in pictures["after_add"]
    assert pictures["after_add"] == pictures["full"]
