"""The starter course is the first thing a new user sees: its data must hold together.

These tests read the files under materials/starter/ directly (the standard through the
library's own parsers), so a broken YAML file, a dangling standard key or a missing image is
caught before `Library.init(path, starter=True)` ever copies it into a repository.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import markdown
import pytest
import yaml

from materials import parse_chapter
from materials.books import parse_book_config
from materials.paths import validate_book_slug
from materials.standards.reading import parse_standard
from materials.standards.standard import Item, Standard
from starter import brake_pressure_figure as figure

STARTER = Path(__file__).resolve().parents[2] / "materials" / "starter"
LIBRARY = STARTER / "library"
BOOK_SLUG = "locomotive-maintenance"
BOOK = LIBRARY / "books" / BOOK_SLUG
STANDARD_ID = "sample-noss-locomotive-maintenance@2026"
SVG_NAMESPACE_DECL = 'xmlns="http://www.w3.org/2000/svg"'

PARENT_KIND = {"F": None, "C": "F", "S": "C", "K": "C"}

# Left uncovered on purpose so the coverage page of a fresh library shows real gaps.
DELIBERATE_GAPS = {
    "L4.S.1.1.1", "L4.K.1.1.1",            # reading circuit and air-pipe diagrams
    "L4.S.2.2.2",                          # replacing pantograph carbon strips
    "L4.S.2.3.3",                          # gearbox oil level and oil change
    "L3.S.1.1.1", "L3.K.1.1.1",            # writing work instructions
    "L3.S.4.1.1", "L3.K.4.1.1",            # training others
    "L3.S.4.2.1", "L3.K.4.2.1",            # quality management
}


def load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def split_front_matter(text: str) -> tuple[dict, str]:
    match = re.match(r"\A---\n(.*?)\n---\n(.*)\Z", text, re.S)
    assert match, "chapter must start with a YAML front matter block"
    return yaml.safe_load(match.group(1)), match.group(2)


@pytest.fixture(scope="module")
def standard() -> Standard:
    """The sample standard as the library reads it: its parser refuses unknown fields, duplicate keys,
    parents that are no item, cycles, and weights that do not add up to 100."""
    path = LIBRARY / "standards" / f"{STANDARD_ID}.yml"
    return parse_standard(path.read_bytes(), path.relative_to(LIBRARY).as_posix())


@pytest.fixture(scope="module")
def items(standard) -> dict[str, Item]:
    return {item.key: item for item in standard.items}


@pytest.fixture(scope="module")
def book() -> dict:
    return load(BOOK / "book.yml")


@pytest.fixture(scope="module")
def chapters() -> dict[str, tuple[dict, str]]:
    return {p.name: split_front_matter(p.read_text(encoding="utf-8"))
            for p in sorted((BOOK / "chapters").glob("*.md"))}


def library_files() -> set[str]:
    return {p.relative_to(LIBRARY).as_posix() for p in LIBRARY.rglob("*") if p.is_file()}


def test_every_yaml_file_parses_with_the_safe_loader():
    paths = [p for p in STARTER.rglob("*") if p.suffix in {".yml", ".yaml"}]
    assert len(paths) >= 4
    for path in paths:
        assert load(path) is not None, path


def test_library_names_both_languages_and_labels_both_sides():
    library = load(LIBRARY / "library.yml")
    assert isinstance(library["name"], str)
    assert re.search(r"[\u4e00-\u9fff]", library["name"]) and re.search(r"[A-Za-z]{4}", library["name"])
    assert library["languages"] == ["zh-CN", "en"]
    for side in ("school", "enterprise"):
        assert set(library["sides"][side]) == {"zh-CN", "en"}


def test_the_library_reads_the_standard_and_it_says_it_is_a_sample(standard):
    assert standard.id == STANDARD_ID
    assert standard.scheme == "cn-noss" and standard.status == "current"
    assert standard.language == "zh-CN" and standard.edition == "2026"
    assert "示例" in standard.title and "非官方" in standard.title
    assert [lvl.key for lvl in standard.levels] == ["L5", "L4", "L3"]
    assert all(lvl.cumulative is True for lvl in standard.levels)
    assert set(standard.kinds) == {"F", "C", "S", "K"}


def test_standard_items_form_the_function_unit_element_tree_of_each_level(standard, items):
    """What the parser leaves to the scheme: F > C > S/K, an item at its parent's level, its key
    ``level.kind.code`` and its code continuing its parent's."""
    assert len(standard.items) >= 40
    for item in standard.items:
        assert item.text.strip() and item.kind in PARENT_KIND, item.key
        assert item.key == f"{item.level}.{item.kind}.{item.code}"
        if PARENT_KIND[item.kind] is None:
            assert item.parent is None, item.key
            continue
        parent = items[item.parent]
        assert parent.kind == PARENT_KIND[item.kind] and parent.level == item.level, item.key
        assert item.code.startswith(parent.code + ".")
    assert {item.level for item in standard.items} == {lvl.key for lvl in standard.levels}


def test_weights_of_each_level_sum_to_one_hundred_per_table(standard, items):
    sums: Counter = Counter()
    for weight in standard.weights:
        target = items[weight.item]
        assert target.kind == "F" and target.level == weight.level, weight
        sums[(weight.table, weight.level)] += weight.percent
    expected = {(t, lvl.key) for t in ("skill", "knowledge") for lvl in standard.levels}
    assert set(sums) == expected
    assert all(total == 100 for total in sums.values()), dict(sums)
    for table in ("skill", "knowledge"):
        weighted = {w.item for w in standard.weights if w.table == table}
        assert weighted == {k for k, i in items.items() if i.kind == "F"}


def test_book_declares_the_sample_standard_with_the_common_format(book):
    assert validate_book_slug(BOOK_SLUG) == BOOK_SLUG
    parse_book_config((BOOK / "book.yml").read_text(encoding="utf-8"), f"books/{BOOK_SLUG}/book.yml")  # its keys
    assert isinstance(book["edition"], str) and book["language"] == "zh-CN"
    assert book["standards"] == [STANDARD_ID]
    for standard_id in book["standards"]:
        assert (LIBRARY / "standards" / f"{standard_id}.yml").is_file()
    assert 2 <= len(book["navigation"]) <= 3
    assert book["review"]["required"] == {"school": 1, "enterprise": 1}


def test_navigation_and_chapter_files_match_one_to_one(book, chapters):
    listed = [name for part in book["navigation"] for name in part["chapters"]]
    assert len(listed) == len(set(listed))
    assert set(listed) == set(chapters)
    assert len(chapters) >= 6


def test_front_matter_uses_allowed_keys_and_real_standard_items(chapters, items):
    for name, (meta, body) in chapters.items():
        path = f"books/{BOOK_SLUG}/chapters/{name}"
        parse_chapter((BOOK / "chapters" / name).read_text(encoding="utf-8"), path)  # the library's keys
        assert meta["title"].strip() and meta["objectives"], name
        assert meta["standards"], name
        assert not re.search(r"^# ", body, re.M), f"{name}: the title comes from front matter, not an H1"
        for key in meta["standards"]:
            assert key in items and items[key].kind in {"S", "K"}, f"{name}: {key}"
        anchors = set(re.findall(r"\{#([A-Za-z0-9_-]+)\}", body))
        for anchor, keys in (meta.get("sections") or {}).items():
            assert anchor in anchors, f"{name}: section anchor {anchor} not in body"
            assert set(keys) <= set(meta["standards"]), name


def test_coverage_leaves_exactly_the_deliberate_gaps(chapters, items):
    covered = {key for meta, _ in chapters.values() for key in meta["standards"]}
    requirements = {k for k, i in items.items() if i.kind in {"S", "K"}}
    assert requirements - covered == DELIBERATE_GAPS
    for level in ("L5", "L4", "L3"):       # every level has something covered
        assert any(items[k].level == level for k in covered)


def test_each_chapter_body_has_textbook_length(chapters):
    for name, (_, body) in chapters.items():
        han = len(re.findall(r"[\u4e00-\u9fff]", body))
        assert 800 <= han <= 1500, f"{name}: {han} Chinese characters"


def test_every_linked_asset_exists_and_every_asset_is_used(chapters):
    used = set()
    for name, (_, body) in chapters.items():
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", body):
            assert target.startswith("../assets/"), f"{name}: {target}"
            assert (BOOK / "chapters" / target).resolve().is_file(), f"{name}: {target}"
            used.add(Path(target).name)
    assets = {p.name for p in (BOOK / "assets").iterdir()}
    assert used == assets
    assert len([a for a in assets if a.endswith(".svg")]) >= 3
    assert any(a.endswith(".png") for a in assets)


def test_svgs_are_self_contained_drawings():
    for path in (BOOK / "assets").glob("*.svg"):
        text = path.read_text(encoding="utf-8")
        assert "http" not in text.replace(SVG_NAMESPACE_DECL, "", 1), path.name
        root = ET.fromstring(text)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        for element in root.iter():
            tag = element.tag.rsplit("}", 1)[-1]
            assert tag not in {"script", "foreignObject", "image", "use"}, path.name
            for attr, value in element.attrib.items():
                assert not attr.lower().startswith("on"), (path.name, attr)
                if attr.endswith("href"):
                    assert value.startswith("#"), (path.name, value)
        assert any(t.text and re.search(r"[\u4e00-\u9fff]", t.text) for t in root.iter("{http://www.w3.org/2000/svg}text"))


def test_committed_png_is_what_the_figure_generator_draws():
    committed = (BOOK / "assets" / "brake-pressure-steps.png").read_bytes()
    expected = figure.png_bytes(figure.pixels())
    assert figure.decode_rgb(committed) == figure.decode_rgb(expected)


def test_the_book_uses_the_whole_material_markdown_dialect(chapters):
    text = "\n".join(body for _, body in chapters.values())
    features = {
        "safety warning": r'^!!! warning "安全提示"',
        "tip": r"^!!! tip",
        "collapsible note": r"^\?\?\? note",
        "table": r"^\|---",
        "numbered procedure": r"^1\. .*\n2\. ",
        "image": r"!\[[^\]]+\]\(\.\./assets/",
        "inline math": r"[^$]\$[^$\n]+\$",
        "block math": r"^\$\$\n",
        "definition list": r"^:   ",
        "task list": r"^- \[ \] ",
        "school tab": r'^=== "学校视角"',
        "enterprise tab": r'^=== "企业视角"',
        "keys": r"\+\+ctrl\+",
        "footnote": r"^\[\^[^\]]+\]: ",
        "enterprise case": r"企业案例",
    }
    missing = [name for name, pattern in features.items() if not re.search(pattern, text, re.M)]
    assert not missing
    assert all("企业案例" in body for _, body in chapters.values())


def test_chapters_render_with_the_design_extension_set(chapters):
    """Indentation slips (an admonition or tab body not indented) only show up when rendered."""
    extensions = ["admonition", "attr_list", "def_list", "footnotes", "md_in_html", "tables", "toc",
                  "pymdownx.arithmatex", "pymdownx.details", "pymdownx.superfences", "pymdownx.tabbed",
                  "pymdownx.tasklist", "pymdownx.tilde", "pymdownx.keys"]
    configs = {"pymdownx.arithmatex": {"generic": True}, "pymdownx.tabbed": {"alternate_style": True}}
    html = ""
    for name, (_, body) in chapters.items():
        page = markdown.markdown(body, extensions=extensions, extension_configs=configs)
        assert "!!!" not in page and "???" not in page and '=== "' not in page, name
        html += page
    for marker in ('class="admonition warning"', "<details", 'class="tabbed-set', 'class="arithmatex"',
                   "<dl>", 'class="task-list', 'class="footnote"', 'class="keys"', "<table>", "<ol>", "<img"):
        assert marker in html, marker


def test_authors_commit_every_file_exactly_once_from_both_sides():
    commits = load(STARTER / "authors.yml")
    assert isinstance(commits, list) and len(commits) >= 4
    committed = [path for commit in commits for path in commit["files"]]
    assert Counter(committed).most_common(1)[0][1] == 1
    assert set(committed) == library_files()
    sides = set(load(LIBRARY / "library.yml")["sides"])
    for commit in commits:
        author = commit["author"]
        assert set(author) == {"name", "email", "side"} and author["side"] in sides
        domain = "example.edu.cn" if author["side"] == "school" else "example.com"
        assert author["email"].endswith("@" + domain), author
        assert commit["message"].strip()
    chapter_sides = {c["author"]["side"] for c in commits
                     if any(f.endswith(".md") for f in c["files"])}
    assert chapter_sides == {"school", "enterprise"}
    assert commits[0]["files"][0] == "library.yml"


def test_a_library_initialised_with_the_starter_opens_on_the_jointly_written_book(tmp_path):
    """What a new user lands on: the book, its standard, and a history by both sides."""
    from materials import Library

    lib = Library.init(tmp_path / "library.git", starter=True)
    assert lib.books() == [BOOK_SLUG]
    book = lib.book(BOOK_SLUG)
    navigation = [name for part in load(BOOK / "book.yml")["navigation"] for name in part["chapters"]]
    assert [chapter.filename for chapter in book.chapters] == navigation
    assert set(lib.standards()) == {STANDARD_ID}
    history = lib.log("main")
    assert len(history) == len(load(STARTER / "authors.yml"))
    assert {commit.side for commit in history} == {"school", "enterprise"}
    assert lib.read("main", f"books/{BOOK_SLUG}/assets/brake-pressure-steps.png") == \
        (BOOK / "assets" / "brake-pressure-steps.png").read_bytes()
