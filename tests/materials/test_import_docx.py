"""Bringing a Word document into a book: what a teacher checks afterwards.

The corpus is written in the session with python-docx (``docx_corpus/make.py``:
a Word-like and a WPS-like document) and by LibreOffice
(``docx_corpus/libreoffice.docx``). Every chapter is rendered by the
platform's own pipeline, and committed into a real library to pass its checks.
"""
from __future__ import annotations

import html
import json
import re
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from materials.books import load_book
from materials.frontmatter import parse_chapter
from materials.imports import CARRIED, CHANGED, LOST, DocxUnreadable, ImportInvalid, import_docx
from materials.rendering import render_markdown
from materials.validation import validate_book

from .conftest import TEACHER
from .docx_corpus.make import (EQUATION_PREVIEW, FORMULAS, PICTURE, WordDocument, formulas_docx, textbook_docx,
                               wps_docx)

LIBREOFFICE_DOCX = Path(__file__).parent / "docx_corpus" / "libreoffice.docx"
KATEX = Path(__file__).parents[2] / "templates" / "site" / "assets" / "vendor" / "katex"


@pytest.fixture(scope="module")
def textbook():
    return import_docx(textbook_docx(), book="loco", file_name="电力机车检修.docx")


@pytest.fixture(scope="module")
def wps():
    return import_docx(wps_docx(), book="loco", file_name="受电弓.docx")


@pytest.fixture(scope="module")
def libreoffice():
    return import_docx(LIBREOFFICE_DOCX.read_bytes(), book="loco", file_name="libreoffice.docx")


def chapter(result, title):
    return next(c for c in result.chapters if c.title == title)


def body(chapter_) -> str:
    return parse_chapter(chapter_.text, chapter_.path)[1]


def rendered(chapter_) -> str:
    return render_markdown(body(chapter_))


def text_of(html_text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", html_text)).split())


def one_paragraph(text: str):
    document = WordDocument()
    document.para(text)
    return import_docx(document.save(), book="loco", file_name="段落.docx")


# -- chapters ---------------------------------------------------------------------------------

def test_a_chapter_for_each_level_one_heading_with_its_title_in_front_matter(textbook):
    assert [c.title for c in textbook.chapters] == ["电力机车检修", "第一章 机车概述", "第二章 制动系统", "第三章 安全规定"]
    assert [c.filename for c in textbook.chapters] == ["01-chapter.md", "02-chapter.md", "03-chapter.md",
                                                       "04-chapter.md"]
    for c in textbook.chapters:
        meta, text = parse_chapter(c.text, c.path)
        assert meta.title == c.title
        assert c.title not in text.split("\n", 3)[1]  # the title is not repeated as a heading
    assert [(p.title, p.chapters) for p in textbook.navigation] == [
        ("电力机车检修", ("01-chapter.md", "02-chapter.md", "03-chapter.md", "04-chapter.md"))]


def test_text_before_the_first_heading_is_a_chapter_named_after_the_document(textbook):
    preface = textbook.chapters[0]
    assert body(preface).strip() == "本教材依据**国家职业技能标准**编写，供职业院校使用。"
    entry = textbook.report.of(CHANGED, "chapter.untitled")[0]
    assert entry.place.chapter == "01-chapter.md"


def test_chapter_headings_in_a_style_based_on_heading_1_start_chapters(textbook):
    assert chapter(textbook, "第一章 机车概述")
    assert not [e for e in textbook.report.of(code="style.plain") if e.params["style"] == "章标题"]


def test_a_paragraph_style_with_only_an_outline_level_gives_section_headings(textbook):
    assert "\n## 一、主要部件\n" in body(chapter(textbook, "第一章 机车概述"))
    entry = textbook.report.of(CHANGED, "heading.style")[0]
    assert entry.params == {"style": "节标题", "level": 2, "count": 1}
    assert entry.place.heading == "第一章 机车概述"


def test_level_two_headings_move_up_under_the_chapter_title(textbook):
    assert "\n## 2.1 五步闸试验\n" in body(chapter(textbook, "第二章 制动系统"))


def test_split_at_level_two_makes_level_one_headings_parts():
    result = import_docx(textbook_docx(), book="loco", file_name="电力机车检修.docx", split_level=2)
    assert [(p.title, len(p.chapters)) for p in result.navigation] == [
        ("电力机车检修", 1), ("第一章 机车概述", 2), ("第二章 制动系统", 2), ("第三章 安全规定", 1)]
    titles = {p.title: [next(c.title for c in result.chapters if c.filename == f) for f in p.chapters]
              for p in result.navigation}
    assert titles["第一章 机车概述"] == ["第一章 机车概述", "一、主要部件"]
    assert titles["第二章 制动系统"] == ["第二章 制动系统", "2.1 五步闸试验"]
    assert [e.params["title"] for e in result.report.of(CARRIED, "part")] == [
        "第一章 机车概述", "第二章 制动系统", "第三章 安全规定"]


# -- admonitions ------------------------------------------------------------------------------

def test_a_warning_paragraph_becomes_a_warning_admonition(textbook):
    text = body(chapter(textbook, "第一章 机车概述"))
    assert '\n!!! warning "警告"\n\n    受电弓升起时严禁登上车顶。\n' in text  # “警告：” is the title now
    page = rendered(chapter(textbook, "第一章 机车概述"))
    assert re.search(r'<div class="admonition warning">\s*<p class="admonition-title">警告</p>\s*'
                     r'<p>受电弓升起时严禁登上车顶。</p>\s*</div>', page)


def test_consecutive_note_paragraphs_are_one_admonition(textbook):
    text = body(chapter(textbook, "第一章 机车概述"))
    assert '\n!!! note "注意"\n\n    检修前应确认机车已停稳。\n\n    检修后应清点工具。\n' in text
    assert [e.params["style"] for e in textbook.report.of(CARRIED, "admonition")].count("注意") == 1


def test_tip_and_english_note_and_warning_styles_are_admonitions(textbook):
    brakes = body(chapter(textbook, "第二章 制动系统"))
    assert '!!! tip "提示"\n\n    试验前先检查风压。' in brakes
    assert '!!! note "Note"\n\n    Keep the brake pipe pressure at 600 kPa.' in brakes
    assert '!!! warning "Warning"\n\n    Never climb onto the roof under the catenary.' in body(
        chapter(textbook, "第三章 安全规定"))


# -- lists ------------------------------------------------------------------------------------

def test_nested_numbering_keeps_its_three_levels(textbook):
    text = body(chapter(textbook, "第一章 机车概述"))
    assert ("1.  走行部分\n\n    1.  转向架\n\n    2.  轮对\n\n        -   轴箱轴承\n\n2.  电气部分\n") in text
    page = rendered(chapter(textbook, "第一章 机车概述"))
    assert re.search(r"<ol>\s*<li>\s*<p>走行部分</p>\s*<ol>\s*<li>\s*<p>转向架</p>\s*</li>\s*<li>\s*<p>轮对</p>"
                     r"\s*<ul>\s*<li>轴箱轴承</li>\s*</ul>\s*</li>\s*</ol>\s*</li>\s*<li>\s*<p>电气部分</p>", page)
    assert textbook.report.of(CHANGED, "list.numbering")[0].place.excerpt == "走行部分"


def test_a_list_bullet_2_paragraph_nests_under_the_bullet_above(textbook):
    text = body(chapter(textbook, "第一章 机车概述"))
    assert "-   受电弓\n\n    -   主断路器\n" in text
    assert re.search(r"<ul>\s*<li>\s*<p>受电弓</p>\s*<ul>\s*<li>主断路器</li>\s*</ul>",
                     rendered(chapter(textbook, "第一章 机车概述")))


def test_a_numbered_list_and_the_next_one_stay_two_lists(textbook):
    page = rendered(chapter(textbook, "第一章 机车概述"))
    assert re.search(r"<p>电气部分</p>\s*</li>\s*</ol>", page)  # the bullets after it are not a step 3


def test_numbered_steps_interrupted_by_a_picture_go_on_counting():
    document = WordDocument()
    document.numbered("断开主断路器", 0)
    document.numbered("降下受电弓", 0)
    document.picture(PICTURE, "降弓后的受电弓")
    document.numbered("挂接地线", 0)
    result = import_docx(document.save(), book="loco", file_name="降弓.docx")
    page = rendered(result.chapters[0])
    assert re.findall(r"<li>\s*<p>([^<]+)</p>", page) == ["断开主断路器", "降下受电弓", "挂接地线"]
    assert re.search(r"<p>降下受电弓</p>\s*<p><img alt=\"降弓后的受电弓\"", page)
    assert result.report.of(CHANGED, "list.continued")[0].place.excerpt == "挂接地线"


def test_a_note_paragraph_inside_a_numbered_step_is_an_admonition_inside_that_step():
    document = WordDocument()
    document.style("注意")
    document.numbered("断开主断路器", 0)
    document.para("注意：先确认机车已停稳。", style="注意")._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="1"/><w:numId w:val="90"/></w:numPr>'))
    document.numbered("降下受电弓", 0)
    result = import_docx(document.save(), book="loco", file_name="步骤.docx")
    assert '1.  断开主断路器\n\n    1.  !!! note "注意"\n\n            先确认机车已停稳。\n' in body(result.chapters[0])
    assert re.search(r'<p>断开主断路器</p>\s*<ol>\s*<li>\s*<div class="admonition note">\s*'
                     r'<p class="admonition-title">注意</p>\s*<p>先确认机车已停稳。</p>', rendered(result.chapters[0]))


# -- tables -----------------------------------------------------------------------------------

def test_merged_cells_become_an_html_table_that_the_sanitizer_keeps(textbook):
    page = rendered(chapter(textbook, "第一章 机车概述"))
    assert re.search(r'<tr>\s*<td>轮对</td>\s*<td>6</td>\s*<td rowspan="2">目视无裂纹</td>\s*</tr>\s*'
                     r'<tr>\s*<td>牵引电机</td>\s*<td>6</td>\s*</tr>', page)
    assert "<th>检查要点</th>" in page
    entry = textbook.report.of(CHANGED, "table.html")[0]
    assert entry.params["merged"] is True and entry.place.excerpt == "部件"


def test_a_picture_and_a_footnote_in_a_table_cell_come_over_inside_it():
    document = WordDocument()
    table = document.table([["示意图", "说明"], ["", "受电弓"]])
    table.cell(1, 0).paragraphs[0].add_run().add_picture(BytesIO(PICTURE))
    table.cell(1, 0).paragraphs[0].runs[-1]._r.xpath(".//wp:docPr")[0].set("descr", "受电弓")
    document.notes.append("弓头为碳滑板。")
    table.cell(1, 1).paragraphs[0].add_run()._r.append(parse_xml(f'<w:footnoteReference {nsdecls("w")} w:id="1"/>'))
    result = import_docx(document.save(), book="loco", file_name="表.docx")
    page = rendered(result.chapters[0])
    assert re.search(r'<td><img alt="受电弓" src="../assets/01-[a-z0-9-]+-1.png"></td>\s*<td>受电弓<sup id="fnref:1">',
                     page)
    assert re.search(r'<li id="fn:1">\s*<p>弓头为碳滑板。', page)


def test_a_plain_table_is_a_markdown_table(textbook):
    text = body(chapter(textbook, "第二章 制动系统"))
    assert "| 步骤 | 操作 |\n|------|------|\n| 1    | 制动 |\n| 2    | 缓解 |" in text
    assert re.search(r"<th>步骤</th>\s*<th>操作</th>", rendered(chapter(textbook, "第二章 制动系统")))
    assert textbook.report.of(CARRIED, "table")[0].params == {"columns": 2}


# -- pictures, footnotes, formulas ------------------------------------------------------------------

def test_a_picture_goes_into_the_books_assets_with_its_description_as_alt_text(textbook):
    picture = next(i for i in textbook.images if i.data == PICTURE)
    assert picture.path == "books/loco/assets/02-chapter-1.png" and picture.alt == "HXD3 型电力机车外观"
    first = chapter(textbook, "第一章 机车概述")
    assert "![HXD3 型电力机车外观](../assets/02-chapter-1.png)" in body(first)
    assert '<img alt="HXD3 型电力机车外观" src="../assets/02-chapter-1.png">' in rendered(first)
    assert first.images == ("books/loco/assets/02-chapter-1.png",)


def test_footnotes_become_markdown_footnotes_numbered_in_each_chapter(textbook):
    first = body(chapter(textbook, "第一章 机车概述"))
    assert "机车的持续功率为 7200 kW。[^1]" in first
    assert first.rstrip().endswith("[^1]: 数据来自《HXD3 型电力机车技术说明书》。")
    second = body(chapter(textbook, "第二章 制动系统"))
    assert "其中 F 为活塞推力。[^1]" in second and "[^1]: 压力单位为 kPa。" in second
    page = rendered(chapter(textbook, "第一章 机车概述"))
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1"' in page
    assert re.search(r'<li id="fn:1">\s*<p>数据来自《HXD3 型电力机车技术说明书》。', page)
    assert [e.params["text"] for e in textbook.report.of(CARRIED, "footnote")] == [
        "数据来自《HXD3 型电力机车技术说明书》。", "压力单位为 kPa。"]


def test_word_equations_become_latex(textbook):
    brakes = chapter(textbook, "第二章 制动系统")
    assert r"制动缸压力的计算公式为 $p = \frac{F}{S}$，其中" in body(brakes)
    assert "\n$$\nv^{2} = 2as\n$$\n" in body(brakes)
    page = rendered(brakes)
    assert r'<span class="arithmatex">\(p = \frac{F}{S}\)</span>' in page
    assert r'<div class="arithmatex">\[' in page and "v^{2} = 2as" in page
    assert [e.params["latex"] for e in textbook.report.of(CARRIED, "equation")] == [r"p = \frac{F}{S}", "v^{2} = 2as"]


def test_every_kind_of_word_equation_becomes_latex_and_one_that_cannot_is_listed():
    result = import_docx(formulas_docx(), book="loco", file_name="公式.docx")
    text = body(result.chapters[0])
    assert r"求和：$\sum_{i = 1}^{n}x$" in text and r"根号：$\sqrt{2gh}$" in text
    assert r"矩阵：$\begin{matrix} a & b \\ c & d \end{matrix}$" in text
    assert r"左括号：$\left\{ a \right.$" in text  # no control space before the closing dollar
    assert r"中文：$\text{速度} = \frac{\text{路程}}{\text{时间}}$" in text
    assert "无法识别：\n" in text + "\n" and "$$" not in text
    assert result.report.of(LOST, "equation.lost")[0].place.excerpt == "无法识别："
    assert len(result.report.of(CARRIED, "equation")) == len(FORMULAS)


@pytest.mark.browser
def test_every_formula_typesets_in_the_sites_katex_without_error(page, textbook, libreoffice):
    formulas = import_docx(formulas_docx(), book="loco", file_name="公式.docx")
    chapters = textbook.chapters + libreoffice.chapters + formulas.chapters
    warnings = []
    page.on("console", lambda message: warnings.append(message.text))
    page.set_content('<!doctype html><html><head><meta charset="utf-8"></head><body>'
                     + "".join(rendered(c) for c in chapters) + "</body></html>")
    for script in ("katex.min.js", "auto-render.min.js"):
        page.add_script_tag(path=str(KATEX / script))
    page.evaluate("""() => document.querySelectorAll(".arithmatex").forEach(el => renderMathInElement(el, {
        delimiters: [{left: "\\\\(", right: "\\\\)", display: false}, {left: "\\\\[", right: "\\\\]", display: true}],
        throwOnError: false}))""")
    count = page.locator(".arithmatex").count()
    assert count == len(FORMULAS) + 2 + 2
    assert page.locator(".arithmatex .katex").count() == count
    assert page.locator(".katex-error").count() == 0
    assert not [w for w in warnings if "LaTeX-incompatible" in w]


def test_an_old_equation_object_is_kept_as_its_picture_and_listed(textbook):
    kept = next(i for i in textbook.images if i.data == EQUATION_PREVIEW)
    assert "空走距离：![公式](../assets/" + kept.path.rsplit("/", 1)[1] + ")" in body(chapter(textbook, "第二章 制动系统"))
    entry = textbook.report.of(CHANGED, "equation.image")[0]
    assert entry.place.excerpt == "空走距离：" and entry.place.chapter == "03-chapter.md"
    lost = textbook.report.of(LOST, "equation.lost")[0]
    assert lost.place.excerpt == "制动距离：" and lost.params["format"] == "wmf"
    assert "制动距离：\n" in body(chapter(textbook, "第二章 制动系统"))


def test_a_link_to_a_web_page_stays_a_link(textbook):
    assert "规章见[国家铁路局](https://www.nra.gov.cn/)" in body(chapter(textbook, "第三章 安全规定"))


def test_subtitle_author_and_abstract_stay_in_the_text_and_the_title_names_the_part():
    document = WordDocument()
    for style in ("Author", "Abstract"):
        document.style(style)
    document.para("电力机车检修", style="Title")
    document.para("第二版", style="Subtitle")
    document.para("王老师 李师傅", style="Author")
    document.para("本书介绍机车检修。", style="Abstract")
    document.para("电力机车检修", outline_level=0)  # a chapter with the title's text: still a heading
    document.para("正文。")
    result = import_docx(document.save(), book="loco", file_name="x.docx")
    assert [c.title for c in result.chapters] == ["电力机车检修", "电力机车检修"]
    assert body(result.chapters[0]).split() == ["第二版", "王老师", "李师傅", "本书介绍机车检修。"]
    assert result.navigation[0].title == "电力机车检修"


# -- the report -------------------------------------------------------------------------------

def test_the_report_says_what_came_over_what_changed_and_what_did_not_and_where(textbook):
    report = textbook.report
    counts = report.counts()
    assert counts[CARRIED]["chapter"] == 3 and counts[CARRIED]["footnote"] == 2
    assert counts[CARRIED]["equation"] == 2 and counts[CARRIED]["image"] == 1
    assert counts[CARRIED]["admonition"] == 5  # 警告, 注意 (two paragraphs), 提示, Note, Warning
    assert counts[CHANGED]["table.html"] == 1 and counts[CHANGED]["equation.image"] == 1
    assert counts[LOST]["equation.lost"] == 1
    footnote = report.of(CARRIED, "footnote")[0]
    assert footnote.place.chapter == "02-chapter.md" and footnote.place.heading == "第一章 机车概述"
    assert footnote.place.excerpt.startswith("电力机车是铁路运输的")
    files = {c.filename for c in textbook.chapters}
    assert all(e.place.chapter in files for e in report.entries if e.place)
    paragraphs = [e.place.paragraph for e in report.entries if e.place and e.place.paragraph]
    assert paragraphs == sorted(paragraphs)  # in the order of the document
    assert json.loads(json.dumps(report.to_dict()))["entries"][0]["outcome"] == CHANGED


def test_the_wps_document_keeps_its_numeric_heading_styles_and_outline_levels(wps):
    assert [c.title for c in wps.chapters] == ["第1章 受电弓检修", "第2章 主断路器检修"]
    first = body(wps.chapters[0])
    assert "\n## 1.1 检查内容\n" in first
    assert '!!! note "注意事项"\n\n    检查前必须降弓。' in first
    assert "主断路器的检修周期为^^六个月^^。[^1]" in body(wps.chapters[1])
    no_alt = wps.report.of(CHANGED, "image.no_alt")[0]
    assert no_alt.place.heading == "1.1 检查内容"
    assert wps.report.of(CHANGED, "equation.image")[0].place.excerpt == "接触压力"
    assert "<ins>六个月</ins>" in rendered(wps.chapters[1])


def test_the_libreoffice_document_comes_over_whole(libreoffice):
    assert [c.title for c in libreoffice.chapters] == ["第一章 电力机车的检查", "第二章 安全规定"]
    first, second = (body(c) for c in libreoffice.chapters)
    assert first.startswith("\n机车出库前，司机应当完成**全面检查**，并做好*记录*。[^1]\n")
    assert "\n## 一、检查步骤\n" in first
    assert "1.  准备工具\n\n    1.  检查扳手\n\n    2.  检查万用表\n\n        1.  校验表笔\n\n2.  检查受电弓" in first
    assert '!!! warning "警告"\n\n    检查受电弓前必须确认已断电并接地。' in first
    assert "![受电弓结构示意图](../assets/01-chapter-1.png)" in first
    assert r"欧姆定律：$I = \frac{U}{R}$" in first
    assert "[^1]: 依据《铁路机车操作规则》第十二条。" in first
    assert '!!! tip "提示"\n\n    作业时佩戴安全帽。\n\n    离开前清点工具。' in second
    assert "安全第一[^1]，预防为主。" in second and "[^1]: 见《安全规程》。" in second
    assert "\n$$\nv^{2} = 2as\n$$\n" in second
    page = rendered(libreoffice.chapters[0])
    assert '<td rowspan="2">目视无裂纹</td>' in page and '<td colspan="3">合计 12 件</td>' in page
    assert libreoffice.report.of(CHANGED, "heading.outline")[0].place.excerpt == "第一章 电力机车的检查"


@pytest.mark.parametrize("text", [
    "a < b > c & d &amp; e", "3~5 mm 与 7~9 mm", "x^2 与 y^3^", "==标记== 与 ===", "++键++ 与 C++",
    "{属性} 与 {: .cls}", "$5 和 $6", "\\，反斜杠", r"\(x\) \[y\]", "| 竖线 |", "*星号* **粗** _下_",
    "`代码`", "[链接](http://x) ![图](y.png)", "# 标题样", "1. 第一", "- 减号开头", "> 引用", "!!! note 标题",
    "??? 问题", ": 冒号开头", '=== "标签"', "[^1] 脚注", "[TOC]", "<script>x</script>", "---", "H~2~O", "&#33; 实体",
])
def test_text_that_reads_as_markdown_syntax_comes_through_as_written(text):
    result = one_paragraph(text)
    assert text_of(rendered(result.chapters[0])) == " ".join(text.split())


def test_the_special_characters_of_the_corpus_come_through_as_written(textbook):
    page = rendered(chapter(textbook, "第三章 安全规定"))
    assert ("特殊字符：a < b > c & d，3~5 mm，x^2，==标记==，++键++，{属性}，$5，\\，| 竖线 |，*星号*，_下划线_。"
            in text_of(page))


# -- into a library ---------------------------------------------------------------------------

def test_imported_chapters_commit_render_and_pass_the_librarys_checks(lib):
    book = lib.book("loco")
    existing = list(lib.files("main", "books/loco"))
    result = import_docx(textbook_docx(), book="loco", file_name="电力机车检修.docx", book_config=book.config,
                         existing=existing)
    assert [c.filename for c in result.chapters][:2] == ["03-chapter.md", "04-chapter.md"]
    book_yml = lib.read_text("main", "books/loco/book.yml")
    lib.commit("main", result.changes(book_yml), TEACHER, "Import 电力机车检修.docx", base=lib.resolve("main"))
    assert validate_book(lib, "loco") == []
    imported = load_book(lib, "loco")
    assert [c.title for c in imported.chapters] == ["概述", "制动机", "电力机车检修", "第一章 机车概述",
                                                    "第二章 制动系统", "第三章 安全规定"]
    assert imported.config.navigation[-1].title == "电力机车检修"
    for c in imported.chapters[2:]:
        page = render_markdown(c.body)
        assert "!!!" not in page and "$$" not in page and "[^" not in page and "markdown=" not in page
    assert lib.read("main", "books/loco/assets/04-chapter-1.png") == PICTURE


def test_new_files_never_take_a_name_already_in_the_book():
    taken = ["books/loco/chapters/02-chapter.md", "books/loco/assets/02-chapter-2-1.png"]
    result = import_docx(textbook_docx(), book="loco", file_name="x.docx", existing=taken)
    names = [c.filename for c in result.chapters]
    assert "02-chapter.md" not in names and "02-chapter-2.md" in names
    assert "books/loco/assets/02-chapter-2-1.png" not in [i.path for i in result.images]


def test_an_english_title_gives_a_readable_file_name():
    document = WordDocument()
    document.para("Chapter 1 Safety Rules", style="Heading 1")
    document.para("Wear a helmet.")
    assert import_docx(document.save(), book="loco", file_name="s.docx").chapters[0].filename == \
        "01-chapter-safety-rules.md"


# -- bad input --------------------------------------------------------------------------------

def _zip(parts: dict[str, str]) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"not a word file at all", "not_docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "legacy_or_encrypted"),
    (_zip({"readme.txt": "hello"}), "not_docx"),
    (_zip({"word/document.xml": "<w:document"}), "damaged"),
    (_zip({"word/document.xml": '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'}), "damaged"),
])
def test_a_file_that_is_not_a_readable_docx_is_refused_with_its_reason(data, reason):
    with pytest.raises(DocxUnreadable) as refused:
        import_docx(data, book="loco", file_name="x.docx")
    assert refused.value.params["reason"] == reason


def test_a_document_without_text_is_refused():
    with pytest.raises(DocxUnreadable) as refused:
        import_docx(WordDocument().save(), book="loco", file_name="空.docx")
    assert refused.value.params["reason"] == "empty"


@pytest.mark.parametrize("level", [0, 7, True, "1"])
def test_a_split_level_outside_one_to_six_is_refused(level):
    with pytest.raises(ImportInvalid):
        import_docx(textbook_docx(), book="loco", file_name="x.docx", split_level=level)
