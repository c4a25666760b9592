"""Loose-leaf task sheets (活页式), read from the PDF as the teacher who prints them would.

A small workbook is added to the starter library beside the starter course:
an introduction that is not a task, then three work tasks written in the
workbook's sections (任务描述 … 评价), with record and evaluation sheets in
their front matter and the starter standard's items. The pack and one task
are typeset once each; pages are read with pypdf (labels, text) and pdfium
(where each character stands, for the margins).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from build.errors import NoTasks, TaskNotFound
from build.task_sheets import build_task_sheets
from materials import Author, Library, Write

BOOK = "brake-workbook"
STARTER = "locomotive-maintenance"
STANDARD = "sample-noss-locomotive-maintenance@2026"
TEACHER = Author("王老师", "wang@college.example", "school")
MM = 72 / 25.4
HOLE_SIDE, OTHER_SIDE = 28 * MM, 15 * MM

BOOK_YML = f"""title: 机车制动机检修工作手册
language: zh-CN
license: CC-BY-SA-4.0
edition: "2026"
standards: [{STANDARD}]
editors:
  - {{name: 张明, role: 主编, side: school}}
navigation:
  - part: 项目一 制动机检修
    chapters: [01-introduction.md, 02-brake-shoes.md, 03-five-step-test.md, 04-pantograph.md]
"""

INTRODUCTION = """---
title: 项目导入
---

本项目由三个工作任务组成，每个任务单独成册，可以活页形式装订。
"""

BRAKE_SHOES = """---
title: 闸瓦与单元制动器检查
standards: [L5.S.2.3.1]
objectives:
  - 能用量具检查闸瓦厚度和闸瓦间隙
hours: 2
task:
  record:
    columns: [检查部位, 闸瓦厚度/mm, 闸瓦间隙/mm, 结论]
    rows:
      - [第 1 轴左侧]
      - [第 1 轴右侧]
  evaluation:
    criteria:
      - {criterion: 量具选用与校零, points: 40}
      - {criterion: 测量读数准确, points: 60}
---

## 任务描述

检查一台 HXD3 型机车第 1 轴的闸瓦厚度与闸瓦间隙，并填写记录表。

## 记录

逐项测量并填写下表。
"""

FIVE_STEP = """---
title: 制动机五步闸试验
standards: [L4.S.2.1.1, L4.K.2.1.2]
objectives:
  - 能按作业标准完成五步闸试验并判断结果
hours: 4
task:
  record:
    title: 五步闸试验记录表
    columns: [试验步骤, 规定值, 实测值, 是否合格]
    rows:
      - [运转位保压 1 min, 列车管泄漏不超过 10 kPa]
      - [全制动, 制动缸约 350 kPa]
      - [紧急制动, 制动缸约 450 kPa]
  evaluation:
    weights: {self: 20, peer: 30, teacher: 50}
    criteria:
      - {criterion: 试验前安全确认, points: 20}
      - {criterion: 五步闸程序完整规范, points: 50}
      - {criterion: 试验结果判断正确, points: 30}
---

## 任务描述

出库前对机车制动机进行五步闸试验，先完成[闸瓦与单元制动器检查](02-brake-shoes.md)。

## 学习目标

能说出五步闸每一步的操作和判断标准。

## 任务准备

确认总风缸压力在 750 kPa 以上，两端司机室制动机已正确设置。

## 实施步骤

1. 运转位检查，保压 1 min。
2. 初制动、全制动、紧急制动依次试验。
3. 单独制动与单缓试验。

## 记录

按试验顺序填写记录表，压力读数精确到 10 kPa。

## 评价

先自评，再由组员互评，最后由教师评价。
"""

PANTOGRAPH_STEPS = "\n".join(
    f"{i}. 第 {i} 步：按作业指导书检查受电弓第 {i} 个部位，确认状态良好后在记录表中签认，并口呼“第 {i} 项良好”。"
    for i in range(1, 31))

PANTOGRAPH = f"""---
title: 受电弓登顶检查
standards: [L5.S.2.2.1]
task:
  record:
    columns: [部位, 状态, 签认]
    blank_rows: 12
  evaluation:
    raters: [self, teacher, enterprise]
    criteria:
      - {{criterion: 停电接地确认, points: 30}}
      - {{criterion: 检查无漏项, points: 70}}
---

## 任务描述

在停电、接地条件下登顶检查受电弓。受电弓滑板磨耗超限会导致刮弓事故，检修工必须在登顶作业前确认接触网已停电，
并在作业地点设置防护信号和禁动标志，作业中不得跨越车顶高压设备，工具材料用绳索传递，不得抛掷。

## 实施步骤

{PANTOGRAPH_STEPS}
"""

TASK_TITLES = {1: "闸瓦与单元制动器检查", 2: "制动机五步闸试验", 3: "受电弓登顶检查"}


@dataclass
class Sheets:
    path: Path
    reader: object                 # pypdf.PdfReader
    warnings: list[str]

    def text(self, index: int) -> str:
        return self.reader.pages[index].extract_text()

    def all_text(self) -> str:
        return "\n".join(self.text(i) for i in range(len(self.reader.pages)))

    def pages_of(self, number: int) -> list[int]:
        return [i for i, label in enumerate(self.reader.page_labels) if label.startswith(f"{number}-")]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Library:
    root = tmp_path_factory.mktemp("workbook")
    lib = Library.init(root / "library.git", starter=True)
    lib.commit("main", [
        Write(f"books/{BOOK}/book.yml", BOOK_YML),
        Write(f"books/{BOOK}/chapters/01-introduction.md", INTRODUCTION),
        Write(f"books/{BOOK}/chapters/02-brake-shoes.md", BRAKE_SHOES),
        Write(f"books/{BOOK}/chapters/03-five-step-test.md", FIVE_STEP),
        Write(f"books/{BOOK}/chapters/04-pantograph.md", PANTOGRAPH),
    ], TEACHER, "新建制动机检修工作手册", base=lib.resolve("main"))
    return lib


def _read(path: Path, warnings: list[str]) -> Sheets:
    pypdf = pytest.importorskip("pypdf")
    return Sheets(path, pypdf.PdfReader(str(path)), warnings)


@pytest.fixture(scope="module")
def pack(workbook, tmp_path_factory) -> Sheets:
    out = tmp_path_factory.mktemp("pack") / "tasks.pdf"
    result = build_task_sheets(workbook, BOOK, "main", out, version="1.0")
    return _read(out, result.warnings)


@pytest.fixture(scope="module")
def task_three(workbook, tmp_path_factory) -> Sheets:
    out = tmp_path_factory.mktemp("one") / "task-3.pdf"
    result = build_task_sheets(workbook, BOOK, "main", out, tasks=["04-pantograph.md"])
    return _read(out, result.warnings)


def test_sheets_print_without_warnings(pack, task_three):
    assert pack.warnings == [] and task_three.warnings == []


def test_one_task_is_numbered_on_its_own(task_three):
    labels = task_three.reader.page_labels
    assert len(labels) >= 2
    assert labels == [f"3-{i}" for i in range(1, len(labels) + 1)]
    for index, label in enumerate(labels):
        assert label in task_three.text(index).split(), f"page {label} does not print its number"
    assert TASK_TITLES[3] in task_three.text(0)
    assert TASK_TITLES[1] not in task_three.all_text() and TASK_TITLES[2] not in task_three.all_text()


def test_pack_holds_every_task_each_numbered_on_its_own_from_a_right_hand_page(pack):
    labels = pack.reader.page_labels
    for number, title in TASK_TITLES.items():
        pages = pack.pages_of(number)
        assert pages, f"task {number} is not in the pack: {labels}"
        assert [labels[i] for i in pages] == [f"{number}-{k}" for k in range(1, len(pages) + 1)]
        first = pack.text(pages[0])
        assert f"任务 {number}" in first and title in first
        assert pages[0] % 2 == 0, f"task {number} opens on a left-hand page"
    assert all(re.fullmatch(r"[123]-\d+", label) for label in labels)
    assert "项目导入" not in pack.all_text()          # the introduction is no task


def test_running_head_names_the_task_after_its_first_page(task_three):
    for index in range(1, len(task_three.reader.pages)):
        head = task_three.text(index).strip().splitlines()[0]
        assert "任务 3" in head and TASK_TITLES[3] in head, head


def char_boxes(path: Path, index: int) -> list[tuple[float, float, float, float]]:
    pdfium = pytest.importorskip("pypdfium2")
    page = pdfium.PdfDocument(str(path))[index]
    text = page.get_textpage()
    return [text.get_charbox(i) for i in range(text.count_chars()) if not text.get_text_range(i, 1).isspace()]


def test_the_hole_side_has_the_wider_margin_on_rectos_and_versos(task_three):
    width = float(task_three.reader.pages[0].mediabox.width)
    assert len(task_three.reader.pages) >= 2
    for index in range(len(task_three.reader.pages)):
        boxes = char_boxes(task_three.path, index)
        left, right = min(b[0] for b in boxes), max(b[2] for b in boxes)
        hole_left = index % 2 == 0            # a recto's holes are on its left, a verso's on its right
        inner, outer = (left, width - right) if hole_left else (width - right, left)
        assert inner >= HOLE_SIDE - 1, f"page {index + 1}: text {inner / MM:.1f} mm from the hole side"
        assert outer >= OTHER_SIDE - 1
        assert outer < HOLE_SIDE - 5 * MM, f"page {index + 1}: the other side is as wide ({outer / MM:.1f} mm)"


def flat(text: str) -> str:
    """Text without its spaces: the typesetter spaces Chinese and Latin by itself, not with space characters."""
    return re.sub(r"\s+", "", text)


def test_record_and_evaluation_sheets_are_drawn_from_the_front_matter(pack):
    text = flat("".join(pack.text(i) for i in pack.pages_of(2)))
    for expected in ("五步闸试验记录表", "试验步骤规定值实测值是否合格", "运转位保压1min列车管泄漏不超过10kPa",
                     "全制动制动缸约350kPa", "紧急制动制动缸约450kPa"):
        assert expected in text, expected
    assert "任务评价表序号评价内容配分自评（20%）互评（30%）师评（50%）" in text
    for row in ("1试验前安全确认20", "2五步闸程序完整规范50", "3试验结果判断正确30", "合计100"):
        assert row in text, row
    assert "综合得分=自评×20%＋互评×30%＋师评×50%" in text
    # each sheet closes its section, after what the author wrote there
    assert text.index("压力读数精确到10kPa") < text.index("五步闸试验记录表") < text.index("先自评，再由组员互评")
    assert text.index("先自评，再由组员互评") < text.index("任务评价表")

    first = flat("".join(pack.text(i) for i in pack.pages_of(1)))
    assert "任务记录表检查部位闸瓦厚度/mm闸瓦间隙/mm结论第1轴左侧第1轴右侧" in first
    assert "配分自评互评师评" in first and "合计100" in first
    assert "综合得分" not in first                   # no weights, no weighted score

    third = flat("".join(pack.text(i) for i in pack.pages_of(3)))
    assert "配分自评师评企业评" in third and "互评" not in third


def test_sheets_list_the_standard_items_the_task_trains_with_their_text(pack):
    # the items' text as the standard's file gives it
    standard = (Path(__file__).resolve().parents[2] / "materials" / "starter" / "library" / "standards"
                / f"{STANDARD}.yml").read_text(encoding="utf-8")

    def item_text(key: str) -> str:
        return re.search(rf"key: {re.escape(key)},.*text: (.+)}}", standard).group(1)

    opening = pack.text(pack.pages_of(2)[0]).replace("\n", "")
    assert "对接标准" in opening and "机车检修工国家职业技能标准" in opening
    assert re.search(r"2\.1\.1\s*四级/中级工 技能要求\s*" + re.escape(item_text("L4.S.2.1.1")), opening)
    assert re.search(r"2\.1\.2\s*四级/中级工 相关知识要求\s*" + re.escape(item_text("L4.K.2.1.2")), opening)
    assert item_text("L5.S.2.3.1") in pack.text(pack.pages_of(1)[0]).replace("\n", "")
    assert item_text("L5.S.2.2.1") not in opening


def test_a_link_to_another_task_in_the_pack_gives_its_page(pack):
    text = flat("".join(pack.text(i) for i in pack.pages_of(2)))
    assert "闸瓦与单元制动器检查（见第1-1页）" in text


def test_a_task_that_is_not_one_is_refused_naming_the_tasks(workbook, tmp_path):
    with pytest.raises(TaskNotFound) as err:
        build_task_sheets(workbook, BOOK, "main", tmp_path / "x.pdf", tasks=["01-introduction.md"])
    assert err.value.params["tasks"] == ["02-brake-shoes.md", "03-five-step-test.md", "04-pantograph.md"]
    with pytest.raises(NoTasks):
        build_task_sheets(workbook, STARTER, "main", tmp_path / "y.pdf")
    with pytest.raises(TaskNotFound):
        build_task_sheets(workbook, BOOK, "main", tmp_path / "x.pdf", tasks=[])
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "y.pdf").exists()


def test_an_unchanged_task_is_not_typeset_again(workbook, tmp_path):
    cache = tmp_path / "cache"
    first = build_task_sheets(workbook, BOOK, "main", tmp_path / "a.pdf", tasks=["02-brake-shoes"], cache_dir=cache)
    again = build_task_sheets(workbook, BOOK, "main", tmp_path / "b.pdf", tasks=["02-brake-shoes"], cache_dir=cache)
    other = build_task_sheets(workbook, BOOK, "main", tmp_path / "c.pdf", tasks=["03-five-step-test"],
                              cache_dir=cache)
    assert not first.skipped and again.skipped and not other.skipped
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_the_whole_workbook_prints_the_same_sheets_in_its_chapters(workbook, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    from build.pdf import build_pdf
    build_pdf(workbook, BOOK, "main", tmp_path / "book.pdf")
    text = flat("".join(page.extract_text() for page in pypdf.PdfReader(str(tmp_path / "book.pdf")).pages))
    assert "五步闸试验记录表试验步骤规定值实测值是否合格" in text
    assert "1试验前安全确认20" in text and "合计100" in text
