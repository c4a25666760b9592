"""An MkDocs project imported with its history: a git bundle upload whose report asks each author's side,
the command line with --history and --sides, and what is refused."""
from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import STARTER_BOOK, csrf_from
from materials import Author, GitCommand
from materials.contributions import commits_by_side
from server.cli import main
from server.jobs.queue import run_pending

ZH = {"Accept-Language": "zh-CN"}
FORM = f"/books/{STARTER_BOOK}/import/mkdocs"
WANG = ("王老师", "wang@example.edu.cn")
LI = ("李师傅", "li@example.com")
GUEST = ("路人", "guest@example.org")


def git(work: Path, *args: str, who=("Someone", "someone@example.com"), when="1600000000 +0800") -> str:
    env = {"PATH": os.environ["PATH"], "HOME": str(work.parent), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": "/dev/null", "LC_ALL": "C", "GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1],
           "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_NAME": who[0], "GIT_COMMITTER_EMAIL": who[1],
           "GIT_COMMITTER_DATE": when}
    return subprocess.run(["git", *args], cwd=work, env=env, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repository(tmp_path) -> Path:
    work = tmp_path / "brakes-site"
    (work / "docs" / "chapter_brake").mkdir(parents=True)
    git(work, "init", "-q", "-b", "main")
    (work / "mkdocs.yml").write_text("site_name: 机车检修\nnav:\n  - 第 1 章 制动:\n      - chapter_brake/index.md\n"
                                     "      - 1.1 试验: chapter_brake/test.md\n", encoding="utf-8")
    (work / "docs/chapter_brake/index.md").write_text("# 制动机\n\n初稿。\n", encoding="utf-8")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "Start the brake chapter", who=WANG, when="1600000000 +0800")
    (work / "docs/chapter_brake/test.md").write_text("# 1.1 试验\n\n步骤。\n", encoding="utf-8")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "Add the test procedure", who=LI, when="1600000100 +0800")
    (work / "docs/chapter_brake/index.md").write_text("# 制动机\n\n定稿，见[试验](test.md)。\n", encoding="utf-8")
    git(work, "commit", "-q", "-am", "Typo", who=GUEST, when="1600000200 +0800")
    return work


def bundle_of(repository: Path) -> bytes:
    path = repository.parent / "brakes.bundle"
    git(repository, "bundle", "create", "-q", str(path), "--all")
    return path.read_bytes()


def replayed(lib, number: int) -> list[tuple[str, str, str]]:
    out = lib.git(GitCommand("log", "--reverse", "--format=%an%x1f%s%x1f%(trailers:key=Jointbook-Side,valueonly)%x1e")
                  .value(f"main..cr/{number}"))
    return [tuple(e.strip("\n").split("\x1f")) for e in out.split("\x1e") if e.strip()]


def test_a_bundle_with_history_asks_each_authors_side_and_replays_every_commit(signed_in, lib, repository):
    teacher = signed_in("teacher")
    uploaded = teacher.post(FORM, data={"csrf_token": csrf_from(teacher, FORM), "with_history": "y",
                                        "project": (io.BytesIO(bundle_of(repository)), "brakes.bundle")},
                            content_type="multipart/form-data", headers=ZH)
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:800]
    report_url = uploaded.headers["Location"]
    converting = teacher.get(report_url, headers=ZH).get_data(as_text=True)
    assert "正在排队等待转换" in converting and 'data-reload-seconds="2"' in converting  # converted off the request
    run_pending(teacher.application)
    page = teacher.get(report_url, headers=ZH).get_data(as_text=True)
    assert "历史中的作者" in page and "项目历史中有 3 次提交改动了文档" in page
    table = page[page.index('id="import-authors"'):]
    assert table.index("王老师") < table.index("李师傅") < table.index("路人")
    assert 'name="side-1"' in table and '<option value="unknown" selected>未知</option>' in table
    assert not any(b.startswith("cr/") for b in lib.branches())
    token = csrf_from(teacher, report_url)
    refused = teacher.post(f"{report_url}/confirm", data={"csrf_token": token, "side-0": "teacher"}, headers=ZH)
    assert refused.status_code == 422 and "不是平台认识的所属方" in refused.get_data(as_text=True)
    assert not any(b.startswith("cr/") for b in lib.branches())
    queued = teacher.post(f"{report_url}/confirm", data={"csrf_token": token, "side-0": "school",
                                                          "side-1": "enterprise", "side-2": "unknown"})
    assert queued.status_code == 302 and queued.headers["Location"] == report_url  # the replay is a job
    replaying = teacher.get(report_url, headers=ZH).get_data(as_text=True)
    assert "项目的历史正在后台逐次重放" in replaying and 'data-reload-seconds="2"' in replaying
    run_pending(teacher.application)
    opened = teacher.get(report_url)
    assert opened.status_code == 302, opened.get_data(as_text=True)[:800]
    number = int(re.search(r"/change-requests/(\d+)$", opened.headers["Location"])[1])
    assert replayed(lib, number) == [("王老师", "Start the brake chapter", "school"),
                                     ("李师傅", "Add the test procedure", "enterprise"),
                                     ("路人", "Typo", ""),
                                     ("Teacher", "Import the MkDocs project brakes.bundle", "school")]
    book = lib.book(STARTER_BOOK, f"cr/{number}")
    assert book.problems == [] and "[试验](test.md)" in book.chapter("chapter_brake/index.md").body
    by_side = commits_by_side(lib, STARTER_BOOK, f"cr/{number}")
    assert by_side["enterprise"] >= 1 and by_side["unknown"] == 1
    lib.merge(f"cr/{number}", "main", Author("Maintainer", "maintainer@example.edu.cn", "school"), "Merge the import")
    dashboard = signed_in("maintainer").get(f"/books/{STARTER_BOOK}/dashboard", headers=ZH)
    assert dashboard.status_code == 200
    text = dashboard.get_data(as_text=True)
    assert "路人" in text and "李师傅" in text and "未知" in text  # an unknown side is a row, not an error


def test_a_zip_has_no_history_and_a_history_without_checkbox_is_not_replayed(signed_in, lib, repository):
    teacher = signed_in("teacher")
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in repository.rglob("*"):
            if path.is_file() and ".git" not in path.parts:
                archive.writestr(path.relative_to(repository).as_posix(), path.read_bytes())
    refused = teacher.post(FORM, data={"csrf_token": csrf_from(teacher, FORM), "with_history": "y",
                                       "project": (io.BytesIO(buffer.getvalue()), "brakes.zip")},
                           content_type="multipart/form-data", headers=ZH)
    assert refused.status_code == 422 and ".zip 不含 Git 历史" in refused.get_data(as_text=True)
    plain = teacher.post(FORM, data={"csrf_token": csrf_from(teacher, FORM),
                                     "project": (io.BytesIO(bundle_of(repository)), "brakes.bundle")},
                         content_type="multipart/form-data", headers=ZH)
    assert plain.status_code == 302
    run_pending(teacher.application)
    report_url = plain.headers["Location"]
    assert "历史中的作者" not in teacher.get(report_url, headers=ZH).get_data(as_text=True)
    opened = teacher.post(f"{report_url}/confirm", data={"csrf_token": csrf_from(teacher, report_url)})
    number = int(re.search(r"/change-requests/(\d+)$", opened.headers["Location"])[1])
    assert [c[1] for c in replayed(lib, number)] == ["Import the MkDocs project brakes.bundle"]


@pytest.mark.parametrize("sides_name, sides_text", [
    ("sides.yml", "wang@example.edu.cn: school\nLI@example.com: enterprise\n"),
    ("sides.csv", "email,side\nwang@example.edu.cn,school\nli@example.com,enterprise\n"),
])
def test_the_command_line_replays_the_repository_with_the_sides_file(app, database_url, lib, repository, tmp_path,
                                                                     sides_name, sides_text):
    sides = tmp_path / sides_name
    sides.write_text(sides_text, encoding="utf-8")
    env = {"DATABASE_URL": database_url, "LIBRARY_PATH": app.config["LIBRARY_PATH"]}
    done = CliRunner().invoke(main, ["--instance", app.config["JOINTBOOK_INSTANCE"], "import", "mkdocs",
                                     str(repository), "--book", STARTER_BOOK, "--history", "--sides", str(sides),
                                     "--as", "technician"], env=env, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "author 路人 <guest@example.org>: 1 commit(s), side unknown" in done.output
    number = int(re.search(r"Opened change request #(\d+) in \S+ as technician", done.output)[1])
    assert replayed(lib, number) == [("王老师", "Start the brake chapter", "school"),
                                     ("李师傅", "Add the test procedure", "enterprise"),
                                     ("路人", "Typo", ""),
                                     ("Technician", "Import the MkDocs project brakes-site", "enterprise")]


def test_the_command_line_refuses_a_bad_sides_file_and_history_of_a_plain_folder(app, database_url, lib, repository,
                                                                               tmp_path):
    env = {"DATABASE_URL": database_url, "LIBRARY_PATH": app.config["LIBRARY_PATH"]}
    instance = app.config["JOINTBOOK_INSTANCE"]
    bad = tmp_path / "sides.yml"
    bad.write_text("wang@example.edu.cn: teacher\n", encoding="utf-8")
    refused = CliRunner().invoke(main, ["--instance", instance, "import", "mkdocs", str(repository), "--book",
                                        STARTER_BOOK, "--history", "--sides", str(bad)], env=env)
    assert refused.exit_code != 0 and "import.side_invalid" in refused.output
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "index.md").write_text("# a\n", encoding="utf-8")
    no_history = CliRunner().invoke(main, ["--instance", instance, "import", "mkdocs", str(plain), "--book",
                                           STARTER_BOOK, "--history"], env=env)
    assert no_history.exit_code != 0 and "import.history_invalid" in no_history.output
    assert not any(b.startswith("cr/") for b in lib.branches())


def test_programs_import_a_bundle_with_history_and_give_sides_when_confirming(signed_in, lib, repository):
    teacher = signed_in("teacher")
    headers = {"X-CSRFToken": csrf_from(teacher, f"/books/{STARTER_BOOK}"), "Accept-Language": "zh-CN"}
    api = f"/api/books/{STARTER_BOOK}/imports/mkdocs"
    created = teacher.post(api, data={"file": (io.BytesIO(bundle_of(repository)), "brakes.bundle"), "history": "1"},
                           content_type="multipart/form-data", headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)[:500]
    assert [(a["email"], a["commits"], a["side"]) for a in created.json["history"]] == [
        ("wang@example.edu.cn", 1, "unknown"), ("li@example.com", 1, "unknown"), ("guest@example.org", 1, "unknown")]
    token = created.json["token"]
    refused = teacher.post(f"{api}/{token}/confirm", json={"sides": {"li@example.com": "vendor"}}, headers=headers)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "import.side_invalid"
    opened = teacher.post(f"{api}/{token}/confirm", json={"sides": {"li@example.com": "enterprise"}}, headers=headers)
    assert opened.status_code == 201, opened.get_data(as_text=True)[:500]
    assert [c[2] for c in replayed(lib, opened.json["number"])] == ["", "enterprise", "", "school"]


def test_markdown_zip_and_word_imports_on_the_command_line_open_in_the_name_of_as_or_the_first_admin(
        app, database_url, lib, tmp_path):
    import zipfile
    notes = tmp_path / "notes.zip"
    with zipfile.ZipFile(notes, "w") as archive:
        archive.writestr("01-intro.md", "# 引言\n\n见[下一章](02-next.md)。\n")
        archive.writestr("02-next.md", "# 下一章\n")
    env = {"DATABASE_URL": database_url, "LIBRARY_PATH": app.config["LIBRARY_PATH"]}
    instance = app.config["JOINTBOOK_INSTANCE"]
    for extra, who in (([], "Admin"), (["--as", "technician"], "Technician")):
        done = CliRunner().invoke(main, ["--instance", instance, "import", "mkdocs", str(notes), "--book",
                                         STARTER_BOOK, *extra], env=env, catch_exceptions=False)
        assert done.exit_code == 0, done.output
        number = int(re.search(r"Opened change request #(\d+)", done.output)[1])
        assert [c[0] for c in replayed(lib, number)] == [who]


def test_a_replay_the_library_refuses_leaves_no_change_request_open_and_the_upload_waiting(signed_in, lib,
                                                                                           repository):
    (repository / "docs/chapter_brake/curve.png").write_bytes(b"not a picture at all")
    (repository / "docs/chapter_brake/test.md").write_text("# 1.1 试验\n\n![曲线](curve.png)\n", encoding="utf-8")
    git(repository, "add", ".")
    git(repository, "commit", "-q", "-m", "A picture that is none", who=LI, when="1600000300 +0800")
    teacher = signed_in("teacher")
    headers = {"X-CSRFToken": csrf_from(teacher, f"/books/{STARTER_BOOK}"), "Accept-Language": "zh-CN"}
    api = f"/api/books/{STARTER_BOOK}/imports/mkdocs"
    created = teacher.post(api, data={"file": (io.BytesIO(bundle_of(repository)), "brakes.bundle"), "history": "1"},
                           content_type="multipart/form-data", headers=headers)
    token = created.json["token"]
    refused = teacher.post(f"{api}/{token}/confirm", json={}, headers=headers)
    assert refused.status_code == 415 and refused.json["error"]["code"] == "asset.type"
    listed = teacher.get(f"/api/books/{STARTER_BOOK}/change-requests?state=all").json
    states = [cr["state"] for cr in listed.get("change_requests", listed.get("items", []))]
    assert "open" not in states and "closed" in states  # the half-written one was closed
    assert teacher.get(f"{api}/{token}").status_code == 200  # the upload waits to be confirmed again
