"""Importing a Word document into a book: upload, the report before confirming, the change request it opens."""
from __future__ import annotations

import io
import re
from pathlib import Path

from click.testing import CliRunner

from helpers import STARTER_BOOK, csrf_from
from server.cli import main
from server.jobs.queue import run_pending

LIBREOFFICE_DOCX = Path(__file__).parents[1] / "materials" / "docx_corpus" / "libreoffice.docx"
ZH = {"Accept-Language": "zh-CN"}
FORM = f"/books/{STARTER_BOOK}/import/word"


def _upload(client, data: bytes | None = None, name: str = "机车检查.docx", level: str = "1"):
    """The upload, and its conversion by the job it queued (as a worker runs it)."""
    token = csrf_from(client, FORM)
    payload = LIBREOFFICE_DOCX.read_bytes() if data is None else data
    response = client.post(FORM, data={"csrf_token": token, "split_level": level,
                                       "document": (io.BytesIO(payload), name)},
                           content_type="multipart/form-data", headers=ZH)
    run_pending(client.application)
    return response


def _pending(app) -> list[Path]:
    root = Path(app.config["JOINTBOOK_INSTANCE"]) / "imports"
    return sorted(root.iterdir()) if root.is_dir() else []


def test_an_author_sees_the_whole_report_before_anything_is_saved(app, signed_in, lib):
    teacher = signed_in("teacher")
    book_page = teacher.get(f"/books/{STARTER_BOOK}", headers=ZH).get_data(as_text=True)
    assert f'href="{FORM}"' in book_page and "导入 Word 文档" in book_page
    before = (lib.resolve("main"), dict(lib.branches()))
    uploaded = _upload(teacher)
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:800]
    report_url = uploaded.headers["Location"]
    page = teacher.get(report_url, headers=ZH).get_data(as_text=True)
    # chapters found, pictures, headings mapped and everything that changed or was lost, at once
    assert "第一章 电力机车的检查" in page and "第二章 安全规定" in page
    assert "受电弓结构示意图" in page  # the picture, with its description
    assert "大纲级别为 1 的段落成为 1 级标题" in page
    assert "表格（3 列）含合并单元格" in page
    assert "公式，已转为 LaTeX：I = \\frac{U}{R}" in page
    assert "“警告”段落成为“warning”提示框" in page
    assert "字体、颜色、字号和版式未导入" in page
    assert 'id="import-lost"' in page and 'id="import-changed"' in page and 'id="import-carried"' in page
    assert "用这些章节打开修改请求" in page
    assert (lib.resolve("main"), dict(lib.branches())) == before  # nothing saved yet
    english = teacher.get(report_url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Paragraphs with outline level 1 became headings of level 1" in english
    # only the uploader sees it
    assert signed_in("technician").get(report_url).status_code == 404


def test_confirming_opens_a_change_request_with_the_chapters_and_pictures(app, signed_in, lib):
    teacher = signed_in("teacher")
    report_url = _upload(teacher).headers["Location"]
    token = csrf_from(teacher, report_url)
    opened = teacher.post(f"{report_url}/confirm", data={"csrf_token": token}, headers=ZH)
    assert opened.status_code == 302, opened.get_data(as_text=True)[:800]
    number = int(re.search(r"/change-requests/(\d+)$", opened.headers["Location"])[1])
    cr = teacher.get(f"/api/books/{STARTER_BOOK}/change-requests/{number}").json["change_request"]
    assert cr["title"] == "导入 Word 文档 机车检查.docx" and cr["state"] == "open"
    assert "从 Word 文档 机车检查.docx 导入" in cr["description"] and "受电弓结构示意图" in cr["description"]
    files = lib.files(f"cr/{number}", f"books/{STARTER_BOOK}/")
    new = sorted(set(files) - set(lib.files("main", f"books/{STARTER_BOOK}/")))
    assert new == [f"books/{STARTER_BOOK}/assets/08-chapter-1.png", f"books/{STARTER_BOOK}/chapters/08-chapter.md",
                   f"books/{STARTER_BOOK}/chapters/09-chapter.md"]
    book = lib.book(STARTER_BOOK, f"cr/{number}")
    assert book.problems == []
    assert [c.title for c in book.chapters][-2:] == ["第一章 电力机车的检查", "第二章 安全规定"]
    assert book.config.navigation[-1].chapters == ("08-chapter.md", "09-chapter.md")
    assert lib.log(f"cr/{number}", limit=1)[0].author_name == "Teacher"
    page = teacher.get(opened.headers["Location"], headers=ZH).get_data(as_text=True)
    assert "受电弓结构示意图" in page  # the report, on the change request
    # the pending import is gone: confirming again opens nothing
    assert teacher.get(report_url).status_code == 404 and _pending(app) == []
    again = teacher.post(f"{report_url}/confirm", data={"csrf_token": token})
    assert again.status_code == 404 and [b for b in lib.branches() if b.startswith("cr/")] == [f"cr/{number}"]


def test_a_chapter_of_the_same_name_arriving_meanwhile_stops_the_confirmation_and_keeps_the_upload(app, signed_in,
                                                                                                   lib):
    from materials import Author, Write

    teacher = signed_in("teacher")
    report_url = _upload(teacher).headers["Location"]
    lib.commit("main", [Write(f"books/{STARTER_BOOK}/chapters/08-chapter.md", "---\ntitle: 别人的一章\n---\n")],
               Author("王老师", "wang@example.edu.cn", "school"), "Another chapter", base=lib.resolve("main"))
    refused = teacher.post(f"{report_url}/confirm", data={"csrf_token": csrf_from(teacher, report_url)}, headers=ZH)
    assert refused.status_code == 409 and "上传之后教材有了变化" in refused.get_data(as_text=True)
    assert not any(b.startswith("cr/") for b in lib.branches())
    assert teacher.get(report_url).status_code == 200 and len(_pending(app)) == 1  # still waiting


def test_cancelling_forgets_the_upload(app, signed_in, lib):
    teacher = signed_in("teacher")
    report_url = _upload(teacher).headers["Location"]
    assert len(_pending(app)) == 1
    waiting = teacher.get(FORM, headers=ZH).get_data(as_text=True)
    assert "等待你确认的导入" in waiting and f'href="{report_url}"' in waiting  # to come back to it later
    assert report_url not in signed_in("technician").get(FORM).get_data(as_text=True)
    cancelled = teacher.post(f"{report_url}/cancel", data={"csrf_token": csrf_from(teacher, report_url)})
    assert cancelled.status_code == 302 and _pending(app) == []
    assert not any(b.startswith("cr/") for b in lib.branches())


def test_what_is_no_docx_or_too_big_is_refused_clearly(app, signed_in, lib):
    teacher = signed_in("teacher")
    docx = LIBREOFFICE_DOCX.read_bytes()
    old_doc = _upload(teacher, docx, name="教案.doc")
    assert old_doc.status_code == 415 and "只能导入保存为 .docx 的 Word 文档" in old_doc.get_data(as_text=True)
    fake = _upload(teacher, b"%PDF-1.7 not a word file", name="假的.docx")
    assert fake.status_code == 415 and "“假的.docx”不是" in fake.get_data(as_text=True)
    damaged = _upload(teacher, docx[:2000], name="损坏.docx")
    assert damaged.status_code == 302  # refused by its conversion, which the report page then says
    refused = teacher.get(damaged.headers["Location"], headers=ZH)
    assert refused.status_code == 422 and "无法导入这个 Word 文件" in refused.get_data(as_text=True)
    assert "上传其他文件" in refused.get_data(as_text=True)
    teacher.post(f"{damaged.headers['Location']}/cancel", data={"csrf_token": csrf_from(teacher, FORM)})
    big = _upload(teacher, b"PK\x03\x04" + b"\0" * (15 * 1024 * 1024), name="大.docx")
    assert big.status_code == 413 and "Word 文件太大" in big.get_data(as_text=True)
    assert _pending(app) == [] and not any(b.startswith("cr/") for b in lib.branches())
    reader = signed_in("reader")
    assert reader.get(FORM).status_code == 403
    token = csrf_from(reader, f"/books/{STARTER_BOOK}")
    refused = reader.post(FORM, data={"csrf_token": token, "document": (io.BytesIO(docx), "a.docx")},
                                       content_type="multipart/form-data")
    assert refused.status_code == 403 and _pending(app) == []


def test_import_docx_on_the_command_line_opens_the_same_change_request(app, database_url, lib):
    runner = CliRunner()
    env = {"DATABASE_URL": database_url, "LIBRARY_PATH": app.config["LIBRARY_PATH"]}
    done = runner.invoke(main, ["--instance", app.config["JOINTBOOK_INSTANCE"], "import", "docx",
                                str(LIBREOFFICE_DOCX), "--book", STARTER_BOOK], env=env, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "第一章 电力机车的检查" in done.output and "[lost]" in done.output
    number = int(re.search(r"change request #(\d+) in \S+ as admin", done.output)[1])  # the first administrator
    assert f"books/{STARTER_BOOK}/chapters/08-chapter.md" in lib.files(f"cr/{number}", f"books/{STARTER_BOOK}/")
    assert lib.objects.commit(lib.resolve(f"cr/{number}")).author.name == "Admin"
    refused = runner.invoke(main, ["--instance", app.config["JOINTBOOK_INSTANCE"], "import", "docx",
                                   str(LIBREOFFICE_DOCX), "--book", STARTER_BOOK, "--as", "reader"], env=env)
    assert refused.exit_code != 0 and "http.403" in refused.output


def test_programs_import_through_the_api(app, signed_in, lib):
    teacher = signed_in("teacher")
    headers = {"X-CSRFToken": csrf_from(teacher, f"/books/{STARTER_BOOK}"), "Accept-Language": "zh-CN"}
    api = f"/api/books/{STARTER_BOOK}/imports"
    created = teacher.post(f"{api}/word", data={"file": (io.BytesIO(LIBREOFFICE_DOCX.read_bytes()), "机车检查.docx")},
                           content_type="multipart/form-data", headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)[:500]
    pending = created.json
    assert [c["title"] for c in pending["chapters"]] == ["第一章 电力机车的检查", "第二章 安全规定"]
    assert any(e["message"].startswith("大纲级别为 1 的段落") for e in pending["report"]["entries"])
    assert teacher.get(f"{api}/word/{pending['token']}").json["source"] == "机车检查.docx"
    assert teacher.get(f"{api}/mkdocs/{pending['token']}").status_code == 404
    assert teacher.post(f"{api}/word", data={}, headers=headers).status_code == 422
    refused = teacher.post(f"{api}/word", data={"file": (io.BytesIO(b"x"), "a.doc")}, content_type="multipart/form-data",
                           headers=headers)
    assert refused.status_code == 415 and refused.json["error"]["code"] == "import.not_docx"
    opened = teacher.post(f"{api}/word/{pending['token']}/confirm", headers=headers)
    assert opened.status_code == 201 and opened.json["url"].endswith(f"/change-requests/{opened.json['number']}")
    assert f"books/{STARTER_BOOK}/chapters/08-chapter.md" in lib.files(f"cr/{opened.json['number']}",
                                                                      f"books/{STARTER_BOOK}/")
    second = teacher.post(f"{api}/word", data={"file": (io.BytesIO(LIBREOFFICE_DOCX.read_bytes()), "b.docx")},
                          content_type="multipart/form-data", headers=headers).json
    assert teacher.delete(f"{api}/word/{second['token']}", headers=headers).status_code == 204
    assert _pending(app) == []
