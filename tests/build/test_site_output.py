"""What a student finds in a published book site (no browser)."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from build.errors import VersionExists
from build.previews import build_preview
from build.publish import release
from build.site import build_site
from materials.coverage import coverage

from .conftest import BOOK, RELEASER, tree_hashes


class Links(HTMLParser):
    """Every URL an HTML page would load (src, stylesheet/script/icon href) and every link."""

    def __init__(self):
        super().__init__()
        self.loaded: list[str] = []
        self.links: list[tuple[str, str]] = []   # (class, href)
        self.attrs: list[tuple[str, str, str]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._in_script = tag == "script"
        for name, value in attrs:
            self.attrs.append((tag, name, value or ""))
        for key in ("src", "srcset", "poster", "data"):
            if a.get(key):
                self.loaded.append(a[key])
        if tag in ("link", "script") and a.get("href"):
            self.loaded.append(a["href"])
        if tag == "a" and a.get("href"):
            self.links.append((a.get("class") or "", a["href"]))


def parse(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def book_order(published) -> list[str]:
    config = yaml.safe_load(published.lib.read("main", f"books/{BOOK}/book.yml"))
    return [c for part in config["navigation"] for c in part["chapters"]]


def test_every_chapter_of_the_book_is_a_page(published):
    site = published.book / "2.0"
    for chapter in book_order(published):
        page = site / "chapters" / (chapter[:-3] + ".html")
        assert page.is_file(), chapter
    for generated in ("index.html", "jointbook/alignment.html", "jointbook/contributors.html",
                      "jointbook/changes.html", "404.html"):
        assert (site / generated).is_file(), generated


def test_navigation_follows_book_yml(published):
    nav = parse(published.book / "2.0" / "index.html")
    seen: list[str] = []
    for cls, href in nav.links:
        m = re.match(r"^(?:\./)?chapters/([^#/]+)\.html$", href)
        if "md-nav__link" in cls and m and m.group(1) + ".md" not in seen:
            seen.append(m.group(1) + ".md")
    assert seen == book_order(published)


def test_chapter_shows_its_standard_items_with_their_text(published):
    html = (published.book / "1.0" / "chapters" / "03-brake-test.html").read_text()
    item = re.search(r'<details class="jb-item" data-item="L4\.S\.2\.1\.1">(.*?)</details>', html, re.S).group(1)
    summary = re.search(r"<summary>(.*?)</summary>", item, re.S).group(1)
    assert "L4.S.2.1.1" in summary and "能按作业标准完成制动机“五步闸”试验并判断结果" in summary
    assert "能按作业标准完成制动机“五步闸”试验并判断结果" in item.split("</summary>", 1)[1]
    assert "本章编写" in html and "版次 2026" in html


STANDARDS = "standards/sample-noss-locomotive-maintenance@2026.yml"
PLAIN_STATEMENT = "text: 能按作业标准完成制动机“五步闸”试验并判断结果}"


def test_a_statement_in_markdown_with_math_is_rendered_safe_and_typeset(tmp_path):
    """A publisher's statement with emphasis, a formula and a pasted tag: rendered, math for KaTeX, no tag."""
    from materials import OVERWRITE, Library, Write

    lib = Library.init(tmp_path / "library.git", starter=True)
    text = lib.read_text("main", STANDARDS)
    assert PLAIN_STATEMENT in text
    text = text.replace(PLAIN_STATEMENT, "text: '能按**作业标准**完成 $p \\ge 500$ kPa 的五步闸试验"
                                         "<script>alert(1)</script><b onclick=alert(2)>！</b>'}")
    lib.commit("main", [Write(STANDARDS, text)], RELEASER, "Statement in Markdown", base=OVERWRITE)
    build_preview(lib, BOOK, 9, "main", tmp_path / "preview", platform_url=None)
    html = (tmp_path / "preview" / "9" / "chapters" / "03-brake-test.html").read_text()
    item = re.search(r'<details class="jb-item" data-item="L4\.S\.2\.1\.1">(.*?)</details>', html, re.S).group(1)
    assert "<strong>作业标准</strong>" in item
    assert '<span class="arithmatex">' in item and "\\ge 500" in item
    assert "alert" not in item and "<script" not in item
    assert re.search(r'src="[^"]*assets/vendor/katex/katex\.min\.js"', html)   # the page loads KaTeX for it


def test_a_preview_has_no_version_selector_looking_for_versions_beside_it(published, tmp_path):
    build_preview(published.lib, BOOK, 8, "main", tmp_path / "previews", platform_url=None)
    preview = (tmp_path / "previews" / "8" / "chapters" / "03-brake-test.html").read_text()
    assert "mike" not in preview  # Material would fetch ../versions.json, which no preview has
    assert "latest/index.html" not in preview  # nor link to a "latest" beside it
    released = (published.book / "1.0" / "chapters" / "03-brake-test.html").read_text()
    assert "mike" in released and "latest/index.html" in released


def test_versions_json_lists_releases_with_latest_alias(published):
    versions = json.loads((published.book / "versions.json").read_text())
    assert [v["version"] for v in versions] == ["2.0", "1.0"]
    assert versions[0]["aliases"] == ["latest"] and versions[1]["aliases"] == []
    html = (published.book / "1.0" / "index.html").read_text()
    assert '"provider": "mike"' in html or '"provider":"mike"' in html or "mike" in html
    stub = (published.book / "latest" / "chapters" / "01-locomotive-overview.html").read_text()
    assert "../../2.0/chapters/01-locomotive-overview.html" in stub
    assert published.lib.tags().keys() >= {f"{BOOK}/v1.0", f"{BOOK}/v2.0"}


def test_alignment_page_shows_covered_and_missing_items(published):
    lib = published.lib
    book = lib.book(BOOK, f"{BOOK}/v1.0")
    standards = lib.standards(f"{BOOK}/v1.0")
    cov = coverage(standards, book.config.standards, {c.filename: c.meta.standards for c in book.chapters})
    sid = book.config.standards[0]
    missing = {k for (s, k), chapters in cov.by_item.items() if s == sid and not chapters
               and standards[sid].item(k).kind in "SK"}
    covered = {k for (s, k), chapters in cov.by_item.items() if s == sid and chapters
               and standards[sid].item(k).kind in "SK"}
    assert "L3.S.1.1.1" in missing          # the 2.0 chapter takes this one up
    v1 = (published.book / "1.0" / "jointbook" / "alignment.html").read_text()
    v2 = (published.book / "2.0" / "jointbook" / "alignment.html").read_text()
    shown_missing = set(re.findall(r'<tr class="jb-missing" data-item="([^"]+)"', v1))
    shown_covered = set(re.findall(r'<tr class="jb-covered" data-item="([^"]+)"', v1))
    assert shown_missing == missing and shown_covered == covered
    assert re.search(r'<li data-item="L3\.S\.1\.1\.1">', v1)
    assert 'class="jb-covered" data-item="L3.S.1.1.1"' in v2
    assert "四级/中级工" in v1 and "加权覆盖率" in v1


def test_contributors_and_changes_pages(published):
    people = (published.book / "2.0" / "jointbook" / "contributors.html").read_text()
    assert "王老师" in people and "学校" in people and "企业" in people
    changes = (published.book / "2.0" / "jointbook" / "changes.html").read_text()
    assert "自上一版本" in changes and "1.0" in changes
    assert "新增章节" in changes and "08-pantograph-cases.html" in changes
    assert "本版新增 1 章，删除 0 章，修改 0 章" in changes
    first = (published.book / "1.0" / "jointbook" / "changes.html").read_text()
    assert "第一个发布版本" in first


def test_search_index_holds_chinese_words_segmented(published):
    index = json.loads((published.book / "2.0" / "search" / "search_index.json").read_text())
    separator = re.compile(index["config"]["separator"])
    words = {w for doc in index["docs"] for w in separator.split(doc["text"] + " " + doc["title"])}
    assert {"受电弓", "制动", "检修"} <= words
    assert (published.book / "2.0" / "search" / "search_index.js").is_file()   # search from disk


EXTERNAL = re.compile(r"""(?:https?:)?//[A-Za-z0-9$.{}-]+\.[A-Za-z]{2,}""")
# URL strings inside vendored scripts that our sites never fetch: XML namespaces;
# Material's repository facts (GitHub/GitLab APIs, only with repo_url, which the
# generated config never sets); its mermaid loader (only for .mermaid elements,
# which the hooks rename) and ResizeObserver polyfill (only in browsers without it).
INERT_IN_SCRIPTS = (
    "http://www.w3.org/", "https://api.github.com/", "https://${e}/api/v4/",
    "https://unpkg.com/mermaid@", "https://unpkg.com/resize-observer-polyfill",
)
QUOTED_URL = re.compile(r"""["'`]((?:https?:)?//[^"'`\s]*)""")


def test_no_page_loads_anything_from_the_internet(published):
    offenders = []
    for site in (published.book / "1.0", published.book / "2.0"):
        for path in site.rglob("*"):
            if path.suffix == ".html":
                page = parse(path)
                offenders += [(path.name, u) for u in page.loaded if EXTERNAL.match(u)]
                offenders += [(path.name, h) for _, h in page.links if EXTERNAL.match(h)]
                text = path.read_text(encoding="utf-8")
                offenders += [(path.name, m) for m in re.findall(r"url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", text)]
            elif path.suffix == ".css":
                text = path.read_text(encoding="utf-8", errors="replace")
                offenders += [(path.name, m) for m in re.findall(r"(?:url\(\s*['\"]?|@import\s+['\"])((?:https?:)?//[^)'\"]+)", text)]
            elif path.suffix == ".js":
                text = path.read_text(encoding="utf-8", errors="replace")
                for m in QUOTED_URL.findall(text):
                    if EXTERNAL.match(m) and not m.startswith(INERT_IN_SCRIPTS):
                        offenders.append((path.name, m))
    assert offenders == []
    assert 'class="md-source"' not in (published.book / "2.0" / "index.html").read_text()


def test_unpkg_fallbacks_stay_unused(published):
    """The only unpkg.com references are Material's guarded fallbacks, and nothing triggers them."""
    site = published.book / "2.0"
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "unpkg.com" not in text
        assert not re.search(r'class="[^"]*\bmermaid\b', text)


def test_hostile_chapter_publishes_without_scripts(published):
    path = published.book / "2.0" / "chapters" / "08-pantograph-cases.html"
    page = path.read_text()
    assert "受电弓滑板磨耗超限" in page
    assert "外部图片未收录" in page and "cdn.example.com" not in page
    for other in (published.book / "2.0").rglob("*.html"):
        parsed = parse(other)
        assert [a for a in parsed.attrs if a[1].startswith("on")] == [], other
        assert [a for a in parsed.attrs if a[2].strip().lower().startswith("javascript:")] == [], other
        assert not any("alert" in s for s in parsed.scripts), other
    # the hostile title shows as text, escaped
    assert "&lt;img src=x onerror=alert(3)&gt;&lt;/title&gt;&lt;script&gt;" in page


def test_book_assets_are_media_only_and_svg_is_cleaned(published):
    assets = published.book / "2.0" / "assets"
    assert not (assets / "evil.js").exists()
    svg = (assets / "diagram.svg").read_text()
    assert "<rect" in svg and "script" not in svg and "onclick" not in svg and "example.com" not in svg


def test_release_leaves_earlier_versions_byte_identical(published):
    assert tree_hashes(published.book / "1.0") == published.v1_hashes


def test_an_existing_version_is_refused(published):
    before = tree_hashes(published.book / "1.0")
    with pytest.raises(VersionExists) as info:
        release(published.lib, BOOK, "1.0", published.sites, RELEASER)
    assert info.value.code == "release.version_exists"
    assert tree_hashes(published.book / "1.0") == before


def test_unchanged_book_is_not_rebuilt(published, tmp_path):
    first = build_site(published.lib, BOOK, "main", tmp_path / "out", cache_dir=tmp_path / "cache")
    again = build_site(published.lib, BOOK, "main", tmp_path / "out", cache_dir=tmp_path / "cache")
    assert not first.skipped and again.skipped and again.key == first.key
    assert "page cache" in first.log


def test_every_text_file_of_a_release_has_compressed_copies_of_the_same_bytes(published):
    """What nginx's gzip_static/brotli_static and the platform send instead of the file."""
    import gzip

    import brotli

    site = published.book / "2.0"
    texts = [p for p in site.rglob("*") if p.suffix in (".html", ".js", ".css", ".json") and p.stat().st_size > 2048]
    assert any(p.name == "search_index.json" for p in texts) and any(p.name == "03-brake-test.html" for p in texts)
    for path in texts:
        data = path.read_bytes()
        packed_gz = path.with_name(path.name + ".gz").read_bytes()
        packed_br = path.with_name(path.name + ".br").read_bytes()
        assert gzip.decompress(packed_gz) == data and brotli.decompress(packed_br) == data, path
        assert len(packed_br) < len(data) and len(packed_gz) < len(data)
    pictures = [p for p in site.rglob("*") if p.suffix in (".png", ".woff2")]
    assert pictures and not any(p.with_name(p.name + ".gz").exists() for p in pictures)
