"""What a release offers to download beside its site: the printed book, the EPUB and the task sheets.

They live in the release's own directory, ``<sites>/<book>/<version>/downloads/``,
so whatever serves the site serves them too, under the same immutable
address. The site is published first and the downloads follow, one file at a
time, each written whole under its final name (``build_pdf`` and the others
rename a finished file into place), so a reader never gets half a PDF. The
published site links to the names below from its download page, which asks
the server for each file's size and says which ones are still being made.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from materials.paths import validate_book_slug

from .errors import VersionInvalid

DOWNLOADS_DIR = "downloads"
FORMATS = ("pdf", "epub", "sheets")
# What a release's directory may be named (publish.VERSION_PATTERN is narrower): never a path or a dot-name.
_VERSION = re.compile(r"[0-9][0-9A-Za-z.+-]{0,39}")

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Download:
    """One kind of download: its file name in a release and its label for readers."""

    format: str
    suffix: str
    label_zh: str
    label_en: str

    def filename(self, book: str, version: str) -> str:
        return f"{book}-{version}{self.suffix}"

    def label(self, chinese: bool) -> str:
        return self.label_zh if chinese else self.label_en


DOWNLOADS = {
    "pdf": Download("pdf", ".pdf", "印刷版 PDF", "Printed book (PDF)"),
    "epub": Download("epub", ".epub", "电子书 EPUB", "E-book (EPUB)"),
    "sheets": Download("sheets", "-tasks.pdf", "活页任务单 PDF", "Loose-leaf task sheets (PDF)"),
}


def offered(the_book) -> list[Download]:
    """The downloads a release of ``the_book`` has: task sheets only for a book with work tasks."""
    has_tasks = any(c.meta.task is not None for c in the_book.chapters)
    return [DOWNLOADS[f] for f in FORMATS if f != "sheets" or has_tasks]


def download_path(sites_dir: str | Path, book: str, version: str, fmt: str) -> Path:
    """Where the ``fmt`` download of a release is stored (the book, version and format checked)."""
    validate_book_slug(book)
    if not isinstance(version, str) or not _VERSION.fullmatch(version) or ".." in version:
        raise VersionInvalid(f"“{version}” is not a valid version", version=str(version)[:40])
    return Path(sites_dir) / book / version / DOWNLOADS_DIR / DOWNLOADS[fmt].filename(book, version)


def build_download(lib, book: str, rev: str, fmt: str, out_path: str | Path, *, version: str = "",
                   site_url: str | None = None, cache_dir: str | Path | None = None,
                   progress: Progress | None = None):
    """Build one download of ``book`` at ``rev`` into ``out_path``; the builder's result (PdfResult/EpubResult)."""
    if fmt == "pdf":
        from .pdf import build_pdf
        return build_pdf(lib, book, rev, out_path, version=version, site_url=site_url, cache_dir=cache_dir,
                         progress=progress)
    if fmt == "epub":
        from .epub import build_epub
        return build_epub(lib, book, rev, out_path, version=version, site_url=site_url, cache_dir=cache_dir,
                          progress=progress)
    if fmt == "sheets":
        from .task_sheets import build_task_sheets
        return build_task_sheets(lib, book, rev, out_path, version=version, site_url=site_url,
                                 cache_dir=cache_dir, progress=progress)
    raise ValueError(f"unknown download format {fmt!r}")
