"""Importing an existing MkDocs project into a book: the zip upload, its report, the change request, the command."""
from __future__ import annotations

import io
import re
import zipfile

from click.testing import CliRunner

from helpers import STARTER_BOOK, csrf_from
from server.cli import main
from server.jobs.queue import run_pending

ZH = {"Accept-Language": "zh-CN"}
FORM = f"/books/{STARTER_BOOK}/import/mkdocs"
PROJECT = {
    "mkdocs.yml": "site_name: 机车检修\nnav:\n  - 第 1 章 &nbsp; 制动:\n      - chapter_brake/index.md\n"
                  "      - 1.1 试验: chapter_brake/test.md\n",
    "docs/chapter_brake/index.md": "---\nhide:\n  - toc\n---\n# 制动机\n\n见 [试验](test.md#步骤)。\n",
    "docs/chapter_brake/test.md": "# 1.1 &nbsp; 试验\n\n## 步骤 {#步骤}\n\n![压力曲线](test.assets/curve.png)\n",
    "docs/chapter_brake/test.assets/curve.png": b"\x89PNG\r\n\x1a\ncurve",
}


def project_zip(files=PROJECT) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"brakes-site/{name}", data)
    return buffer.getvalue()


def _upload(client, data: bytes, name: str = "brakes-site.zip"):
    """The upload, and its conversion by the job it queued (as a worker runs it)."""
    response = client.post(FORM, data={"csrf_token": csrf_from(client, FORM), "project": (io.BytesIO(data), name)},
                           content_type="multipart/form-data", headers=ZH)
    run_pending(client.application)
    return response


def test_an_author_imports_a_mkdocs_project_through_its_report_into_a_change_request(signed_in, lib):
    teacher = signed_in("teacher")
    assert f'href="{FORM}"' in teacher.get(f"/books/{STARTER_BOOK}", headers=ZH).get_data(as_text=True)
    uploaded = _upload(teacher, project_zip())
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:800]
    report_url = uploaded.headers["Location"]
    assert "/import/mkdocs/" in report_url
    page = teacher.get(report_url, headers=ZH).get_data(as_text=True)
    assert "第 1 章 制动" in page and "1.1 试验" in page  # the nav's part and titles, entities decoded
    assert "页面信息中的“hide”不属于章节信息，已略去" in page
    assert "chapter_brake/index.md 成为“第 1 章 制动”篇的首页" in page  # the section's index.md
    assert "链接已改为指向对应的章节" not in page  # pages keep their folders and names: links stay as written
    assert not any(b.startswith("cr/") for b in lib.branches())
    assert teacher.get(report_url.replace("/mkdocs/", "/word/")).status_code == 404
    opened = teacher.post(f"{report_url}/confirm", data={"csrf_token": csrf_from(teacher, report_url)})
    assert opened.status_code == 302, opened.get_data(as_text=True)[:800]
    number = int(re.search(r"/change-requests/(\d+)$", opened.headers["Location"])[1])
    cr = teacher.get(f"/api/books/{STARTER_BOOK}/change-requests/{number}").json["change_request"]
    assert cr["title"] == "导入 MkDocs 项目 brakes-site.zip" and "原页面的新位置" in cr["description"]
    book = lib.book(STARTER_BOOK, f"cr/{number}")
    assert book.problems == [] and book.config.navigation[-1].title == "第 1 章 制动"
    assert book.config.navigation[-1].page == "chapter_brake/index.md"
    assert book.config.navigation[-1].chapters == ("chapter_brake/test.md",)
    test = book.chapter("chapter_brake/test.md")
    assert test.title == "1.1 试验" and "![压力曲线](../../assets/curve.png)" in test.body
    assert "[试验](test.md#步骤)" in book.chapter("chapter_brake/index.md").body
    assert book.config.redirects["chapter_brake/test.md"] == "chapter_brake/test.md"  # its old address
    edit = teacher.get(f"/books/{STARTER_BOOK}/chapters/chapter_brake/test.md/edit?branch=cr/{number}", headers=ZH)
    assert edit.status_code == 200 and "1.1 试验" in edit.get_data(as_text=True)
    assert lib.read(f"cr/{number}", f"books/{STARTER_BOOK}/assets/curve.png") == PROJECT[
        "docs/chapter_brake/test.assets/curve.png"]


def test_what_is_no_mkdocs_project_is_refused_and_nothing_is_kept(app, signed_in, lib):
    teacher = signed_in("teacher")
    not_zip = _upload(teacher, b"# just markdown", name="notes.md")
    assert not_zip.status_code == 415 and "需以项目文件夹的 .zip 上传，或以仓库的 git bundle 上传" in not_zip.get_data(as_text=True)
    no_config = _upload(teacher, project_zip({"docs/a.txt": "# a"}))
    refused = teacher.get(no_config.headers["Location"], headers=ZH)
    assert refused.status_code == 422 and "无法导入这个 MkDocs 项目" in refused.get_data(as_text=True)
    assert teacher.post(f"{no_config.headers['Location']}/cancel",
                        data={"csrf_token": csrf_from(teacher, FORM)}).status_code == 302
    assert teacher.get(no_config.headers["Location"]).status_code == 404
    big = _upload(teacher, b"PK\x03\x04" + b"\0" * (16 * 1024 * 1024 - 400 * 1024))
    assert big.status_code == 413 and "项目太大，无法上传" in big.get_data(as_text=True)
    assert signed_in("reader").get(FORM).status_code == 403
    assert not any(b.startswith("cr/") for b in lib.branches())


def test_import_mkdocs_on_the_command_line_from_a_folder(app, database_url, lib, tmp_path):
    for name, data in PROJECT.items():
        path = tmp_path / "site" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
    done = CliRunner().invoke(main, ["--instance", app.config["JOINTBOOK_INSTANCE"], "import", "mkdocs",
                                     str(tmp_path / "site"), "--book", STARTER_BOOK],
                              env={"DATABASE_URL": database_url, "LIBRARY_PATH": app.config["LIBRARY_PATH"]},
                              catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "[lost] the front matter key 'hide'" in done.output
    number = int(re.search(r"change request #(\d+)", done.output)[1])
    assert lib.book(STARTER_BOOK, f"cr/{number}").chapter("chapter_brake/test.md").title == "1.1 试验"
