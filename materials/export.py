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

from .books import parse_book_config
from .changes import Author, Write
from .errors import BookExists, InvalidPath, NotFound
from .paths import book_file_path, standard_file_path, validate_book_slug

MAX_FILES = 20000
MAX_BYTES = 500 * 1024 * 1024  # unpacked

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


def read_book_zip(data: bytes) -> tuple[str, dict[str, bytes]]:
    """The book's name and every file of a zip ``book_zip`` wrote; ``InvalidPath`` for anything else in it
    (another book, a path outside ``books/<book>/`` and ``standards/``, more than one book)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError):
        raise InvalidPath("the file is not a zip archive", path="?", reason="not_zip") from None
    if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > MAX_BYTES:
        raise InvalidPath("the archive is too large", path="?", reason="too_large")
    books = {i.filename.split("/")[1] for i in infos if i.filename.startswith("books/") and i.filename.count("/") >= 2}
    if len(books) != 1:
        raise InvalidPath("an exported book holds exactly one book", path="books/", reason="book_count")
    book = validate_book_slug(books.pop())
    files: dict[str, bytes] = {}
    for info in infos:
        name = info.filename
        path = standard_file_path(name) if name.startswith("standards/") else book_file_path(book, name)
        files[path] = archive.read(info)
    if f"books/{book}/book.yml" not in files:
        raise InvalidPath("the archive has no book.yml", path=f"books/{book}/book.yml", reason="no_settings")
    return book, files


def restore_book(lib, data: bytes, author: Author, message: str | None = None) -> tuple[str, str, list[str]]:
    """Bring an exported book back as one commit on main: (book, sha, standards kept as the library has them).

    The book's files come back byte for byte; a standard the library already holds is not overwritten.
    ``BookExists`` when the library has a book of that name.
    """
    book, files = read_book_zip(data)
    parse_book_config(files[f"books/{book}/book.yml"].decode("utf-8"), f"books/{book}/book.yml")
    head = lib.resolve("main")
    if book in lib.books(head):
        raise BookExists(f"a book named '{book}' exists", path=f"books/{book}", book=book)
    kept, writes = [], []
    for path, content in sorted(files.items()):
        if path.startswith("standards/") and lib.exists(head, path):
            if lib.read(head, path) != content:
                kept.append(path)
            continue
        writes.append(Write(path, content))
    saved = lib.commit("main", writes, author, message or f"Bring back the book {book}", base=head)
    return book, saved.sha, kept
