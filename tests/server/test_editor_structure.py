"""Parts and chapters change one commit at a time, the navigation in book.yml with them."""
from __future__ import annotations

import pytest

from helpers import deletions_in_the_audit_log, post_form

BOOK = "locomotive-maintenance"
DRAFT = "cr/1"  # the change request the teacher starts before editing
CHAPTERS = f"books/{BOOK}/chapters"


@pytest.fixture
def teacher(teacher_in_change_request):
    return teacher_in_change_request


def navigation(lib, rev=DRAFT):
    return [(p.title, list(p.chapters)) for p in lib.book(BOOK, rev, chapters=False).config.navigation]


def files_changed_by_last_commit(lib, rev=DRAFT):
    head = lib.log(rev, limit=1)[0]
    return {f.new_path or f.old_path for f in lib.diff(head.parents[0], head.sha).files}


def test_create_a_chapter_from_the_structure_page(teacher, lib):
    page = teacher.get(f"/books/{BOOK}/structure").get_data(as_text=True)
    assert "第二篇 机车检查与检修" in page and "制动机的检查与试验" in page
    response = teacher.post(f"/books/{BOOK}/chapters/new", data={"title": "Air compressor 空气压缩机", "part": "1"})
    assert response.status_code == 303
    new = "08-air-compressor.md"
    assert response.headers["Location"].endswith(f"/books/{BOOK}/chapters/{new}/edit")
    assert navigation(lib)[1][1][-1] == new
    assert files_changed_by_last_commit(lib) == {f"{CHAPTERS}/{new}", f"books/{BOOK}/book.yml"}
    assert lib.book(BOOK, DRAFT).chapter(new).title == "Air compressor 空气压缩机"
    assert teacher.get(response.headers["Location"]).status_code == 200
    assert navigation(lib, "main")[1][1][-1] == "05-traction-motor-running-gear.md"  # main untouched


def test_rename_a_chapter_moves_the_file_and_its_navigation_entry_in_one_commit(teacher, lib):
    response = teacher.post(f"/books/{BOOK}/chapters/04-pantograph.md/rename", data={"filename": "04-pantograph-check"})
    assert response.status_code == 303
    assert navigation(lib)[1][1] == ["03-brake-test.md", "04-pantograph-check.md", "05-traction-motor-running-gear.md"]
    assert not lib.exists(DRAFT, f"{CHAPTERS}/04-pantograph.md")
    assert lib.read(DRAFT, f"{CHAPTERS}/04-pantograph-check.md") == lib.read("main", f"{CHAPTERS}/04-pantograph.md")
    assert len(lib.log(DRAFT)) == len(lib.log("main")) + 1


def test_reorder_chapters_up_down_and_across_parts(teacher, lib):
    move = f"/books/{BOOK}/chapters/04-pantograph.md/move"
    assert teacher.post(move, data={"direction": "up"}).status_code == 303
    assert navigation(lib)[1][1][:2] == ["04-pantograph.md", "03-brake-test.md"]
    teacher.post(move, data={"direction": "up"})  # first of its part: goes to the end of the part before
    assert navigation(lib)[0][1] == ["01-locomotive-overview.md", "02-work-safety.md", "04-pantograph.md"]
    teacher.post(move, data={"direction": "down"})
    assert navigation(lib)[1][1][0] == "04-pantograph.md"
    teacher.post(move, data={"part": "2"})
    assert navigation(lib)[2][1][-1] == "04-pantograph.md"
    assert files_changed_by_last_commit(lib) == {f"books/{BOOK}/book.yml"}


def test_delete_a_chapter_asks_first_then_removes_file_and_navigation(teacher, lib, app):
    url = f"/books/{BOOK}/chapters/07-emergency-handling.md/delete"
    head = lib.branch_head(DRAFT)
    confirm = teacher.get(url, headers={"Accept-Language": "zh-CN"})
    assert confirm.status_code == 200 and "机车故障应急处置" in confirm.get_data(as_text=True)
    assert lib.branch_head(DRAFT) == head  # asking changed nothing
    assert post_form(teacher, url).status_code == 303
    assert "07-emergency-handling.md" not in navigation(lib)[2][1]
    assert not lib.exists(DRAFT, f"{CHAPTERS}/07-emergency-handling.md")
    assert files_changed_by_last_commit(lib) == {f"{CHAPTERS}/07-emergency-handling.md", f"books/{BOOK}/book.yml"}
    assert deletions_in_the_audit_log(app) == [("chapter.delete", f"{BOOK}/07-emergency-handling.md",
                                                 {"branch": DRAFT})]


def test_parts_are_added_renamed_and_deleted_only_when_empty(teacher, lib, app):
    assert teacher.post(f"/books/{BOOK}/parts/new", data={"title": "第四篇 拓展"}).status_code == 303
    assert navigation(lib)[3] == ("第四篇 拓展", [])
    assert teacher.post(f"/books/{BOOK}/parts/3/rename", data={"title": "第四篇 拓展阅读"}).status_code == 303
    assert navigation(lib)[3][0] == "第四篇 拓展阅读"
    head = lib.resolve(DRAFT)
    refused = post_form(teacher, f"/books/{BOOK}/parts/0/delete")
    assert refused.status_code == 409 and lib.resolve(DRAFT) == head
    assert post_form(teacher, f"/books/{BOOK}/parts/3/delete").status_code == 303
    assert len(navigation(lib)) == 3
    assert deletions_in_the_audit_log(app) == [("part.delete", BOOK, {"branch": DRAFT, "part": "第四篇 拓展阅读",
                                                                       "index": 3})]  # the refused one left none


def test_structure_through_the_api(teacher, lib, app):
    created = teacher.post(f"/api/books/{BOOK}/chapters", json={"title": "新章", "filename": "09-new.md", "part": 0})
    assert created.status_code == 201 and created.json["parts"][0]["chapters"][-1] == "09-new.md"
    moved = teacher.post(f"/api/books/{BOOK}/chapters/09-new.md/move", json={"part": 2, "position": 0})
    assert moved.json["parts"][2]["chapters"][0] == "09-new.md"
    renamed = teacher.post(f"/api/books/{BOOK}/chapters/09-new.md/rename", json={"filename": "09-newer.md"})
    assert renamed.json["parts"][2]["chapters"][0] == "09-newer.md"
    assert teacher.post(f"/api/books/{BOOK}/parts", json={"title": "附录"}).status_code == 201
    assert teacher.put(f"/api/books/{BOOK}/parts/3", json={"title": "附录 A"}).json["parts"][3]["title"] == "附录 A"
    assert teacher.delete(f"/api/books/{BOOK}/parts/3").json["parts"][-1]["title"] == "第三篇 作业程序与应急处置"
    deleted = teacher.delete(f"/api/books/{BOOK}/chapters/09-newer.md")
    assert deleted.status_code == 200 and "09-newer.md" not in deleted.json["parts"][2]["chapters"]
    assert [action for action, _, _ in deletions_in_the_audit_log(app)] == ["part.delete", "chapter.delete"]
    assert teacher.get(f"/api/books/{BOOK}/structure").json["sha"] == lib.resolve(DRAFT)
    duplicate = teacher.post(f"/api/books/{BOOK}/chapters", json={"title": "x", "filename": "03-brake-test.md"})
    assert duplicate.status_code == 409 and duplicate.json["error"]["code"] == "chapter.exists"


def test_the_commits_the_platform_writes_name_titles_in_the_authors_language(teacher, lib):
    def last_message():
        return lib.log(DRAFT, limit=1)[0].summary

    def title_of(filename):
        return lib.read_text("main", f"{CHAPTERS}/{filename}").split("title:", 1)[1].split("\n", 1)[0].strip()

    teacher.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert post_form(teacher, f"/books/{BOOK}/chapters/07-emergency-handling.md/delete").status_code == 303
    assert last_message() == f"删除章节《{title_of('07-emergency-handling.md')}》"
    text = lib.read_text("main", f"{CHAPTERS}/03-brake-test.md")
    saved = teacher.put(f"/api/books/{BOOK}/chapters/03-brake-test.md",
                        json={"text": text + "\n补充一句。\n", "base": lib.resolve(DRAFT), "branch": DRAFT})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert last_message() == f"修改《{title_of('03-brake-test.md')}》"  # no message given: the platform's

    teacher.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert teacher.post(f"/books/{BOOK}/parts/new", data={"title": "第四篇 拓展"}).status_code == 303
    assert last_message() == "Add the part “第四篇 拓展”"
    assert teacher.post(f"/books/{BOOK}/parts/3/rename", data={"title": "Appendix"}).status_code == 303
    assert last_message() == "Rename the part “第四篇 拓展” to “Appendix”"
