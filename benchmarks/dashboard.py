"""Dashboard benchmark (issue 7: evaluating the cooperation).

Builds a library of 20 books, 2,000 chapters and 50,000 commits by 60 authors
(school, enterprise and a few without a side; about 1 in 20 changes arrives
through a change-request merge), with 5 releases per book, plus 10,000 change
requests, 30,000 reviews and 100,000 feedback items in memory. History is
written with ``git fast-import`` (the platform's own save path would take far
too long for 50,000 commits; this script only needs the resulting repository).

Then times, in milliseconds:
  * cold: the first library-wide text share (blame of every chapter), the
    first history walks;
  * warm: the library dashboard (text share, commits and contributors by side
    for a period, coverage over releases of every book, review and feedback
    figures) — target ≤ 1,000 ms — and a per-book dashboard — target ≤ 300 ms;
  * fresh: the same per-book dashboard right after a new save to main (the
    caches move forward by reading only the new commits and blaming only the
    changed chapter).

Run: python3 benchmarks/dashboard.py [--quick] [--keep DIR]
``--quick`` builds 4 books, 400 chapters and 10,000 commits.
"""
from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from materials import OVERWRITE, Author, Library, Write  # noqa: E402
from materials import authorship, contributions, enterprise_content  # noqa: E402
from materials.authorship import _blame_by_git, _replay, _summary_of, text_share_by_side  # noqa: E402
from materials.contributions import commits_by_side, contributors, coverage_over_releases  # noqa: E402
from materials.starter import empty_library_yml  # noqa: E402
from review.metrics import (CRRecord, FeedbackRecord, ReviewRecord, feedback_figures,  # noqa: E402
                            period_bounds, review_figures)

STANDARD_ID = "bench-noss@2024"
START = datetime(2023, 9, 1, tzinfo=timezone.utc)
SPAN = timedelta(days=3 * 365)
CST = "+0800"
LIBRARY_TARGET_MS = 1000
BOOK_TARGET_MS = 300


# -- the library ------------------------------------------------------------------------------------
def standard_yaml() -> tuple[str, list[str]]:
    """A three-level cumulative standard: per level 2 functions × 2 contents × (3 S + 2 K)."""
    lines = [f"id: {STANDARD_ID}", "scheme: custom", "code: BENCH", "title: 基准职业技能标准", 'edition: "2024"',
             "status: current", "issuer: 基准", "language: zh-CN", "levels:"]
    levels = ["L5", "L4", "L3"]
    lines += [f"  - {{key: {lv}, label: {lv}级, cumulative: true}}" for lv in levels]
    lines += ["kinds: {F: 职业功能, C: 工作内容, S: 技能要求, K: 相关知识要求}", "items:"]
    leaves = []
    for lv in levels:
        for f in range(1, 3):
            lines.append(f"  - {{key: {lv}.F.{f}, code: '{f}', kind: F, level: {lv}, text: 职业功能{f}}}")
            for c in range(1, 3):
                lines.append(f"  - {{key: {lv}.C.{f}.{c}, code: '{f}.{c}', kind: C, level: {lv}, "
                             f"parent: {lv}.F.{f}, text: 工作内容{f}.{c}}}")
                for kind, n in (("S", 3), ("K", 2)):
                    for i in range(1, n + 1):
                        key = f"{lv}.{kind}.{f}.{c}.{i}"
                        leaves.append(key)
                        lines.append(f"  - {{key: {key}, code: '{f}.{c}.{i}', kind: {kind}, level: {lv}, "
                                     f"parent: {lv}.C.{f}.{c}, text: 要求{f}.{c}.{i}}}")
    return "\n".join(lines) + "\n", leaves


class Chapter:
    def __init__(self, title: str, refs: list[str], body: list[str]):
        self.title, self.refs, self.body = title, refs, body

    def text(self) -> bytes:
        return (f"---\ntitle: {self.title}\nstandards: [{', '.join(self.refs)}]\n---\n"
                + "\n".join(self.body) + "\n").encode()


def make_authors(rng: random.Random) -> list[tuple[str, str, str | None]]:
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    authors = []
    for i in range(60):
        side = "school" if i < 30 else ("enterprise" if i < 58 else None)
        title = "老师" if side == "school" else "师傅"
        authors.append((f"{surnames[i % 20]}{title}{i}", f"author{i}@example.{'edu.cn' if side == 'school' else 'com'}",
                        side))
    return authors


def build_library(path: Path, books: int, chapters_per_book: int, commits: int, seed: int = 7) -> dict:
    """Write the whole history through one ``git fast-import``; returns facts about it."""
    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "--bare", "--initial-branch=main", str(path)], check=True)
    proc = subprocess.Popen(["git", "--git-dir", str(path), "fast-import", "--quiet", "--done"],
                            stdin=subprocess.PIPE)
    out = proc.stdin
    authors = make_authors(rng)
    std_text, leaves = standard_yaml()
    step = SPAN.total_seconds() / commits
    mark = 0
    main_tip = None
    made = merges = 0

    def data(b: bytes) -> None:
        out.write(b"data %d\n" % len(b))
        out.write(b)
        out.write(b"\n")

    def commit(ref: str, who, when: int, message: str, files: dict[str, bytes], parents: list[int]) -> int:
        nonlocal mark
        mark += 1
        name, email, side = who
        out.write(f"commit {ref}\nmark :{mark}\n".encode())
        out.write(f"author {name} <{email}> {when} {CST}\ncommitter {name} <{email}> {when} {CST}\n".encode())
        data((message + (f"\n\nJointbook-Side: {side}\n" if side else "\n")).encode())
        if parents:
            out.write(f"from :{parents[0]}\n".encode())
            for p in parents[1:]:
                out.write(f"merge :{p}\n".encode())
        for p, content in files.items():
            out.write(f"M 100644 inline {p}\n".encode())
            data(content)
        return mark

    t0 = int(START.timestamp())
    names = [f"b{i:02d}" for i in range(books)]
    chapters: dict[str, list[Chapter]] = {}
    main_tip = commit("refs/heads/main", ("Jointbook", "jointbook@localhost", None), t0, "Create the library",
                      {"library.yml": empty_library_yml("基准图书馆").encode(),
                       f"standards/{STANDARD_ID}.yml": std_text.encode()}, [])
    made = 1
    for b, book in enumerate(names):
        chs = []
        files = {}
        for c in range(chapters_per_book):
            ch = Chapter(f"第{c + 1}章", [rng.choice(leaves)],
                         [f"第{c + 1}章第{j}段：机车检修作业要点与安全注意事项。" for j in range(30)])
            chs.append(ch)
            files[f"books/{book}/chapters/{c:03d}.md"] = ch.text()
        chapters[book] = chs
        nav = ", ".join(f"{c:03d}.md" for c in range(chapters_per_book))
        files[f"books/{book}/book.yml"] = (f"title: 基准教材{b}\nlanguage: zh-CN\nedition: '2024'\n"
                                           f"standards: [{STANDARD_ID}]\nnavigation:\n  - part: 全书\n"
                                           f"    chapters: [{nav}]\n").encode()
        main_tip = commit("refs/heads/main", authors[b % 58], t0 + made * int(step), f"Add book {book}", files,
                          [main_tip])
        made += 1
    releases_every = max(1, (commits - made) // 5)
    release_no = 0
    while made < commits:
        who = authors[rng.randrange(60)]
        book = rng.choice(names)
        c = rng.randrange(chapters_per_book)
        ch = chapters[book][c]
        roll = rng.random()
        if roll < 0.05 and len(ch.refs) < 12:
            ch.refs.append(rng.choice(leaves))
        elif roll < 0.5 or len(ch.body) > 60:
            ch.body[rng.randrange(len(ch.body))] = f"{who[0]}修订：{rng.randrange(10**6)}号作业卡的检查步骤与判定标准。"
        else:
            ch.body.insert(rng.randrange(len(ch.body) + 1), f"{who[0]}补充案例{rng.randrange(10**6)}：现场故障的处理经过。")
        when = t0 + made * int(step)
        files = {f"books/{book}/chapters/{c:03d}.md": ch.text()}
        if made % 20 == 0 and made + 2 <= commits:  # a change request: branch commit, then a merge commit
            side = commit("refs/heads/cr/bench", who, when, f"Revise {book} chapter {c}", files, [main_tip])
            merger = authors[rng.randrange(58)]
            main_tip = commit("refs/heads/main", merger, when + 60, f"Merge change request into {book}", files,
                              [main_tip, side])
            made += 2
            merges += 1
        else:
            main_tip = commit("refs/heads/main", who, when, f"Revise {book} chapter {c}", files, [main_tip])
            made += 1
        if made >= (release_no + 1) * releases_every + books and release_no < 5:
            release_no += 1
            for book_name in names:
                tagger = authors[0]
                out.write(f"tag {book_name}/v{release_no}.0\nfrom :{main_tip}\n".encode())
                out.write(f"tagger {tagger[0]} <{tagger[1]}> {when + 120} {CST}\n".encode())
                data(f"Release {release_no}.0 of {book_name}\n".encode())
    out.write(b"done\n")
    out.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    return {"books": names, "commits": made, "merges": merges, "authors": authors,
            "chapters": books * chapters_per_book, "releases": release_no}


# -- the server's records, in memory ------------------------------------------------------------------
def make_records(books: list[str], chapters_per_book: int, n_crs: int, n_reviews: int, n_feedback: int, seed=11):
    rng = random.Random(seed)
    sides = ["school", "enterprise"]
    span = int(SPAN.total_seconds())
    crs, reviews, feedback = [], [], []
    for n in range(1, n_crs + 1):
        opened = START + timedelta(seconds=rng.randrange(span))
        state = rng.choice(["merged", "merged", "merged", "closed", "open"])
        merged = opened + timedelta(hours=rng.expovariate(1 / 40)) if state == "merged" else None
        crs.append(CRRecord(n, rng.choice(sides), opened, merged, None, state, rng.choice(books)))
    for _ in range(n_reviews):
        cr = crs[rng.randrange(n_crs)]
        reviews.append(ReviewRecord(cr.number, rng.choice(sides), rng.choice(["approve", "approve", "request_changes",
                                                                              "comment"]),
                                    cr.opened_at + timedelta(hours=rng.expovariate(1 / 20))))
    kinds = ["error", "suggestion", "question", "rating", "rating"]
    for _ in range(n_feedback):
        created = START + timedelta(seconds=rng.randrange(span))
        kind = rng.choice(kinds)
        book = rng.choice(books)
        chapter = f"{rng.randrange(chapters_per_book):03d}.md"
        if kind == "rating":
            feedback.append(FeedbackRecord(kind, chapter, created, None, "new", rng.randint(1, 5), None, book))
        else:
            answered = created + timedelta(hours=rng.expovariate(1 / 30)) if rng.random() < 0.7 else None
            feedback.append(FeedbackRecord(kind, chapter, created, answered, "answered" if answered else "new",
                                           None, None, book))
    return crs, reviews, feedback


# -- timing ---------------------------------------------------------------------------------------------
def ms(fn, runs: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), result


def library_dashboard(lib, books, crs, reviews, feedback, since, until):
    return (text_share_by_side(lib, None), commits_by_side(lib, None, since=since, until=until),
            contributors(lib, None, since=since, until=until),
            [coverage_over_releases(lib, b) for b in books],
            review_figures(crs, reviews, since, until), feedback_figures(feedback, since, until))


def book_dashboard(lib, book, crs, reviews, feedback, since, until):
    # The server selects a book's rows in SQL (WHERE book = ?); the figures run over those.
    return (text_share_by_side(lib, book), commits_by_side(lib, book, since=since, until=until),
            contributors(lib, book, since=since, until=until), coverage_over_releases(lib, book),
            review_figures(crs, reviews, since, until), feedback_figures(feedback, since, until))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 books, 400 chapters, 10,000 commits")
    parser.add_argument("--keep", help="build the library in this directory and keep it")
    args = parser.parse_args()
    books_n, chapters_n, commits_n = (4, 100, 10_000) if args.quick else (20, 100, 50_000)
    feedback_n = 20_000 if args.quick else 100_000

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="jb-dashboard-"))
    path = root / "library.git"
    if path.exists():
        print(f"reusing {path}")
        facts = None
    else:
        t = time.perf_counter()
        facts = build_library(path, books_n, chapters_n, commits_n)
        print(f"built {facts['commits']:,} commits ({facts['merges']:,} merges), {facts['chapters']:,} chapters, "
              f"{len(facts['books'])} books × {facts['releases']} releases, 60 authors "
              f"in {time.perf_counter() - t:.1f} s (git fast-import)")
    lib = Library(path)
    books = lib.books()
    crs, reviews, feedback = make_records(books, chapters_n, commits_n // 5, commits_n * 3 // 5, feedback_n)
    print(f"records in memory: {len(crs):,} change requests, {len(reviews):,} reviews, {len(feedback):,} feedback items")
    since, until = period_bounds("year", datetime(2025, 6, 1).date())
    book = books[len(books) // 2]
    book_crs = [c for c in crs if c.book == book]
    numbers = {c.number for c in book_crs}
    book_reviews = [r for r in reviews if r.cr in numbers]
    book_feedback = [f for f in feedback if f.book == book]

    print("\n-- cold (empty caches) --")
    authorship.clear_caches()
    contributions.clear_caches()
    t_blame, _ = ms(lambda: text_share_by_side(lib, None))
    print(f"text share of the whole library (blame of {len(books) * chapters_n:,} chapters): {t_blame:,.0f} ms")
    sample = random.Random(3).sample(sorted(p for p in lib.files("main", "books") if p.endswith(".md")), 12)
    t_git, _ = ms(lambda: [_blame_by_git(lib, lib.resolve("main"), p) for p in sample])
    replay = _replay(lib, lib.resolve("main"))
    agree = sum(_summary_of(replay, replay.files[p]) == _blame_by_git(lib, lib.resolve("main"), p) for p in sample)
    print(f"  (git blame of one chapter, for comparison: {t_git / len(sample):,.0f} ms each; "
          f"replayed blame agrees with git blame on {agree}/{len(sample)} sampled chapters)")
    t_log, _ = ms(lambda: commits_by_side(lib, None))
    print(f"commit history walk (git log --numstat over every commit): {t_log:,.0f} ms")
    t_rel, _ = ms(lambda: [coverage_over_releases(lib, b) for b in books])
    print(f"coverage at every release of every book: {t_rel:,.0f} ms")
    t_content, (sections, items) = ms(lambda: (enterprise_content.contributed_sections(lib, None),
                                              enterprise_content.tagged_items(lib, None)))
    print(f"enterprise sections and standard items of the whole library (who wrote each line from the replay): "
          f"{t_content:,.0f} ms for {len(sections):,} sections and {len(items):,} items; a git blame of every "
          f"chapter instead: about {t_git / len(sample) * len(books) * chapters_n:,.0f} ms "
          f"({t_git / len(sample) * len(books) * chapters_n / max(t_content, 1):,.1f}x)")

    print("\n-- warm --")
    t_lib, figures = ms(lambda: library_dashboard(lib, books, crs, reviews, feedback, since, until), runs=5)
    verdict = "OK" if t_lib <= LIBRARY_TARGET_MS else "OVER"
    print(f"library dashboard: {t_lib:,.0f} ms (target ≤ {LIBRARY_TARGET_MS} ms: {verdict}, "
          f"{t_lib / LIBRARY_TARGET_MS:.2f}× the target)")
    shares = figures[0]
    print("  text share: " + ", ".join(f"{s} {v.percent:.1f}%" for s, v in shares.items()))
    print("  commits by side in 2025: " + ", ".join(f"{s} {n:,}" for s, n in figures[1].items()))
    for label, fn in (("    text share", lambda: text_share_by_side(lib, None)),
                      ("    commits + contributors", lambda: (commits_by_side(lib, None, since=since, until=until),
                                                              contributors(lib, None, since=since, until=until))),
                      ("    coverage over releases", lambda: [coverage_over_releases(lib, b) for b in books]),
                      ("    review figures", lambda: review_figures(crs, reviews, since, until)),
                      ("    feedback figures (100k items)" if not args.quick else "    feedback figures",
                       lambda: feedback_figures(feedback, since, until))):
        print(f"{label}: {ms(fn, runs=3)[0]:,.0f} ms")

    text_share_by_side(lib, book)
    t_book, _ = ms(lambda: book_dashboard(lib, book, book_crs, book_reviews, book_feedback, since, until), runs=5)
    verdict = "OK" if t_book <= BOOK_TARGET_MS else "OVER"
    print(f"per-book dashboard ({book}): {t_book:,.0f} ms (target ≤ {BOOK_TARGET_MS} ms: {verdict}, "
          f"{t_book / BOOK_TARGET_MS:.2f}× the target)")

    print("\n-- fresh after a save (caches move forward, nothing is invalidated) --")
    chapter = f"books/{book}/chapters/007.md"
    text = lib.read_text("main", chapter) + "企业师傅补充：新的现场案例。\n"
    lib.commit("main", [Write(chapter, text)], Author("李师傅", "li@example.com", "enterprise"), "Add a case",
               base=OVERWRITE)
    t_fresh, _ = ms(lambda: book_dashboard(lib, book, book_crs, book_reviews, book_feedback, since, until))
    print(f"per-book dashboard right after a new save: {t_fresh:,.0f} ms "
          f"(reads and replays only the new commit)")
    t_lib_fresh, _ = ms(lambda: library_dashboard(lib, books, crs, reviews, feedback, since, until))
    print(f"library dashboard right after it: {t_lib_fresh:,.0f} ms")
    print(f"cache entries: {authorship.cache_sizes() | contributions.cache_sizes()}")
    print("\nHow the cache stays fresh: every key names immutable Git objects — a chapter's blame by "
          "(path, blob id, last commit that changed it), history walks by the commit they were taken at, "
          "releases by tag object id. A save makes new keys; when main moves from a cached commit only the "
          "new commits are read. Nothing is ever invalidated; old entries age out of small LRUs.")
    lib.close()
    if not args.keep:
        subprocess.run(["rm", "-rf", str(root)])


if __name__ == "__main__":
    main()
