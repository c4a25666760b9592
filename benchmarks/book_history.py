"""A book's own history (what ``git clone /git/<book>.git`` gets), split from the library.

Measures, side by side in one run, on a library of two books with N commits
(two thirds of them in the book):
  1. the first split of the book's history by ``materials.book_history`` vs
     ``git subtree split --prefix books/<book>`` of the same history;
  2. bringing the book's repository up to date after one more save vs running
     ``git subtree split`` again (which is what a mirror kept by that script costs).
Both give the same book commit (checked).

Run: python3 benchmarks/book_history.py [--commits N]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from materials import OVERWRITE, Author, Library, Write  # noqa: E402
from materials.book_history import BookMirror  # noqa: E402

ME = Author("基准测试", "bench@example.com", "school")


def subtree_split(work: Path) -> tuple[float, str]:
    subprocess.run(["git", "fetch", "-q", "origin"], cwd=work, check=True)
    start = time.perf_counter()
    out = subprocess.run(["git", "subtree", "split", "--prefix", "books/big", "origin/main"], cwd=work,
                         capture_output=True, text=True, check=True).stdout.strip()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=750)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        lib = Library.init(root / "library.git")
        lib.commit("main", [Write("books/big/book.yml", "title: 基准\n"), Write("books/other/book.yml", "title: 别的\n")],
                   ME, "Create", base=OVERWRITE)
        for i in range(args.commits):
            book = "big" if i % 3 else "other"
            lib.commit("main", [Write(f"books/{book}/chapters/c{i % 120:03d}.md",
                                      f"---\ntitle: 第{i}章\n---\n第{i}次修改。\n")], ME, f"Save {i}",
                       base=lib.resolve("main"))
        work = root / "work"
        subprocess.run(["git", "clone", "-q", str(lib.path), str(work)], check=True)

        start = time.perf_counter()
        mirror = BookMirror.open(lib, "big", root / "mirrors")
        with mirror.locked():
            ours = mirror.update({"main": "main"})["main"]
        first = time.perf_counter() - start
        theirs_first, theirs = subtree_split(work)
        assert ours == theirs, (ours, theirs)

        lib.commit("main", [Write("books/big/chapters/c000.md", "---\ntitle: 再改\n---\n再改。\n")], ME, "One more",
                   base=lib.resolve("main"))
        start = time.perf_counter()
        with mirror.locked():
            ours = mirror.update({"main": "main"})["main"]
        again = time.perf_counter() - start
        theirs_again, theirs = subtree_split(work)
        assert ours == theirs, (ours, theirs)

        print(f"library of {args.commits + 1} commits, {len(mirror.split_map())} split")
        print(f"first split:        book_history {first:.2f} s, git subtree split {theirs_first:.2f} s, "
              f"ratio {first / theirs_first:.2f}x")
        print(f"after one save:     book_history {again * 1000:.0f} ms, git subtree split {theirs_again:.2f} s, "
              f"ratio {again / theirs_again:.3f}x")


if __name__ == "__main__":
    main()
