"""What the enterprise side wrote, by kind: the workbook template's work tasks and the starter course's cases and
procedures, read from headings and front matter that exist."""
from __future__ import annotations

from materials import OVERWRITE, Author, Library, Write
from materials.enterprise_content import contributed_sections, section_kind, tagged_items
from materials.new_book import NewBook, new_book_files

TEACHER = Author("王老师", "wang@college.example", "school")
MASTER = Author("李师傅", "li@works.example", "enterprise")


def test_headings_name_the_kind():
    assert section_kind("企业案例：轴箱漏油") == "case" and section_kind("A real case") == "case"
    assert section_kind("实施步骤") == "procedure" and section_kind("五步闸试验") == "procedure"
    assert section_kind("Safety procedure") == "procedure" and section_kind("学习目标") == "other"
    assert section_kind("保压试验中的案例") == "case"  # a case of a test is a case


def test_a_work_task_an_enterprise_author_filled_in_is_one_task(library_path):
    lib = Library.init(library_path)
    lib.commit("main", new_book_files(NewBook("tasks", "活页教材", template="workbook")), TEACHER, "New book",
               base=OVERWRITE)
    path = "books/tasks/chapters/01-task-1.md"
    front, body = lib.read_text("main", path).split("\n---\n", 1)
    # the technician writes every line under the template's headings (8 lines against its 6 headings)
    body = "\n".join(line if line.startswith("#") or not line.strip() else "现场：" + line for line in body.split("\n"))
    lib.commit("main", [Write(path, front + "\n---\n" + body)], MASTER, "Fill in task one", base=OVERWRITE)
    found = contributed_sections(lib, "tasks")
    assert [(c.kind, c.chapter_title, c.authors) for c in found] == [("task", "任务一", ("李师傅",))]
    assert contributed_sections(lib, "tasks", side="school")[0].chapter_title == "任务二"
    assert tagged_items(lib, "tasks") == []  # the template tags no standard
