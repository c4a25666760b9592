"""A book taken out of the library as one zip: its folder as the library holds it, with the
standards it declares.

Paths inside the zip are the library's own (``books/<book>/book.yml``,
``books/<book>/chapters/…``, ``books/<book>/assets/…``, ``standards/<id>.yml``),
so unpacking it over an empty library gives the same files. The same revision
always gives the same bytes: entries are sorted and dated with the commit's time.
"""
from __future__ import annotations

import io
import time
import zipfile

from .errors import NotFound
from .paths import validate_book_slug

STANDARDS_DIR = "standards"


def book_zip(lib, book: str, rev: str = "main") -> bytes:
    """The zip of ``book`` at ``rev`` (``NotFound`` when the book is not there)."""
    validate_book_slug(book)
    sha = lib.resolve(rev)
    prefix = f"books/{book}/"
    files = lib.snapshot(sha, prefix)
    if f"{prefix}book.yml" not in files:
        raise NotFound(f"book {book} is not at {rev}", book=book)
    config = lib.book(book, sha, chapters=False).config
    for standard in config.standards:
        path = f"{STANDARDS_DIR}/{standard}.yml"
        try:
            files[path] = lib.read(sha, path)
        except NotFound:
            continue  # an undeclared or missing standard is the book's problem, shown on its page
    when = time.gmtime(max(lib.log(sha, limit=1)[0].authored_at.timestamp(), 315532800))[:6]  # zip dates start in 1980
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path])
    return out.getvalue()
