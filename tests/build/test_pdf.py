"""The printed book, read from the PDF itself as a printer or a reader would.

The starter course, with what a real textbook adds (editors and institutions
on the cover, a chapter that links to another one, a video, code and a
captioned table), is typeset once; its site is built from the same commit,
so every QR code can be followed to a page of that release. Pages are read
with pypdf (sizes, labels, text) and drawn with pdfium for the QR decoder
(zxing-cpp); no system tool is needed beyond the Noto CJK fonts.
"""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from build.pdf import build_pdf
from build.site import build_site
from materials import Author, Library, Write
from materials.books import parse_book_config
from materials.errors import BookInvalid
from materials.rendering import render_markdown

BOOK = "locomotive-maintenance"
SITE_URL = "https://books.example.org/sites/locomotive-maintenance/1.0/"
TEACHER = Author("王老师", "wang@college.example", "school")
MM = 72 / 25.4

CASES_CHAPTER = """---
title: 制动故障案例汇编
objectives:
  - 能根据现象判断制动故障的部位
---

## 案例与复习

复习[制动机的检查与试验](03-brake-test.md)中的五步闸试验，再观看[五步闸试验录像](../assets/brake-test.mp4)。

表：制动缸压力的参考值

| 工况 | 压力 |
|---|---|
| 全制动 | 350 kPa |
| 紧急制动 | 450 kPa |

现场记录仪导出的数据用下面的脚本检查：

```python
def leaking(pressures, limit=10):
    return max(pressures) - min(pressures) > limit
```
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


@dataclass
class Printed:
    lib: Library
    pdf: Path
    site: Path
    chapters: list            # the book's chapters, in print order
    reader: object            # pypdf.PdfReader
    warnings: list[str]       # what the build reported

    def text(self, index: int) -> str:
        return self.reader.pages[index].extract_text()

    def body_index(self, label: str) -> int:
        """The page printed with number ``label``."""
        return self.reader.page_labels.index(label)


@pytest.fixture(scope="session")
def printed(tmp_path_factory) -> Printed:
    pypdf = pytest.importorskip("pypdf")
    root = tmp_path_factory.mktemp("print")
    lib = Library.init(root / "library.git", starter=True)
    book_yml = lib.read("main", f"books/{BOOK}/book.yml").decode()
    book_yml = book_yml.replace("07-emergency-handling.md]", "07-emergency-handling.md, 08-cases.md]")
    lib.commit("main", [
        Write(f"books/{BOOK}/book.yml", book_yml + BOOK_YML_EXTRA),
        Write(f"books/{BOOK}/chapters/08-cases.md", CASES_CHAPTER),
        Write(f"books/{BOOK}/assets/brake-test.mp4", b"\x00\x00\x00\x18ftypmp42"),
    ], TEACHER, "增加制动故障案例、编者和合编单位", base=lib.resolve("main"))
    pdf = root / "book.pdf"
    result = build_pdf(lib, BOOK, "main", pdf, version="1.0", site_url=SITE_URL, cache_dir=root / "cache")
    site = root / "site"
    build_site(lib, BOOK, "main", site, version="1.0")
    return Printed(lib, pdf, site, lib.book(BOOK, "main").chapters, pypdf.PdfReader(str(pdf)), result.warnings)


def contents(printed: Printed) -> str:
    """The text of the table of contents (the pages from the one titled 目录 to the body)."""
    labels = printed.reader.page_labels
    start = next(i for i in range(len(labels)) if printed.text(i).lstrip().startswith("目录"))
    end = labels.index("1")
    return "\n".join(printed.text(i) for i in range(start, end))


def chapter_pages(printed: Printed) -> dict[str, int]:
    """Chapter title -> page number, as the table of contents prints it."""
    toc = contents(printed)
    out = {}
    for chapter in printed.chapters:
        match = re.search(re.escape(chapter.title) + r"[\s.]*?(\d+)\s*$", toc, re.M)
        assert match, f"{chapter.title} is not in the table of contents:\n{toc}"
        out[chapter.title] = int(match.group(1))
    return out


def test_starter_course_prints_without_warnings(printed):
    """No missing image, no formula left as TeX, no layout the typesetter could not settle."""
    assert printed.warnings == []


def test_pages_are_16k_by_default(printed):
    for page in printed.reader.pages:
        assert float(page.mediabox.width) == pytest.approx(185 * MM, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(260 * MM, abs=0.5)


def test_paper_set_to_a4_in_book_yml_prints_a4(printed, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    lib = printed.lib
    lib.create_branch("a4")
    book_yml = lib.read("a4", f"books/{BOOK}/book.yml").decode()
    lib.commit("a4", [Write(f"books/{BOOK}/book.yml", book_yml + "print: {paper: a4}\n")], TEACHER, "改用 A4",
               base=lib.resolve("a4"))
    out = tmp_path / "a4.pdf"
    build_pdf(lib, BOOK, "a4", out)
    page = pypdf.PdfReader(str(out)).pages[-1]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (
        pytest.approx(210 * MM, abs=0.5), pytest.approx(297 * MM, abs=0.5))


def test_unknown_paper_in_book_yml_is_refused_with_its_line():
    with pytest.raises(BookInvalid) as err:
        parse_book_config("title: 书\nprint:\n  paper: letter\n", "books/x/book.yml")
    assert err.value.params["key"] == "print.paper" and err.value.line == 3


def test_cover_names_the_institutions_and_editors_with_their_sides(printed):
    cover = printed.text(0)
    assert "电力机车运用与检修" in cover and "2026 年版" in cover
    assert "示例铁道职业技术学院（学校）" in cover and "示例机务段（企业）" in cover
    assert re.search(r"主编\s*张明（学校）\s*李强（企业）", cover)
    assert re.search(r"副主编\s*赵红（学校）", cover)


def test_edition_page_gives_version_date_licence_and_standards(printed):
    edition = printed.text(1).replace("\n", "")
    for expected in ("版本", "1.0", "日期", "CC-BY-SA-4.0", "对标标准", "sample-noss-locomotive-maintenance@2026"):
        assert expected in edition
    assert re.search(r"\d{4} 年 \d{1,2} 月 \d{1,2} 日", edition)


def test_contents_list_every_chapter_with_the_page_that_holds_its_title(printed):
    pages = chapter_pages(printed)
    assert len(pages) == len(printed.chapters) == 8
    for title, number in pages.items():
        page = printed.text(printed.body_index(str(number)))
        assert title in page, f"page {number} does not hold {title}"


def test_chapters_open_on_right_hand_pages(printed):
    for number in chapter_pages(printed).values():
        assert printed.body_index(str(number)) % 2 == 0      # index 0 is the cover: even indexes are rectos


def test_content_pages_carry_the_chapter_title_as_running_head(printed):
    starts = sorted((n, t) for t, n in chapter_pages(printed).items())
    last_body = int(printed.reader.page_labels[-1])
    checked = 0
    for (start, title), following in zip(starts, starts[1:] + [(last_body + 1, None)]):
        for number in range(start + 1, following[0]):
            text = printed.text(printed.body_index(str(number))).strip()
            if not text or text.startswith("第") and "篇" in text.splitlines()[0]:
                continue           # the blank page before a right-hand opening, or a part's title page
            assert text.splitlines()[0].strip() == title, f"page {number}: {text[:60]!r}"
            checked += 1
    assert checked >= 10


def test_figures_and_tables_are_numbered_per_chapter_with_captions(printed):
    text = "\n".join(page.extract_text() for page in printed.reader.pages)
    assert re.search(r"图\s*1-1\s*HXD3 型电力机车总体布置示意图", text)
    assert re.search(r"图\s*3-1\s*机车制动系统原理示意图", text)
    assert re.search(r"图\s*3-2\s*五步闸试验中制动缸压力变化示意", text)
    assert re.search(r"表\s*3-1", text)
    assert re.search(r"表\s*8-1\s*制动缸压力的参考值", text)
    assert "表：" not in text          # the caption paragraph became the caption


def test_link_to_another_chapter_is_printed_with_its_page(printed):
    page = chapter_pages(printed)["制动机的检查与试验"]
    text = "".join(printed.text(i) for i in range(len(printed.reader.pages))).replace("\n", "")
    assert f"制动机的检查与试验（见第 {page} 页）" in text


def test_formulas_are_typeset_not_left_as_tex(printed):
    text = "\n".join(page.extract_text() for page in printed.reader.pages)
    for tex in ("\\frac", "\\sum", "\\(", "$$", "\\varphi"):
        assert tex not in text


def test_every_qr_code_leads_to_a_page_of_the_release(printed):
    pdfium = pytest.importorskip("pypdfium2")
    zxingcpp = pytest.importorskip("zxingcpp")
    document = pdfium.PdfDocument(str(printed.pdf))
    found: dict[str, int] = {}
    for index in range(len(document)):
        image = document[index].render(scale=4).to_pil()
        for code in zxingcpp.read_barcodes(image):
            found[code.text] = index
    expected = {SITE_URL + f"chapters/{c.filename[:-3]}.html" for c in printed.chapters}
    expected.add(SITE_URL + "assets/brake-test.mp4")
    assert set(found) == expected
    for url in found:
        assert (printed.site / url[len(SITE_URL):]).is_file(), f"{url} is not in the release's site"
    # each chapter's code is on its opening page, its short address printed beneath
    pages = chapter_pages(printed)
    for chapter in printed.chapters:
        url = SITE_URL + f"chapters/{chapter.filename[:-3]}.html"
        assert found[url] == printed.body_index(str(pages[chapter.title]))
        assert "books.example.org" in printed.text(found[url])


def visible_text(chapter) -> str:
    """What a reader sees of a chapter on the site, less what is not text on paper (formulas, ¶ and ↩ links)."""
    rendered = render_markdown(chapter.body)
    rendered = re.sub(r'<(span|div) class="arithmatex">.*?</\1>', "", rendered, flags=re.S)
    rendered = re.sub(r'<a class="(headerlink|footnote-backref)"[^>]*>.*?</a>', "", rendered, flags=re.S)
    return chapter.title + "".join(chapter.meta.objectives) + html.unescape(re.sub(r"<[^>]+>", "", rendered))


def test_every_character_of_the_source_is_printed_with_a_glyph(printed):
    text = "".join(page.extract_text() for page in printed.reader.pages)
    assert "\x00" not in text and "\ufffd" not in text          # .notdef: a character without a glyph
    printed_chars = set(text)
    for chapter in printed.chapters:
        missing = {c for c in visible_text(chapter) if not c.isspace()} - printed_chars
        assert not missing, f"{chapter.filename}: not printed: {''.join(sorted(missing))}"


def test_no_line_starts_with_closing_or_ends_with_opening_punctuation(printed):
    closing, opening = "，。、；：？！）》」』”’", "（《「『“‘"
    for page in printed.reader.pages[4:]:
        for line in page.extract_text().splitlines():
            line = line.strip()
            if line:
                assert line[0] not in closing, line
                assert line[-1] not in opening, line


def test_unchanged_book_is_not_typeset_again_and_a_changed_one_is(printed, tmp_path):
    cache = tmp_path / "cache"
    first = build_pdf(printed.lib, BOOK, "main", tmp_path / "a.pdf", site_url=SITE_URL, cache_dir=cache)
    again = build_pdf(printed.lib, BOOK, "main", tmp_path / "b.pdf", site_url=SITE_URL, cache_dir=cache)
    assert not first.skipped and again.skipped and again.key == first.key
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()

    lib = printed.lib
    lib.create_branch("edit")
    path = f"books/{BOOK}/chapters/02-work-safety.md"
    lib.commit("edit", [Write(path, lib.read("edit", path).decode() + "\n补充：作业前再次确认防溜措施。\n")],
               TEACHER, "补充防溜确认", base=lib.resolve("edit"))
    changed = build_pdf(lib, BOOK, "edit", tmp_path / "c.pdf", site_url=SITE_URL, cache_dir=cache)
    assert not changed.skipped and changed.key != first.key
    import pypdf
    assert "补充：作业前再次确认防溜措施。" in "".join(p.extract_text() for p in pypdf.PdfReader(str(tmp_path / "c.pdf")).pages)


def test_without_the_noto_cjk_fonts_print_fails_naming_the_package(tmp_path):
    """A machine without the fonts: fontconfig configured with no font directory at all."""
    conf = tmp_path / "fonts.conf"
    conf.write_text("<?xml version='1.0'?><!DOCTYPE fontconfig SYSTEM 'fonts.dtd'><fontconfig>"
                    f"<cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>")
    script = textwrap.dedent(f"""
        from build.errors import PrintEngineMissing
        from build.pdf import build_pdf
        from materials import Library
        lib = Library.init({str(tmp_path / "lib.git")!r}, starter=True)
        try:
            build_pdf(lib, {BOOK!r}, "main", {str(tmp_path / "out.pdf")!r})
        except PrintEngineMissing as exc:
            print("MISSING", exc.params["install"])
    """)
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert "MISSING apt-get install fonts-noto-cjk" in proc.stdout, proc.stderr
    assert not (tmp_path / "out.pdf").exists()
