"""A change request shows its change as students will read it: the rendered text of each changed
passage, the added and removed words marked where they stand (each Chinese character a word),
under the chapter's title; the Markdown line diff stays on the files page."""
from __future__ import annotations

import re

from helpers import csrf_from
from materials import Library
from server.jobs.queue import run_pending

BOOK = "locomotive-maintenance"
CHAPTER = f"books/{BOOK}/chapters/03-brake-test.md"
OLD = "货物列车一般为 500 kPa 或 600 kPa。"
NEW = "货物列车一般为 **600 kPa**，个别为 500 kPa。"


def test_the_change_request_page_marks_the_words_added_and_removed_in_the_rendered_text(app, teacher_in_change_request):
    teacher = teacher_in_change_request
    lib = Library(app.config["LIBRARY_PATH"])
    head = lib.branch_head("cr/1")
    text = lib.read_text(head, CHAPTER)
    assert OLD in text
    token = csrf_from(teacher, "/")
    saved = teacher.post(f"/api/books/{BOOK}/change-requests/1/commits", headers={"X-CSRFToken": token},
                         json={"files": {CHAPTER: text.replace(OLD, NEW)}, "message": "定压", "base": head})
    assert saved.status_code == 201, saved.json
    run_pending(app)

    for page, language in (("", "zh-CN"), ("/files", "en")):
        html = teacher.get(f"/books/{BOOK}/change-requests/1{page}",
                           headers={"Accept-Language": language}).get_data(as_text=True)
        blocks = re.findall(r'<p class="as-read-block as-read-(\w+)">(.*?)</p>', html, re.S)
        assert blocks, page
        kind, block = next(b for b in blocks if "kPa" in b[1])
        assert kind == "change"
        assert "**" not in block  # rendered, not Markdown
        assert "<del>" in block and "<ins>" in block
        removed = "".join(re.findall(r"<del>(.*?)</del>", block))
        added = "".join(re.findall(r"<ins>(.*?)</ins>", block))
        assert "600" in added and "，个别为" in added and "或" in removed
        assert "运转位时列车管稳定保持的压力" in re.sub(r"</?(ins|del)>", "", block)  # unchanged words stay plain

    html = teacher.get(f"/books/{BOOK}/change-requests/1", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    card = html[html.index('id="as-read"'):html.index("</section>", html.index('id="as-read"'))]
    assert "学生将读到的改动" in card and "制动机的检查与试验" in card and "03-brake-test.md" not in card
