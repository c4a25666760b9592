"""``jointbook build --format pdf|epub|sheets`` and the downloads of ``jointbook release``, as typed.

The instance is the starter library under ``--instance`` with its public
address in ``PLATFORM_URL``; the files written are read back: the PDF's
text with pypdf, the EPUB as a zip.
"""
from __future__ import annotations

import io
import re
import zipfile

import pypdf
import pytest
from click.testing import CliRunner

from materials import Library
from server.cli import main

BOOK = "locomotive-maintenance"


@pytest.fixture
def jointbook(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    Library.init(instance / "library.git", starter=True)
    monkeypatch.chdir(tmp_path)

    def run(*args: str):
        return CliRunner().invoke(main, ["--instance", str(instance), *args],
                                  env={"PLATFORM_URL": "https://books.example.edu.cn/"}, catch_exceptions=False)

    run.instance = instance
    return run


def test_build_prints_the_book_as_a_pdf_whose_qr_codes_lead_to_the_release(jointbook, tmp_path):
    made = jointbook("build", BOOK, "--format", "pdf", "--version", "1.0", "--out", "book.pdf")
    assert made.exit_code == 0, made.output
    assert re.search(r"built: book\.pdf \(\d+ bytes, \d+ pages", made.output)
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(tmp_path / "book.pdf").pages)
    assert "电力机车运用与检修" in text and "制动机的检查与试验" in text
    assert "books.example.edu.cn/read/locomotive-maintenance/1.0/" in re.sub(r"\s+", "", text)

    again = jointbook("build", BOOK, "--format", "pdf", "--version", "1.0", "--out", "again.pdf")
    assert again.exit_code == 0 and "unchanged: again.pdf" in again.output  # from the instance's cache
    assert (tmp_path / "again.pdf").read_bytes() == (tmp_path / "book.pdf").read_bytes()


def test_build_writes_the_epub_of_a_revision(jointbook, tmp_path):
    made = jointbook("build", BOOK, "--format", "epub", "--rev", "main")
    assert made.exit_code == 0, made.output
    epub = zipfile.ZipFile(tmp_path / f"{BOOK}-main.epub")  # named after the book and the revision by default
    assert epub.read("mimetype") == b"application/epub+zip"
    opf = next(name for name in epub.namelist() if name.endswith(".opf"))
    assert "电力机车运用与检修" in epub.read(opf).decode() and "<dc:language>zh-CN</dc:language>" in \
        epub.read(opf).decode()


def test_build_refuses_task_sheets_of_a_book_without_tasks_and_an_unknown_format(jointbook, tmp_path):
    refused = jointbook("build", BOOK, "--format", "sheets", "--out", "tasks.pdf")
    assert refused.exit_code == 1 and "print.no_tasks" in refused.output
    assert not (tmp_path / "tasks.pdf").exists()
    unknown = jointbook("build", BOOK, "--format", "docx")
    assert unknown.exit_code == 2 and "docx" in unknown.output


def test_release_publishes_the_site_then_the_downloads_asked_for_beside_it(jointbook):
    done = jointbook("release", BOOK, "1.0", "--downloads", "epub")
    assert done.exit_code == 0, done.output
    release = jointbook.instance / "sites" / BOOK / "1.0"
    assert (release / "index.html").is_file()
    assert sorted(p.name for p in (release / "downloads").iterdir()) == [f"{BOOK}-1.0.epub"]
    assert zipfile.ZipFile(io.BytesIO((release / "downloads" / f"{BOOK}-1.0.epub").read_bytes())).testzip() is None
