"""Dashboard pages benchmark (issue 7): the server side of the cooperation dashboard.

Reuses the library builder of ``benchmarks/dashboard.py`` (git fast-import:
books, chapters, commits by 60 authors on both sides, releases), puts the
feedback items, change requests and reviews into the platform's database
(SQLite, bulk inserts), and times through the real app (test client, real
templates and SVG charts):

  * cold: the first per-book and library dashboard page;
  * warm: the same pages again — targets ≤ 300 ms per book, ≤ 1,000 ms library;
  * fresh: the per-book page right after a new feedback item (the database part
    of the cache moves to a new key; the library part stays warm) and right
    after a save to main (the library part moves; contributions re-read only
    the new commit and re-blame only the changed chapter).

Prints times and ratios to the targets; asserts nothing.
Run: python3 benchmarks/dashboard_pages.py [--quick]
"""
from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.dashboard import build_library  # noqa: E402
from materials import OVERWRITE, Author, Library, Write  # noqa: E402

BOOK_TARGET_MS, LIBRARY_TARGET_MS = 300, 1000
KINDS = ("error", "suggestion", "question", "rating")
STATES = ("new", "answered", "accepted", "declined", "duplicate")


def timed(call, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        call()
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs)


def fill_database(app, books: list[str], chapters: int, n_feedback: int, n_crs: int, n_reviews: int) -> None:
    from sqlalchemy import insert

    from server.database import engine
    from server.feedback.models import Feedback

    rng = random.Random(5)
    start = datetime(2023, 9, 1, tzinfo=timezone.utc)
    rows = []
    for i in range(n_feedback):
        created = start + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        state = rng.choice(STATES)
        kind = rng.choice(KINDS)
        rows.append({"book": rng.choice(books), "version": "1", "page": f"chapters/c{rng.randrange(chapters):04d}.md",
                     "chapter": f"c{rng.randrange(chapters):04d}.md", "selection": "", "kind": kind, "text": "问题",
                     "rating": rng.randint(1, 5) if kind == "rating" else None, "helpful": None, "name": "",
                     "contact": "", "state": state, "reason": "", "public": False,
                     "follow_hash": secrets.token_hex(32), "created_at": created, "updated_at": created,
                     "answered_at": created + timedelta(hours=rng.randrange(1, 200)) if state != "new" else None})
    with engine(app).begin() as connection:
        for chunk in range(0, len(rows), 10_000):
            connection.execute(insert(Feedback.__table__), rows[chunk:chunk + 10_000])
        try:
            from server.change_requests.models import ChangeRequest, Review
        except ImportError:
            return
        crs = []
        for n in range(1, n_crs + 1):
            opened = start + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
            merged = rng.random() < 0.7
            crs.append({"number": n, "book": rng.choice(books), "title": f"CR {n}", "description": "",
                        "author_name": "a", "author_side": rng.choice(("school", "enterprise")), "branch": f"cr/{n}",
                        "base": "0" * 40, "head": "1" * 40, "state": "merged" if merged else "open",
                        "created_at": opened, "updated_at": opened,
                        "closed_at": opened + timedelta(hours=rng.randrange(1, 300)) if merged else None})
        connection.execute(insert(ChangeRequest.__table__), crs)
        reviews = [{"change_request_id": rng.randrange(1, n_crs + 1), "reviewer_name": "r",
                    "reviewer_side": rng.choice(("school", "enterprise")), "reviewer_is_maintainer": False,
                    "verdict": rng.choice(("approve", "request_changes", "comment")), "head": "1" * 40, "body": "",
                    "created_at": start + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))}
                   for _ in range(n_reviews)]
        for chunk in range(0, len(reviews), 10_000):
            connection.execute(insert(Review.__table__), reviews[chunk:chunk + 10_000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 books, 400 chapters, 10,000 commits, 20,000 items")
    args = parser.parse_args()
    books_n, chapters_n, commits_n = (4, 100, 10_000) if args.quick else (20, 100, 50_000)
    feedback_n = 20_000 if args.quick else 100_000
    root = Path(tempfile.mkdtemp(prefix="jb-dashboard-pages-"))
    t = time.perf_counter()
    facts = build_library(root / "library.git", books_n, chapters_n, commits_n)
    print(f"library: {facts['commits']:,} commits, {books_n * chapters_n:,} chapters, {books_n} books "
          f"({time.perf_counter() - t:.1f} s)")

    from server.app import create_app
    from server.database import new_session
    from server.accounts.models import User

    app = create_app({"JOINTBOOK_INSTANCE": str(root / "instance"), "LIBRARY_PATH": str(root / "library.git"),
                      "SECRET_KEY": "bench", "TESTING": True, "WTF_CSRF_ENABLED": False, "START_JOB_RUNNER": False})
    lib = Library(root / "library.git")
    books = lib.books()
    t = time.perf_counter()
    fill_database(app, books, chapters_n, feedback_n, commits_n // 5, commits_n * 3 // 5)
    print(f"database: {feedback_n:,} feedback items, {commits_n // 5:,} change requests, {commits_n * 3 // 5:,} "
          f"reviews ({time.perf_counter() - t:.1f} s)")
    with new_session(app) as session:
        session.add(User(username="admin", display_name="Admin", side="school", is_admin=True, active=True,
                         password_hash="x"))
        session.commit()
        admin_id = session.query(User).filter_by(username="admin").one().get_id()
    client = app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = admin_id
        s["_fresh"] = True
    book = books[len(books) // 2]
    book_url, library_url = f"/books/{book}/dashboard?period=year", "/dashboard?period=year"

    def get(url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    cold_book = timed(lambda: get(book_url), 1)
    cold_library = timed(lambda: get(library_url), 1)
    print(f"\ncold: book page {cold_book:,.0f} ms, library page {cold_library:,.0f} ms")
    warm_book, warm_library = timed(lambda: get(book_url)), timed(lambda: get(library_url))
    print(f"warm: book page {warm_book:,.0f} ms (target {BOOK_TARGET_MS} ms, ratio {warm_book / BOOK_TARGET_MS:.2f}); "
          f"library page {warm_library:,.0f} ms (target {LIBRARY_TARGET_MS} ms, "
          f"ratio {warm_library / LIBRARY_TARGET_MS:.2f})")
    client.post("/api/feedback", json={"book": book, "version": "draft", "page": "index.md", "kind": "question",
                                       "text": "新问题"})
    fresh_feedback = timed(lambda: get(book_url), 1)
    print(f"fresh after a new feedback item (database part recomputed): book page {fresh_feedback:,.0f} ms")
    chapter = sorted(p for p in lib.files("main", f"books/{book}/chapters"))[0]
    lib.commit("main", [Write(chapter, lib.read_text("main", chapter) + "\n新增一句。\n")],
               Author("王老师", "wang@example.edu.cn", "school"), "Add a sentence", base=OVERWRITE)
    fresh_save = timed(lambda: get(book_url), 1)
    print(f"fresh after a save to main (library part moves forward): book page {fresh_save:,.0f} ms")
    print(f"warm again: book page {timed(lambda: get(book_url)):,.0f} ms")


if __name__ == "__main__":
    main()
