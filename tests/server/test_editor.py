"""The chapter editor as an author uses it: open a chapter, change it, save it against the
version they started from, and meet a conflict without losing a word."""
from __future__ import annotations

import json
import re
from html import unescape

import pytest

from helpers import csrf_from
from materials import OVERWRITE, parse_chapter

BOOK = "locomotive-maintenance"
CHAPTER = "03-brake-test.md"
PATH = f"books/{BOOK}/chapters/{CHAPTER}"
DRAFT = "cr/1"  # the change request the teacher starts before editing
EDIT = f"/books/{BOOK}/chapters/{CHAPTER}/edit"
API = f"/api/books/{BOOK}/chapters/{CHAPTER}"


@pytest.fixture
def teacher(teacher_in_change_request):
    return teacher_in_change_request


def textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*(?:id|name)="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea {name}"
    return unescape(match.group(1))


def field_value(html: str, name: str) -> str:
    return unescape(re.search(rf'name="{name}" value="([^"]*)"', html).group(1))


def test_opening_a_chapter_shows_its_front_matter_as_a_form_and_its_body(teacher, lib):
    html = teacher.get(EDIT).get_data(as_text=True)
    assert field_value(html, "title") == "制动机的检查与试验"
    assert 'value="能按作业标准完成制动机“五步闸”试验并判断结果"' in html
    assert 'id="hours" name="hours" value="6"' in html
    assert re.search(r'name="standards" value="L4.S.2.1.1" checked', html)
    assert "---" not in textarea(html, "body").split("\n")[0]  # no YAML in the text box
    assert field_value(html, "base") == lib.resolve("main")  # no draft yet: starts from main


def test_save_with_current_base_lands_on_the_authors_draft_not_main(teacher, lib):
    main_before = lib.resolve("main")
    chapter = teacher.get(API).json
    response = teacher.put(API, json={"base": chapter["base"], "front_matter": chapter["front_matter"],
                                      "body": chapter["body"] + "\n补充：试验前确认总风缸压力。\n"})
    assert response.status_code == 200, response.json
    assert response.json["branch"] == DRAFT and not response.json["merged"]
    assert "补充：试验前确认总风缸压力。" in lib.read_text(DRAFT, PATH)
    assert lib.resolve("main") == main_before
    entry = lib.log(DRAFT, limit=1)[0]
    assert entry.sha == response.json["sha"] and entry.side == "school"


def test_stale_base_merges_non_overlapping_edits(teacher, lib):
    first = teacher.get(API).json  # tab 1 opens the chapter
    second = teacher.get(API).json  # tab 2 opens it too, same base
    lines = first["body"].split("\n")
    top = "\n".join(["开头新增的一句。"] + lines)
    bottom = "\n".join(lines + ["结尾新增的一句。", ""])
    assert teacher.put(API, json={"base": first["base"], "front_matter": first["front_matter"], "body": top}).status_code == 200
    response = teacher.put(API, json={"base": second["base"], "front_matter": second["front_matter"], "body": bottom})
    assert response.status_code == 200 and response.json["merged"] is True
    text = lib.read_text(DRAFT, PATH)
    assert "开头新增的一句。" in text and "结尾新增的一句。" in text


def test_overlapping_edit_answers_409_with_both_texts_and_writes_nothing(teacher, lib):
    original = teacher.get(API).json
    fm = original["front_matter"]
    teacher.put(API, json={"base": original["base"], "front_matter": {**fm, "title": "他们的标题"}, "body": original["body"]})
    head = lib.resolve(DRAFT)
    response = teacher.put(API, json={"base": original["base"], "front_matter": {**fm, "title": "我的标题"},
                                      "body": original["body"]})
    assert response.status_code == 409
    conflict = response.json["error"]["details"]["conflicts"][0]
    assert "title: 他们的标题" in conflict["theirs"] and "title: 我的标题" in conflict["yours"]
    assert "<<<<<<<" in conflict["merged"]
    assert lib.resolve(DRAFT) == head  # nothing written


def test_conflict_screen_keeps_the_authors_text_and_keep_mine_saves_it(teacher, lib):
    page = teacher.get(EDIT).get_data(as_text=True)
    base, body = field_value(page, "base"), textarea(page, "body")
    form = {"base": base, "title": "制动机的检查与试验", "objectives": ["目标一"], "hours": "6", "body": body}
    first = teacher.post(EDIT, data={**form, "body": body.replace("## ", "## 甲：", 1)})
    assert first.status_code == 303
    head = lib.resolve(DRAFT)
    mine = body.replace("## ", "## 乙：", 1)
    response = teacher.post(EDIT, data={**form, "body": mine})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "## 甲：" in textarea(html, "theirs")
    assert "## 乙：" in textarea(html, "yours")
    merged = textarea(html, "merged")
    assert "<<<<<<<" in merged and "## 甲：" in merged and "## 乙：" in merged
    assert lib.resolve(DRAFT) == head
    new_base = field_value(html, "base")
    assert new_base == head

    # Saving the merged proposal with the marks still in it is refused, and the text comes back.
    refused = teacher.post(EDIT, data={"mode": "text", "base": new_base, "text": merged})
    assert refused.status_code == 422 and "<<<<<<<" in textarea(refused.get_data(as_text=True), "merged")
    assert lib.resolve(DRAFT) == head

    keep_mine = teacher.post(EDIT, data={"mode": "text", "base": new_base, "text": textarea(html, "yours")})
    assert keep_mine.status_code == 303
    saved = lib.read_text(DRAFT, PATH)
    assert "## 乙：" in saved and "## 甲：" not in saved


def test_front_matter_form_round_trips_without_anyone_typing_yaml(teacher, lib):
    page = teacher.get(EDIT).get_data(as_text=True)
    sections = field_value(page, "sections")
    assert json.loads(sections) == {"five-step-test": ["L4.S.2.1.1", "L4.K.2.1.2"], "braking-distance": ["L3.K.2.2.1"]}
    response = teacher.post(EDIT, data={
        "base": field_value(page, "base"), "sections": sections,
        "title": "  制动机: 检查与试验 #1  ", "objectives": ["能完成五步闸试验", "", "能说明 \"空走距离\""],
        "hours": "2.5", "summary": "key: value\n- 不是 YAML", "standards": ["L4.S.2.1.1", "L3.K.2.2.1", "L4.S.2.1.1"],
        "body": "## 五步闸试验\n\n正文。\n", "message": "整理目标",
    })
    assert response.status_code == 303
    meta, body = parse_chapter(lib.read_text(DRAFT, PATH), PATH)
    assert meta.title == "制动机: 检查与试验 #1"
    assert meta.objectives == ("能完成五步闸试验", '能说明 "空走距离"')
    assert meta.hours == 2.5 and meta.summary == "key: value\n- 不是 YAML"
    assert meta.standards == ("L4.S.2.1.1", "L3.K.2.2.1")
    assert meta.sections["five-step-test"] == ("L4.S.2.1.1", "L4.K.2.1.2")
    assert body.strip() == "## 五步闸试验\n\n正文。"
    assert lib.log(DRAFT, limit=1)[0].summary == "整理目标"

    again = teacher.get(EDIT).get_data(as_text=True)  # the form shows exactly what was saved
    assert field_value(again, "title") == "制动机: 检查与试验 #1"
    assert 'value="能说明 &#34;空走距离&#34;"' in again or 'value="能说明 &quot;空走距离&quot;"' in again
    assert "key: value\n- 不是 YAML" in textarea(again, "summary")


TASK = """task:
  record:
    title: 五步闸试验记录表
    columns: [试验步骤, 规定值, 实测值, 结论]
    blank_rows: 2
  evaluation:
    criteria:
      - {criterion: 五步闸程序完整, points: 100}
"""


def test_saving_a_task_chapter_through_the_form_keeps_its_task_sheets_as_they_were(teacher, lib):
    from materials import Author, Write

    text = lib.read_text(DRAFT, PATH)
    head, rest = text.split("\n---\n", 1)
    lib.commit(DRAFT, [Write(PATH, head + "\n" + TASK + "---\n" + rest)], Author("Lead", "lead@example.org", "school"),
               "Make the chapter a work task", base=OVERWRITE)
    page = teacher.get(EDIT).get_data(as_text=True)
    response = teacher.post(EDIT, data={
        "base": field_value(page, "base"), "sections": field_value(page, "sections"),
        "title": "制动机五步闸试验", "objectives": re.findall(r'name="objectives" value="([^"]+)"', page),
        "hours": field_value(page, "hours"), "summary": textarea(page, "summary"),
        "standards": re.findall(r'name="standards" value="([^"]+)" checked', page), "body": textarea(page, "body"),
    })
    assert response.status_code == 303
    saved = lib.read_text(DRAFT, PATH)
    assert TASK in saved  # the lines of the task block, byte for byte
    assert saved.replace("title: 制动机五步闸试验\n", "title: 制动机的检查与试验\n", 1) == head + "\n" + TASK + "---\n" + rest
    meta, _ = parse_chapter(saved, PATH)
    assert meta.task.record.title == "五步闸试验记录表" and meta.task.evaluation.total == 100


def test_an_invalid_form_is_refused_in_the_authors_language_and_the_text_comes_back(teacher, lib):
    page = teacher.get(EDIT, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    head = lib.branch_head(DRAFT)
    response = teacher.post(EDIT, headers={"Accept-Language": "zh-CN"},
                            data={"base": field_value(page, "base"), "title": "", "hours": "很多", "body": "我写的正文"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "学时必须是数字" in html
    assert textarea(html, "body") == "我写的正文"
    assert lib.branch_head(DRAFT) == head  # nothing written


def test_the_editor_url_may_only_name_the_authors_own_draft(teacher, signed_in, lib):
    assert teacher.get(f"{EDIT}?branch=main").status_code == 403
    assert teacher.get(f"{EDIT}?branch=drafts/technician/{BOOK}").status_code == 403
    assert teacher.get(f"{EDIT}?branch=-x").status_code == 403
    assert teacher.get(f"{EDIT}?branch={DRAFT}").status_code == 200
    chapter = teacher.get(API).json
    refused = teacher.put(API, json={"base": chapter["base"], "text": chapter["text"] + "\nx\n", "branch": "main"})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "branch.not_allowed"


def test_maintainers_commit_to_main_only_when_the_book_allows_direct_commits(signed_in, lib):
    maintainer = signed_in("maintainer")
    maintainer.environ_base["HTTP_X_CSRFTOKEN"] = csrf_from(maintainer, "/")
    chapter = maintainer.get(API).json
    body = {"base": chapter["base"], "text": chapter["text"] + "\n直接提交。\n", "branch": "main"}
    assert maintainer.put(API, json=body).status_code == 403

    from materials import Author, Write
    yml = lib.read_text("main", f"books/{BOOK}/book.yml").replace("direct_commits: false", "direct_commits: true")
    lib.commit("main", [Write(f"books/{BOOK}/book.yml", yml)], Author("Lead", "lead@example.org", "school"), "Allow",
               base=OVERWRITE)
    chapter = maintainer.get(f"{API}?branch=main").json
    response = maintainer.put(API, json={**body, "base": chapter["base"]})
    assert response.status_code == 200 and response.json["branch"] == "main"
    assert "直接提交。" in lib.read_text("main", PATH)


def test_preview_uses_the_site_pipeline(teacher):
    response = teacher.post(f"/api/books/{BOOK}/preview", json={
        "text": "!!! warning \"警告\"\n    断电后作业。\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n$F = ma$\n\n![](../assets/brake-system.svg)\n"})
    html = response.json["html"]
    assert 'class="admonition warning"' in html and "<table>" in html and 'class="arithmatex"' in html
    assert f'src="/books/{BOOK}/assets/raw/brake-system.svg"' in html


def test_standard_items_search_by_code_or_words_says_where_each_is_covered(teacher):
    items = teacher.get(f"/api/books/{BOOK}/standard-items?q=五步闸").json["items"]
    assert items and all("五步闸" in i["text"] for i in items)
    by_code = teacher.get(f"/api/books/{BOOK}/standard-items?q=2.1.1").json["items"]
    keyed = {i["key"]: i for i in by_code}
    assert "L4.S.2.1.1" in keyed and keyed["L4.S.2.1.1"]["chapters"] == [CHAPTER]
    assert keyed["L4.S.2.1.1"]["chapter_titles"] == ["制动机的检查与试验"]  # what the picker's "already in" shows
    assert {"key", "code", "text", "level", "kind", "chapters"} <= set(keyed["L4.S.2.1.1"])
    assert teacher.get(f"/api/books/{BOOK}/standard-items?q=没有这个词").json["items"] == []


def test_the_standard_picker_browses_the_tree_from_work_areas_down_to_skills(teacher):
    top = teacher.get(f"/api/books/{BOOK}/standard-items?under=").json["items"]
    assert top and all(item["kind"] == "F" for item in top)  # the roots: occupational functions
    area = next(item for item in top if item["children"])
    tasks = teacher.get(f"/api/books/{BOOK}/standard-items?under={area['key']}").json["items"]
    assert len(tasks) == area["children"] and all(t["kind"] == "C" for t in tasks)
    task = next(t for t in tasks if t["children"])
    skills = teacher.get(f"/api/books/{BOOK}/standard-items?under={task['key']}").json["items"]
    assert {s["kind"] for s in skills} <= {"S", "K"} and len(skills) == task["children"]


def details_open(html: str) -> bool:
    """Whether the page opens with the chapter's details (title, objectives, hours...) unfolded."""
    tag = re.search(r'<details class="chapter-details"[^>]*>', html).group(0)
    return bool(re.search(r"\sopen[\s>]", tag))


def test_the_chapter_details_open_by_themselves_only_when_they_hold_the_mistake(teacher, lib):
    page = teacher.get(EDIT, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert not details_open(page)  # the text comes first
    assert "3 个学习目标" in page and "6 学时" in page  # the folded line says what the details hold
    fields = {"base": field_value(page, "base"), "title": "制动机的检查与试验", "body": "正文\n"}

    wrong_hours = teacher.post(EDIT, headers={"Accept-Language": "zh-CN"}, data={**fields, "hours": "很多"})
    assert wrong_hours.status_code == 422 and details_open(wrong_hours.get_data(as_text=True))
    no_title = teacher.post(EDIT, headers={"Accept-Language": "zh-CN"}, data={**fields, "title": " "})
    assert no_title.status_code == 422 and details_open(no_title.get_data(as_text=True))
    wrong_text = teacher.post(EDIT, headers={"Accept-Language": "zh-CN"}, data={**fields, "body": "<<<<<<< 我的\n正文\n"})
    assert wrong_text.status_code == 422 and not details_open(wrong_text.get_data(as_text=True))


def test_a_chapter_without_a_title_opens_with_its_details_unfolded(teacher, lib):
    from materials import Author, Write
    text = lib.read_text("main", PATH)
    teacher.get(EDIT)
    lib.commit(DRAFT, [Write(PATH, re.sub(r"^title: .*\n", "", text, count=1, flags=re.M))],
               Author("Lead", "lead@example.org", "school"), "Drop the title", base=OVERWRITE)
    assert details_open(teacher.get(EDIT).get_data(as_text=True))
