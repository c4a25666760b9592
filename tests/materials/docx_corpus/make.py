"""The .docx test corpus, written with python-docx in the test session.

Two documents, each with every construct the import carries over, in Chinese,
and with what other importers get wrong:

- ``textbook_docx``: as Word writes one. Chapter headings in a custom style
  based on Heading 1 (``章标题``), section headings in a style that only has
  an outline level (``节标题``), three-level numbering of one list definition,
  ``List Bullet 2`` under ``List Bullet``, merged table cells, footnotes,
  OMML equations, a picture with a description, 警告 / 注意 / 提示 / Note
  paragraphs, an old equation object with a PNG preview and one with a WMF
  preview.
- ``wps_docx``: as WPS Office writes one. Numeric style ids (``2`` for heading
  1), headings that are Normal paragraphs with an outline level (大纲级别),
  a KSEE3 equation object, a picture without description.

python-docx writes no footnotes, numbering levels, equations or OLE objects:
those parts are added as the WordprocessingML that Word writes for them.
``libreoffice.docx`` beside this file is the same kind of document written by
LibreOffice (see README.md).
"""
from __future__ import annotations

import io
import struct
import zlib

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

W = nsdecls("w")
M = nsdecls("m")
VML = 'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"'
FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# A WMF file's placeable header: what Word stores as the preview of a MathType equation.
WMF = b"\xd7\xcd\xc6\x9a" + bytes(18) + b"\x01\x00\x09\x00\x00\x03" + bytes(12)


def png(width: int = 6, height: int = 4, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """A small PNG picture of one colour."""
    rows = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PICTURE = png()
EQUATION_PREVIEW = png(8, 3, (20, 20, 20))


class WordDocument:
    """python-docx with the parts it does not write: footnotes, list levels, equations, OLE objects."""

    def __init__(self):
        self.doc = docx.Document()
        self.notes: list[str] = []
        self._numbering_added = False

    # -- styles -----------------------------------------------------------------
    def style(self, name: str, based_on: str = "Normal", outline_level: int | None = None) -> None:
        style = self.doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = self.doc.styles[based_on]
        if outline_level is not None:
            style.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {W} w:val="{outline_level}"/>'))

    # -- paragraphs -------------------------------------------------------------
    def para(self, *runs, style: str | None = None, outline_level: int | None = None):
        """A paragraph of runs: text, ("b", text) bold, ("i", text) italic, ("u", text) underlined,
        ("note", text) a footnote, ("math", omml) an equation, or a ready run element."""
        p = self.doc.add_paragraph(style=style)
        if outline_level is not None:
            p._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {W} w:val="{outline_level}"/>'))
        for run in runs:
            if isinstance(run, str):
                p.add_run(run)
            elif run[0] == "b":
                p.add_run(run[1]).bold = True
            elif run[0] == "i":
                p.add_run(run[1]).italic = True
            elif run[0] == "u":
                p.add_run(run[1]).underline = True
            elif run[0] == "note":
                self.notes.append(run[1])
                r = p.add_run()
                r._r.append(parse_xml(f'<w:footnoteReference {W} w:id="{len(self.notes)}"/>'))
            elif run[0] == "math":
                p._p.append(parse_xml(f"<m:oMath {M}>{run[1]}</m:oMath>"))
            elif run[0] == "element":
                p._p.append(run[1])
        return p

    def display_math(self, omml: str):
        p = self.doc.add_paragraph()
        p._p.append(parse_xml(f"<m:oMathPara {M}><m:oMath>{omml}</m:oMath></m:oMathPara>"))
        return p

    def numbered(self, text: str, level: int):
        """An item of the three-level list: 1. / a) / •, one numbering definition (w:numId 90)."""
        if not self._numbering_added:
            numbering = self.doc.part.numbering_part.element
            numbering.find(qn("w:num")).addprevious(parse_xml(f'''<w:abstractNum {W} w:abstractNumId="90">
              <w:multiLevelType w:val="multilevel"/>
              <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/>
                <w:pPr><w:ind w:left="420" w:hanging="420"/></w:pPr></w:lvl>
              <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%2)"/>
                <w:pPr><w:ind w:left="840" w:hanging="420"/></w:pPr></w:lvl>
              <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/>
                <w:pPr><w:ind w:left="1260" w:hanging="420"/></w:pPr></w:lvl>
            </w:abstractNum>'''))
            numbering.append(parse_xml(f'<w:num {W} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
            self._numbering_added = True
        p = self.doc.add_paragraph(text, style="List Paragraph")
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {W}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))
        return p

    def picture(self, data: bytes, description: str | None):
        shape = self.doc.add_paragraph().add_run().add_picture(io.BytesIO(data))
        if description is not None:
            shape._inline.docPr.set("descr", description)
        else:
            shape._inline.docPr.attrib.pop("descr", None)

    def equation_object(self, prog_id: str, preview: bytes, extension: str, before: str = ""):
        """An OLE equation (Equation Editor 3, MathType, WPS): only its preview picture is readable."""
        partname = PackURI(f"/word/media/equation{len(self.doc.part.rels) + 1}.{extension}")
        part = Part(partname, "image/png" if extension == "png" else "image/x-wmf", preview, self.doc.part.package)
        rid = self.doc.part.relate_to(part, RT.IMAGE)
        run = parse_xml(f'''<w:r {W} {nsdecls("r")} {VML}><w:object>
            <v:shape id="_x0000_i10{rid[3:]}" type="#_x0000_t75" style="width:60pt;height:18pt">
              <v:imagedata r:id="{rid}" o:title=""/></v:shape>
            <o:OLEObject Type="Embed" ProgID="{prog_id}" ShapeID="_x0000_i10{rid[3:]}" DrawAspect="Content"
              ObjectID="_{rid[3:]}"/></w:object></w:r>''')
        return self.para(before, ("element", run))

    def hyperlink(self, text: str, url: str, before: str = ""):
        rid = self.doc.part.relate_to(url, RT.HYPERLINK, is_external=True)
        link = parse_xml(f'<w:hyperlink {W} {nsdecls("r")} r:id="{rid}"><w:r><w:t>{text}</w:t></w:r></w:hyperlink>')
        return self.para(before, ("element", link))

    def table(self, rows: list[list[str]], merge: list[tuple[tuple[int, int], tuple[int, int]]] = ()):
        table = self.doc.add_table(rows=len(rows), cols=len(rows[0]))
        table.style = "Table Grid"
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                table.cell(i, j).text = text
        for (a, b), (c, d) in merge:
            text = table.cell(a, b).text
            merged = table.cell(a, b).merge(table.cell(c, d))
            merged.text = text
        return table

    # -- the file ---------------------------------------------------------------
    def save(self) -> bytes:
        if self.notes:
            body = "".join(f'<w:footnote w:id="{i}"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:footnote>'
                           for i, text in enumerate(self.notes, start=1))
            xml = (f'<w:footnotes {W}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r>'
                   f'</w:p></w:footnote><w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
                   f'<w:continuationSeparator/></w:r></w:p></w:footnote>{body}</w:footnotes>')
            part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES, xml.encode(), self.doc.part.package)
            self.doc.part.relate_to(part, RT.FOOTNOTES)
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def omml_run(text: str) -> str:
    return f"<m:r><m:t>{text}</m:t></m:r>"


def omml_fraction(numerator: str, denominator: str) -> str:
    return f"<m:f><m:num>{numerator}</m:num><m:den>{denominator}</m:den></m:f>"


def omml_power(base: str, exponent: str) -> str:
    return f"<m:sSup><m:e>{base}</m:e><m:sup>{exponent}</m:sup></m:sSup>"


def textbook_docx() -> bytes:
    """电力机车检修, as Word writes it: three chapters and every construct."""
    d = WordDocument()
    d.style("章标题", based_on="Heading 1")
    d.style("节标题", outline_level=1)
    for name in ("警告", "注意", "提示", "Note", "Warning"):
        d.style(name)
    d.doc.core_properties.title = "电力机车检修"
    d.para("电力机车检修", style="Title")
    d.para("本教材依据", ("b", "国家职业技能标准"), "编写，供职业院校使用。")

    d.para("第一章 机车概述", style="章标题")
    d.para("电力机车是铁路运输的", ("b", "主要牵引动力"), "，", ("i", "HXD3 型"), "机车的持续功率为 7200 kW。",
           ("note", "数据来自《HXD3 型电力机车技术说明书》。"))
    d.para("一、主要部件", style="节标题")
    d.numbered("走行部分", 0)
    d.numbered("转向架", 1)
    d.numbered("轮对", 1)
    d.numbered("轴箱轴承", 2)
    d.numbered("电气部分", 0)
    d.para("受电弓", style="List Bullet")
    d.para("主断路器", style="List Bullet 2")
    d.table([["部件", "数量", "检查要点"], ["轮对", "6", "目视无裂纹"], ["牵引电机", "6", ""]],
            merge=[((1, 2), (2, 2))])
    d.para("警告：受电弓升起时严禁登上车顶。", style="警告")
    d.para("检修前应确认机车已停稳。", style="注意")
    d.para("检修后应清点工具。", style="注意")
    d.picture(PICTURE, "HXD3 型电力机车外观")

    d.doc.add_heading("第二章 制动系统", level=1)
    d.para("制动缸压力的计算公式为 ", ("math", omml_run("p=") + omml_fraction(omml_run("F"), omml_run("S"))),
           "，其中 F 为活塞推力。", ("note", "压力单位为 kPa。"))
    d.display_math(omml_power(omml_run("v"), omml_run("2")) + omml_run("=2as"))
    d.doc.add_heading("2.1 五步闸试验", level=2)
    d.para("试验前先检查风压。", style="提示")
    d.table([["步骤", "操作"], ["1", "制动"], ["2", "缓解"]])
    d.equation_object("Equation.KSEE3", EQUATION_PREVIEW, "png", before="空走距离：")
    d.equation_object("Equation.DSMT4", WMF, "wmf", before="制动距离：")
    d.para("Keep the brake pipe pressure at 600 kPa.", style="Note")

    d.doc.add_heading("第三章 安全规定", level=1)
    d.para("Never climb onto the roof under the catenary.", style="Warning")
    d.hyperlink("国家铁路局", "https://www.nra.gov.cn/", before="规章见")
    d.para("特殊字符：a < b > c & d，3~5 mm，x^2，==标记==，++键++，{属性}，$5，\\，| 竖线 |，*星号*，_下划线_。")
    return d.save()


def wps_docx() -> bytes:
    """A WPS Office document: numeric style ids, outline-level headings, a KSEE3 equation, no picture description."""
    d = WordDocument()
    styles = d.doc.styles
    styles["Normal"].style_id = "1"
    styles["Heading 1"].style_id = "2"
    styles["Heading 2"].style_id = "3"
    d.style("注意事项")
    d.para("第1章 受电弓检修", outline_level=0)
    d.para("受电弓是从接触网受取电流的装置。")
    d.para("1.1 检查内容", outline_level=1)
    d.para("注意：检查前必须降弓。", style="注意事项")
    d.picture(PICTURE, None)
    d.equation_object("Equation.KSEE3", EQUATION_PREVIEW, "png", before="接触压力 ")
    d.para("第2章 主断路器检修", style="Heading 1")
    d.para("主断路器的检修周期为", ("u", "六个月"), "。", ("note", "见检修规程。"))
    return d.save()


FORMULAS = {  # OMML as Word writes it, by what a teacher would call it
    "求和": '<m:nary><m:naryPr><m:chr m:val="∑"/></m:naryPr><m:sub>' + omml_run("i=1") + "</m:sub><m:sup>"
            + omml_run("n") + "</m:sup><m:e>" + omml_run("x") + "</m:e></m:nary>",
    "根号": '<m:rad><m:radPr><m:degHide m:val="1"/></m:radPr><m:deg/><m:e>' + omml_run("2gh") + "</m:e></m:rad>",
    "矩阵": "<m:m><m:mr><m:e>" + omml_run("a") + "</m:e><m:e>" + omml_run("b") + "</m:e></m:mr><m:mr><m:e>"
            + omml_run("c") + "</m:e><m:e>" + omml_run("d") + "</m:e></m:mr></m:m>",
    "方程组": "<m:eqArr><m:e>" + omml_run("x+y=1") + "</m:e><m:e>" + omml_run("x-y=0") + "</m:e></m:eqArr>",
    "左括号": '<m:d><m:dPr><m:begChr m:val="{"/><m:endChr m:val=""/></m:dPr><m:e>' + omml_run("a") + "</m:e></m:d>",
    "方框": "<m:borderBox><m:e>" + omml_run("E=mc") + "</m:e></m:borderBox>",
    "中文": omml_run("速度=") + omml_fraction(omml_run("路程"), omml_run("时间")),
}


def formulas_docx() -> bytes:
    """One paragraph per kind of Word equation, and one that no converter can read."""
    d = WordDocument()
    for name, omml in FORMULAS.items():
        d.para(f"{name}：", ("math", omml))
    d.para("无法识别：", ("math", "<m:unknownThing><m:e>" + omml_run("q") + "</m:e></m:unknownThing>"))
    return d.save()
