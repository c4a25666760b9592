"""How long the server takes to compute and render a big book's alignment page.

A 3,000-item standard (5 cumulative levels, F → C → S/K) and a 1,000-chapter
book whose front matter carries 5,000 item refs, committed into a real
library. Prints medians of several runs against the targets:

* the matrix + per-level coverage (``server.alignment.service.book_alignment`` and
  ``matrix_rows``), chapters and standard already parsed (cached per blob id)
  — target 200 ms; the cold first computation is printed too;
* ``GET /books/<book>/alignment`` through the Flask test client — target 500 ms
  (the screen shows the matrix 500 rows a page; the printable table, timed
  too, has all of them).

    python3 benchmarks/alignment_page.py
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from alignment import big_book, big_standard  # noqa: E402  (benchmarks/alignment.py)

from materials import OVERWRITE, Author, Library, Write  # noqa: E402
from materials.standards.writing import dump_standard  # noqa: E402

MATRIX_TARGET_MS = 200.0
PAGE_TARGET_MS = 500.0
RUNS = 7
BOOK = "big-book"


def build_library(path: Path) -> str:
    std = big_standard()
    chapters = big_book(std)
    lib = Library.init(path, starter=False)
    names = list(chapters)
    book_yml = (f"title: 大书\nlanguage: zh-CN\nlicense: CC-BY-SA-4.0\nedition: \"2026\"\nstandards: [{std.id}]\n"
                "navigation:\n" + "".join(f"  - part: 第{p + 1}篇\n    chapters: [{', '.join(names[p * 100:(p + 1) * 100])}]\n"
                                          for p in range(10)))
    writes = [Write(f"standards/{std.id}.yml", dump_standard(std)), Write(f"books/{BOOK}/book.yml", book_yml)]
    for name, refs in chapters.items():
        refs = list(dict.fromkeys(refs))
        writes.append(Write(f"books/{BOOK}/chapters/{name}",
                            f"---\ntitle: 第{name[:4]}章\nstandards: [{', '.join(refs)}]\n---\n正文。\n"))
    lib.commit("main", writes, Author("Bench", "bench@example.org", "school"), "A big book", create=True,
               base=OVERWRITE)
    return std.id


def median_ms(action, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    from server.app import create_app
    from server.database import new_session
    from server.accounts.models import User
    from server.alignment import service as aligning
    from werkzeug.security import generate_password_hash

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build_library(root / "library.git")
        app = create_app({"JOINTBOOK_INSTANCE": str(root / "instance"), "DATABASE_URL": f"sqlite:///{root / 'jb.db'}",
                          "LIBRARY_PATH": str(root / "library.git"), "SECRET_KEY": "bench", "TESTING": True,
                          "WTF_CSRF_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://"})
        with new_session(app) as session:
            session.add(User(username="admin", display_name="Admin", side="school", is_admin=True,
                             password_hash=generate_password_hash("benchmark-password", method="scrypt:1024:8:1")))
            session.commit()

        with app.test_request_context():
            start = time.perf_counter()
            alignment = aligning.book_alignment(BOOK)
            rows = aligning.matrix_rows(alignment)
            cold = (time.perf_counter() - start) * 1000
            refs = sum(len(c.refs) for c in alignment.chapters)
            print(f"book: {len(alignment.chapters)} chapters, {refs} item refs; "
                  f"standard: {sum(len(s.items) for s in alignment.standards.values())} items; matrix rows {len(rows)}")
            matrix = median_ms(lambda: aligning.matrix_rows(aligning.book_alignment(BOOK)))
            filtered = median_ms(lambda: aligning.matrix_rows(aligning.book_alignment(BOOK), level="L3", kind="S"))

        client = app.test_client()
        assert client.post("/login", data={"username": "admin", "password": "benchmark-password"}).status_code == 302
        response = client.get(f"/books/{BOOK}/alignment")
        assert response.status_code == 200, response.status_code
        size = len(response.get_data())
        page = median_ms(lambda: client.get(f"/books/{BOOK}/alignment"))
        page_filtered = median_ms(lambda: client.get(f"/books/{BOOK}/alignment?level=L3&kind=S"))
        api = median_ms(lambda: client.get(f"/api/books/{BOOK}/alignment"))
        printable = median_ms(lambda: client.get(f"/books/{BOOK}/alignment/print"), runs=3)

    print(f"matrix + coverage, cold (parse 1,000 chapters and the standard): {cold:8.1f} ms")
    print(f"matrix + coverage, warm (median of {RUNS}):                   {matrix:8.1f} ms  "
          f"target {MATRIX_TARGET_MS:.0f} ms  ratio {matrix / MATRIX_TARGET_MS:.2f}")
    print(f"  filtered to one level and kind:                            {filtered:8.1f} ms")
    print(f"alignment page through the test client (median of {RUNS}):    {page:8.1f} ms  "
          f"target {PAGE_TARGET_MS:.0f} ms  ratio {page / PAGE_TARGET_MS:.2f}  ({size / 1024:.0f} KiB of HTML)")
    print(f"  filtered page (三级 skills only):                           {page_filtered:8.1f} ms")
    print(f"alignment JSON API (all 3,000 rows):                         {api:8.1f} ms")
    print(f"printable table (all 3,000 rows, median of 3):               {printable:8.1f} ms")


if __name__ == "__main__":
    main()
