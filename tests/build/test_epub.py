"""The EPUB 3 of a book, checked by epubcheck and read back from the archive as a reading system would.

The starter course as it ships is checked by epubcheck (Debian's, run with
Java); a second library adds to it what a site allows but an EPUB does not
take as is: editors and institutions, a picture from another site, a video,
a footnote, a collapsible note, a heading that starts with a digit, a link to
a section of another chapter. The archives are read with zipfile and lxml.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import timezone
from pathlib import Path

import pytest
from lxml import etree

from build.epub import build_epub
from materials import Author, Library, Write
from tests.conftest import require

BOOK = "locomotive-maintenance"
SITE_URL = "https://books.example.org/sites/locomotive-maintenance/1.0/"
TEACHER = Author("王老师", "wang@college.example", "school")
EPUBCHECK_JAR = Path("/usr/share/java/epubcheck.jar")
NS = {"x": "http://www.w3.org/1999/xhtml", "m": "http://www.w3.org/1998/Math/MathML",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "epub": "http://www.idpf.org/2007/ops"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

CASES_CHAPTER = """---
title: 制动故障案例汇编
objectives:
  - 能根据现象判断制动故障的部位
---

## 1. 案例与复习

复习[五步闸试验](03-brake-test.md#five-step-test)，再观看[五步闸试验录像](../assets/brake-test.mp4)。
现场照片见 ![外部照片](https://cdn.example.com/brake.jpg)。

!!! tip
    保压试验要计时[^timer]。

??? note "延伸阅读"
    闸瓦间隙过大时制动缸行程变长。

公式 $F = \\mu P$ 表示黏着牵引力。

[^timer]: 用秒表或制动显示屏的计时功能。
"""

BOOK_YML_EXTRA = """
institutions:
  - {name: 示例铁道职业技术学院, side: school}
  - {name: 示例机务段, side: enterprise}
editors:
  - {name: 张明, role: 主编, side: school}
  - {name: 李强, role: 主编, side: enterprise}
  - {name: 赵红, role: 副主编, side: school}
"""


def epubcheck(path: Path) -> str:
    """epubcheck's report on ``path``; fails the test on any error or warning."""
    java = shutil.which("java")
    require(java is not None and EPUBCHECK_JAR.is_file(), "epubcheck is not installed: apt-get install epubcheck")
    proc = subprocess.run([java, "-jar", str(EPUBCHECK_JAR), str(path)], capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    assert "Messages: 0 fatals / 0 errors / 0 warnings" in report, report
    return report


class Epub:
    def __init__(self, path: Path):
        self.path = path
        self.zip = zipfile.ZipFile(path)
        self.names = set(self.zip.namelist())

    def xml(self, name: str):
        return etree.fromstring(self.zip.read(name))

    @property
    def opf(self):
        return self.xml("EPUB/content.opf")

    def chapter(self, filename: str):
        return self.xml(f"EPUB/chapters/{filename[:-3]}.xhtml")

    def documents(self) -> list[str]:
        return sorted(n for n in self.names if n.endswith(".xhtml"))


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    root = tmp_path_factory.mktemp("epub")
    lib = Library.init(root / "library.git", starter=True)
    out = root / "starter.epub"
    result = build_epub(lib, BOOK, "main", out, version="1.0")
    return lib, Epub(out), result


@pytest.fixture(scope="module")
def extended(tmp_path_factory):
    root = tmp_path_factory.mktemp("epub-extended")
    lib = Library.init(root / "library.git", starter=True)
    book_yml = lib.read("main", f"books/{BOOK}/book.yml").decode()
    book_yml = book_yml.replace("07-emergency-handling.md]", "07-emergency-handling.md, 08-cases.md]")
    lib.commit("main", [
        Write(f"books/{BOOK}/book.yml", book_yml + BOOK_YML_EXTRA),
        Write(f"books/{BOOK}/chapters/08-cases.md", CASES_CHAPTER),
        Write(f"books/{BOOK}/assets/brake-test.mp4", b"\x00\x00\x00\x18ftypmp42"),
    ], TEACHER, "增加制动故障案例、编者和合编单位", base=lib.resolve("main"))
    out = root / "extended.epub"
    result = build_epub(lib, BOOK, "main", out, version="1.0", site_url=SITE_URL)
    return lib, Epub(out), result


def test_starter_course_epub_passes_epubcheck_without_errors_or_warnings(starter):
    _, book, result = starter
    assert result.warnings == []
    epubcheck(book.path)


def test_what_an_epub_cannot_take_as_the_site_has_it_still_passes_epubcheck(extended):
    _, book, result = extended
    epubcheck(book.path)
    assert result.warnings == ["08-cases.md: image https://cdn.example.com/brake.jpg is on another site: not embedded"]
    cases = book.chapter("08-cases.md")
    assert not cases.xpath("//x:img[contains(@src, 'example.com')]", namespaces=NS)
    assert "［图片：外部照片］" in "".join(cases.itertext())
    links = {a.text: a.get("href") for a in cases.xpath("//x:a[@href]", namespaces=NS)}
    assert links["五步闸试验"] == "03-brake-test.xhtml#five-step-test"
    assert links["五步闸试验录像"] == SITE_URL + "assets/brake-test.mp4"
    assert "brake-test.mp4" not in " ".join(book.names)       # media stay on the site
    # the footnote's link and its target are one XML name
    ref = cases.xpath("//x:a[contains(@class, 'footnote-ref')]", namespaces=NS)[0].get("href")
    assert cases.xpath(f"//*[@id='{ref[1:]}']", namespaces=NS)
    # the collapsible note is printed open, the untitled tip titled in Chinese
    titles = [p.text for p in cases.xpath("//x:p[@class='admonition-title']", namespaces=NS)]
    assert titles == ["提示", "延伸阅读"]


def test_navigation_lists_every_chapter_under_its_part(starter):
    lib, book, _ = starter
    nav = book.xml("EPUB/nav.xhtml")
    toc = nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)[0]
    entries = {a.get("href"): a.text for a in toc.xpath(".//x:a", namespaces=NS)}
    chapters = lib.book(BOOK, "main").chapters
    for chapter in chapters:
        href = f"chapters/{chapter.filename[:-3]}.xhtml"
        assert entries.get(href) == chapter.title, f"{chapter.title} is not in the navigation"
        assert f"EPUB/{href}" in book.names
        part = toc.xpath(f".//x:li[x:ol//x:a[@href='{href}']]/x:span", namespaces=NS)
        assert [s.text for s in part] == [chapter.part]
    spine = [ref.get("idref") for ref in book.opf.xpath("//opf:spine/opf:itemref", namespaces=NS)]
    manifest = {i.get("id"): i.get("href") for i in book.opf.xpath("//opf:manifest/opf:item", namespaces=NS)}
    assert [manifest[i] for i in spine if manifest[i].startswith("chapters/")] == [
        f"chapters/{c.filename[:-3]}.xhtml" for c in chapters]
    assert "toc.ncx" in manifest.values()


def test_every_image_is_inside_the_epub(starter):
    lib, book, _ = starter
    referenced = set()
    for name in book.documents():
        for img in book.xml(name).xpath("//x:img", namespaces=NS):
            target = str(Path("/", name).parent.joinpath(img.get("src")).resolve())[1:]
            assert target in book.names, f"{name}: {img.get('src')} is not in the EPUB"
            referenced.add(target)
    sources = set()
    for chapter in lib.book(BOOK, "main").chapters:
        sources |= set(re.findall(r"\]\(\.\./(assets/[^)\s]+)\)", chapter.body))
    assert referenced == {f"EPUB/{s}" for s in sources} and len(sources) >= 5
    media = {i.get("href"): i.get("media-type") for i in book.opf.xpath("//opf:manifest/opf:item", namespaces=NS)}
    assert media["assets/brake-pressure-steps.png"] == "image/png"
    assert media["assets/brake-system.svg"] == "image/svg+xml"
    caption = book.chapter("03-brake-test.md").xpath("//x:figure/x:figcaption", namespaces=NS)[0].text
    assert caption == "图 3-1　机车制动系统原理示意图"


def test_formulas_are_mathml_with_their_tex_kept_as_alternative_text(starter):
    _, book, _ = starter
    chapter = book.chapter("03-brake-test.md")
    formulas = chapter.xpath("//m:math", namespaces=NS)
    assert len(formulas) >= 10
    assert any(f.get("display") == "block" and f.xpath(".//m:mfrac", namespaces=NS) for f in formulas)
    assert any(f.get("alttext") == "S_z" for f in formulas)
    text = "".join(chapter.itertext())
    assert "\\(" not in text and "\\frac" not in "".join(t for t in chapter.xpath("//x:p//text()", namespaces=NS))
    item = book.opf.xpath("//opf:item[@href='chapters/03-brake-test.xhtml']", namespaces=NS)[0]
    assert "mathml" in item.get("properties", "").split()
    plain = book.opf.xpath("//opf:item[@href='chapters/06-outbound-inspection.xhtml']", namespaces=NS)[0]
    assert "mathml" not in (plain.get("properties") or "")


def test_language_is_the_books_in_the_package_and_every_document(starter, tmp_path):
    _, book, _ = starter
    assert book.opf.xpath("//dc:language/text()", namespaces=NS) == ["zh-CN"]
    for name in book.documents():
        root = book.xml(name)
        assert (root.get("lang"), root.get(XML_LANG)) == ("zh-CN", "zh-CN"), name

    lib = Library.init(tmp_path / "library.git", starter=True)
    lib.commit("main", [
        Write("books/rail-english/book.yml", "title: Railway English\nlanguage: en\nlicense: CC-BY-4.0\n"
                                             "edition: \"2026\"\nnavigation:\n  - part: Unit 1\n    chapters: [01-hello.md]\n"),
        Write("books/rail-english/chapters/01-hello.md", "---\ntitle: Hello\n---\n\nGood morning, driver.\n"),
    ], TEACHER, "Add an English book", base=lib.resolve("main"))
    build_epub(lib, "rail-english", "main", tmp_path / "en.epub")
    english = Epub(tmp_path / "en.epub")
    assert english.opf.xpath("//dc:language/text()", namespaces=NS) == ["en"]
    assert english.chapter("01-hello.md").get(XML_LANG) == "en"


def test_metadata_names_title_editors_licence_and_dates(extended):
    lib, book, result = extended
    opf = book.opf
    dc = lambda name: opf.xpath(f"//dc:{name}/text()", namespaces=NS)  # noqa: E731
    assert dc("title") == ["电力机车运用与检修"]
    assert dc("creator") == ["张明", "李强"] and dc("contributor") == ["赵红"]
    roles = opf.xpath("//opf:meta[@property='role']/text()", namespaces=NS)
    assert roles == ["edt", "edt", "edt"]
    assert dc("rights") == ["CC-BY-SA-4.0"]
    assert dc("publisher") == ["示例铁道职业技术学院", "示例机务段"]
    assert dc("identifier") == [result.identifier] and result.identifier.startswith("urn:uuid:")
    authored = lib.log("main", f"books/{BOOK}", limit=1, follow=False)[0].authored_at
    assert opf.xpath("//opf:meta[@property='dcterms:modified']/text()", namespaces=NS) == [
        authored.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert dc("date") == [authored.date().isoformat()]
    edition = "".join(book.xml("EPUB/edition.xhtml").itertext())
    for expected in ("版本", "1.0", "CC-BY-SA-4.0", "主编 张明（学校）", "sample-noss-locomotive-maintenance@2026"):
        assert expected in edition


def test_identifier_is_stable_per_book_and_version(extended, tmp_path):
    lib, _, first = extended
    again = build_epub(lib, BOOK, "main", tmp_path / "again.epub", version="1.0", site_url=SITE_URL)
    other = build_epub(lib, BOOK, "main", tmp_path / "other.epub", version="2.0", site_url=SITE_URL)
    assert again.identifier == first.identifier != other.identifier
    assert Epub(tmp_path / "other.epub").opf.xpath("//dc:identifier/text()", namespaces=NS) == [other.identifier]


def test_an_unchanged_book_is_not_built_again(starter, tmp_path):
    lib, _, _ = starter
    cache = tmp_path / "cache"
    first = build_epub(lib, BOOK, "main", tmp_path / "a.epub", version="1.0", cache_dir=cache)
    again = build_epub(lib, BOOK, "main", tmp_path / "b.epub", version="1.0", cache_dir=cache)
    assert not first.skipped and again.skipped
    assert (tmp_path / "a.epub").read_bytes() == (tmp_path / "b.epub").read_bytes()
