"""Library benchmarks (issue: the textbook library in Git).

Measures, side by side in one run, on libraries of 300 and 5,000 chapters:
  1. one-file save through ``materials`` vs the same commit made with git's
     plumbing (read-tree into a temporary index, hash-object, update-index,
     write-tree, commit-tree, update-ref) — target ≤ 0.5× the plumbing median;
  2. saves per second with 4 processes writing to one branch (and conflicts);
  3. log of one file with 2,000 commits (≤ 150 ms) and blame of a 500-line
     chapter (≤ 300 ms).

Run: python3 benchmarks/library_saves.py [--quick]
"""
from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from materials import OVERWRITE, Author, EditConflict, Library, Write  # noqa: E402

ME = Author("基准测试", "bench@example.com", "school")


def chapter(i: int, lines: int = 40) -> str:
    return f"---\ntitle: 第{i}章\n---\n" + "".join(f"第{i}章第{j}行：机车制动机检查作业内容。\n" for j in range(lines))


def make_library(root: Path, chapters: int) -> Library:
    lib = Library.init(root / f"lib-{chapters}.git")
    lib.commit("main", [Write("books/big/book.yml", "title: 基准\n")] +
               [Write(f"books/big/chapters/{i:05d}.md", chapter(i)) for i in range(chapters)], ME, "Create",
               base=OVERWRITE)
    return lib


def plumbing_save(git_dir: Path, path: str, content: bytes) -> None:
    env = dict(os.environ, GIT_DIR=str(git_dir), GIT_AUTHOR_NAME="基准测试", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="基准测试", GIT_COMMITTER_EMAIL="bench@example.com")
    with tempfile.TemporaryDirectory() as tmp:
        env["GIT_INDEX_FILE"] = os.path.join(tmp, "index")
        run = lambda *a, **kw: subprocess.run(["git", *a], env=env, capture_output=True, check=True, **kw).stdout.decode().strip()
        head = run("rev-parse", "refs/heads/main")
        run("read-tree", head)
        blob = run("hash-object", "-w", "--stdin", input=content)
        run("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}")
        tree = run("write-tree")
        commit = run("commit-tree", tree, "-p", head, "-m", "save\n\nJointbook-Side: school")
        run("update-ref", "refs/heads/main", commit, head)


def bench_single_save(lib: Library, runs: int) -> tuple[float, float]:
    ours, theirs = [], []
    target = "books/big/chapters/00007.md"
    for i in range(runs):  # interleaved, so both see the same machine
        t = time.perf_counter()
        lib.commit("main", [Write(target, chapter(7) + f"materials {i}\n")], ME, "save", base=lib.resolve("main"))
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        plumbing_save(lib.path, target, (chapter(7) + f"plumbing {i}\n").encode())
        theirs.append(time.perf_counter() - t)
    return statistics.median(ours), statistics.median(theirs)


def _worker(path: str, worker: int, seconds: float, out) -> None:
    lib = Library(path)
    me = Author(f"w{worker}", f"w{worker}@example.com", "enterprise")
    saves = conflicts = 0
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        base = lib.resolve("main")
        target = f"books/big/chapters/{(worker * 131 + n) % 50:05d}.md"
        try:
            lib.commit("main", [Write(target, chapter(n) + f"w{worker} {n}\n")], me, "save", base=base)
            saves += 1
        except EditConflict:
            conflicts += 1
    out.put((saves, conflicts))


def bench_parallel(lib: Library, seconds: float) -> tuple[float, int]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(lib.path), w, seconds, out)) for w in range(4)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return sum(r[0] for r in results) / seconds, sum(r[1] for r in results)


def bench_log_and_blame(root: Path, commits: int) -> tuple[float, float]:
    lib = Library.init(root / "history.git")
    text = chapter(0, 500).split("\n")
    lib.commit("main", [Write("books/h/chapters/long.md", "\n".join(text))], ME, "start", base=OVERWRITE)
    authors = [ME, Author("企业专家", "x@example.com", "enterprise")]
    for i in range(commits):
        line = 3 + (i * 37) % 500
        text[line] = f"修订 {i}：{text[line][:20]}"
        lib.commit("main", [Write("books/h/chapters/long.md", "\n".join(text))], authors[i % 2], f"revise {i}",
                   base=OVERWRITE)
    def measure() -> tuple[float, float]:
        timings_log, timings_blame = [], []
        for _ in range(5):
            t = time.perf_counter()
            entries = lib.log("main", "books/h/chapters/long.md")
            timings_log.append(time.perf_counter() - t)
            t = time.perf_counter()
            lines = lib.blame("main", "books/h/chapters/long.md")
            timings_blame.append(time.perf_counter() - t)
        assert len(entries) == commits + 1 and len(lines) >= 500
        return statistics.median(timings_log) * 1000, statistics.median(timings_blame) * 1000

    time.sleep(1)  # let the library's own background upkeep finish
    loose = lib.loose_objects()
    as_left = measure()
    lib.maintain(loose_limit=1)  # what the upkeep does once enough loose objects pile up
    print(f"  ({loose} loose objects left by the saves; log {as_left[0]:.1f} ms, blame {as_left[1]:.1f} ms before packing)")
    return measure()


def main() -> None:
    quick = "--quick" in sys.argv
    with tempfile.TemporaryDirectory(prefix="jb-bench-") as tmp:
        root = Path(tmp)
        for size in (300, 5000):
            lib = make_library(root, size)
            ours, plumbing = bench_single_save(lib, 10 if quick else 40)
            print(f"[{size:>5} chapters] one-file save: materials {ours * 1000:.2f} ms, plumbing {plumbing * 1000:.2f} ms,"
                  f" ratio {ours / plumbing:.3f}x (target <= 0.5x)")
            rate, conflicts = bench_parallel(lib, 2 if quick else 5)
            print(f"[{size:>5} chapters] 4 processes on one branch: {rate:.0f} saves/s, {conflicts} conflicts reported")
        log_ms, blame_ms = bench_log_and_blame(root, 200 if quick else 2000)
        print(f"log of one file with {200 if quick else 2000} commits, packed library: {log_ms:.1f} ms (target <= 150 ms)")
        print(f"blame of a 500-line chapter: {blame_ms:.1f} ms (target <= 300 ms)")


if __name__ == "__main__":
    main()
