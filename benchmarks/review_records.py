"""What keeping signed review records immutable costs a save.

Every commit and merge of the library compares the records of the branch
before and after (``materials.review_records.check_records_kept``). Measures,
in one run, the median one-file save on a book without records and on the
same book with 300 signed records (30 versions × 10 reviews, in 20 books),
and prints the ratio (target ≤ 1.10: the guard stays within a tenth of a
save), plus the guard alone on an unchanged reviews/ tree and on a changed one.

Run: python3 benchmarks/review_records.py [--quick]
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from materials import OVERWRITE, Author, Library, Write  # noqa: E402
from materials.review_records import check_records_kept, digest, dump, record_text  # noqa: E402

ME = Author("基准测试", "bench@example.com", "school")


def make(root: Path, name: str, records: bool) -> Library:
    lib = Library.init(root / f"{name}.git")
    files = [Write(f"books/b{n:02d}/book.yml", "title: 基准\n") for n in range(20)]
    files += [Write(f"books/b00/chapters/{i:03d}.md", f"---\ntitle: 第{i}章\n---\n正文{i}\n") for i in range(100)]
    if records:
        for n in range(20):
            for v in range(15 if n < 10 else 0):
                signed = dump({"review": {"book": f"b{n:02d}", "version": f"1.{v}"}, "conclusion": "passed"})
                text = record_text(signed, [{"account": "a", "sha256": digest(signed)}])
                files.append(Write(f"books/b{n:02d}/reviews/1.{v}/1.yml", text))
                files.append(Write(f"books/b{n:02d}/reviews/1.{v}/2.yml", text))
    lib.commit("main", files, ME, "Create", base=OVERWRITE)
    return lib


def save(lib: Library, i: int) -> float:
    started = time.perf_counter()
    lib.commit("main", [Write("books/b00/chapters/000.md", f"---\ntitle: 第0章\n---\n改{i}\n")], ME, "Edit",
               base=lib.resolve("main"))
    return time.perf_counter() - started


def saves(plain: Library, kept: Library, rounds: int) -> tuple[float, float]:
    """Alternating saves on the two libraries, so the machine's load falls on both alike."""
    a, b = [], []
    for i in range(rounds):
        a.append(save(plain, i))
        b.append(save(kept, i))
    return statistics.median(a), statistics.median(b)


def main() -> None:
    rounds = 40 if "--quick" in sys.argv else 200
    with tempfile.TemporaryDirectory() as tmp:
        plain, kept = make(Path(tmp), "plain", False), make(Path(tmp), "records", True)
        saves(plain, kept, 5)   # warm the object caches
        a, b = saves(plain, kept, rounds)
        head = kept.objects.commit(kept.resolve("main")).tree
        started = time.perf_counter()
        for _ in range(rounds):
            check_records_kept(kept.objects, head, head)
        same = (time.perf_counter() - started) / rounds
        records = kept.files("main", "books/b00/reviews")
        print(f"records: {len(kept.files('main', 'books')) - 100 - 20} signed records in 10 books")
        print(f"one-file save, no records:   {a * 1000:.2f} ms (median of {rounds})")
        print(f"one-file save, with records: {b * 1000:.2f} ms (median of {rounds})")
        print(f"ratio: {b / a:.2f} (target <= 1.10)")
        print(f"guard alone, unchanged reviews/ trees: {same * 1e6:.0f} µs; {len(records)} records in the edited book")


if __name__ == "__main__":
    main()
