"""Taking a book out: the zip from the book's page and from ``jointbook export``."""
from __future__ import annotations

import io
import zipfile

from click.testing import CliRunner

from helpers import STARTER_BOOK
from materials import Library
from server.cli import main

STANDARD = "standards/sample-noss-locomotive-maintenance@2026.yml"


def test_a_reader_downloads_the_book_as_a_zip_of_its_folder(reading_app, reading_as):
    reader = reading_as("reader")
    page = reader.get(f"/books/{STARTER_BOOK}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert f'href="/books/{STARTER_BOOK}/export.zip"' in page and "下载 .zip" in page
    response = reader.get(f"/books/{STARTER_BOOK}/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{STARTER_BOOK}.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    lib = Library(reading_app.config["LIBRARY_PATH"])
    expected = lib.snapshot("main", f"books/{STARTER_BOOK}/")
    assert {n: archive.read(n) for n in archive.namelist() if n.startswith("books/")} == expected
    assert f"books/{STARTER_BOOK}/book.yml" in archive.namelist()
    assert any(n.startswith(f"books/{STARTER_BOOK}/chapters/") for n in archive.namelist())
    assert any(n.startswith(f"books/{STARTER_BOOK}/assets/") for n in archive.namelist())
    assert archive.read(STANDARD) == lib.read("main", STANDARD)  # the standard it declares


def test_who_may_not_read_the_book_gets_no_zip(reading_as, reading_client):
    assert reading_as("outsider").get(f"/books/{STARTER_BOOK}/export.zip").status_code == 403
    assert reading_client.get(f"/books/{STARTER_BOOK}/export.zip").status_code == 302  # to sign in
    assert reading_as("admin").get("/books/no-such-book/export.zip").status_code == 404


def test_jointbook_export_writes_the_same_zip(reading_app, reading_as, tmp_path):
    out = tmp_path / "book.zip"
    done = CliRunner().invoke(main, ["--instance", reading_app.config["JOINTBOOK_INSTANCE"], "export", STARTER_BOOK,
                                     "--out", str(out)], env={"LIBRARY_PATH": reading_app.config["LIBRARY_PATH"]},
                              catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert out.read_bytes() == reading_as("reader").get(f"/books/{STARTER_BOOK}/export.zip").data
    missing = CliRunner().invoke(main, ["--instance", reading_app.config["JOINTBOOK_INSTANCE"], "export", "nope",
                                        "--out", str(tmp_path / "x.zip")],
                                 env={"LIBRARY_PATH": reading_app.config["LIBRARY_PATH"]})
    assert missing.exit_code != 0 and "not_found" in missing.output


def test_an_exported_book_comes_back_into_an_empty_instance_with_no_diff(reading_app, reading_as, tmp_path):
    from materials import Library as Lib

    out = tmp_path / "book.zip"
    out.write_bytes(reading_as("reader").get(f"/books/{STARTER_BOOK}/export.zip").data)
    empty = tmp_path / "empty"
    runner = CliRunner()
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "LIBRARY_PATH": str(empty / "library.git")}
    assert runner.invoke(main, ["--instance", str(empty), "init", "--empty"], env=env).exit_code == 0
    assert runner.invoke(main, ["--instance", str(empty), "user", "add", "boss", "--admin",
                                "--password", "a long password!"], env=env).exit_code == 0
    done = runner.invoke(main, ["--instance", str(empty), "book", "import", str(out)], env=env,
                         catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert f"Brought back the book {STARTER_BOOK}" in done.output and "boss is its maintainer" in done.output
    fresh, original = Lib(empty / "library.git"), Lib(reading_app.config["LIBRARY_PATH"])
    assert fresh.snapshot("main", f"books/{STARTER_BOOK}/") == original.snapshot("main", f"books/{STARTER_BOOK}/")
    assert fresh.read("main", STANDARD) == original.read("main", STANDARD)
    again = runner.invoke(main, ["--instance", str(empty), "book", "import", str(out)], env=env)
    assert again.exit_code != 0 and "book.exists" in again.output
