"""How long a big change request takes to evaluate: diff, checks, policy, comments.

A book of 60 chapters aligned to a 300-item standard; a change request that
touches 50 chapters (2,000 changed lines, and a few front-matter edits that
lower coverage). Times, with the library's object cache cold and then warm:

* the diff against the merge base (git's unified text parsed into files,
  hunks and lines),
* the front-matter and alignment checks (alignment compares with the base),
* the policy verdict over 40 reviews,
* re-anchoring 200 inline comments onto the new head.

Then the pages themselves, through the Flask test client of a real app
(SQLite, the same library, 200 inline comments): the change request page
(conversation, verdict, checks, standard items) and its files page (the
side-by-side Markdown diff plus the rendered-text diff), cold and warm.

    python3 benchmarks/review_cr.py
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from materials import OVERWRITE, Author, Library, Write  # noqa: E402
from review.anchors import Anchor, reanchor  # noqa: E402
from review.checks import run_checks  # noqa: E402
from review.policy import CRFacts, Review, ReviewPolicy, evaluate  # noqa: E402
from review.workflow import commit_to, open_change_request  # noqa: E402

TARGET_MS = 400.0
RUNS = 7
BOOK = "big"
STD = "bench-std@2026"
CHAPTERS = 60
TOUCHED = 50
LINES_PER_CHAPTER = 120
CHANGED_PER_CHAPTER = 40  # 50 x 40 = 2,000 changed lines

EDITOR = Author("主编", "editor@example.edu.cn", "school")
TEACHER = Author("王老师", "wang@example.edu.cn", "school")


def standard_yml() -> str:
    items = []
    for lv in ("L5", "L4", "L3"):
        for f in range(1, 6):
            items.append(f"  - {{key: {lv}.F.{f}, code: '{f}', kind: F, level: {lv}, parent: null, text: 功能{f}}}")
            for c in range(1, 5):
                items.append(f"  - {{key: {lv}.C.{f}.{c}, code: '{f}.{c}', kind: C, level: {lv}, "
                             f"parent: {lv}.F.{f}, text: 内容{c}}}")
                for k in ("S", "K"):
                    for n in range(1, 3):
                        items.append(f"  - {{key: {lv}.{k}.{f}.{c}.{n}, code: '{f}.{c}.{n}', kind: {k}, "
                                     f"level: {lv}, parent: {lv}.C.{f}.{c}, text: 要求{n}}}")
    return f"""id: {STD}
scheme: custom
code: BENCH
title: 基准标准
edition: "2026"
status: current
supersedes: []
issuer: bench
source_url: ""
language: zh-CN
levels:
  - {{key: L5, label: 五级, cumulative: true}}
  - {{key: L4, label: 四级, cumulative: true}}
  - {{key: L3, label: 三级, cumulative: true}}
kinds: {{F: 职业功能, C: 工作内容, S: 技能要求, K: 相关知识要求}}
items:
""" + "\n".join(items) + "\nweights: []\n"


def refs_for(i: int) -> list[str]:
    lv = ("L5", "L4", "L3")[i % 3]
    f, c = i % 5 + 1, i % 4 + 1
    return [f"{lv}.S.{f}.{c}.1", f"{lv}.S.{f}.{c}.2", f"{lv}.K.{f}.{c}.1"]


def chapter_text(i: int, refs: list[str], edited: bool = False) -> str:
    lines = []
    for n in range(1, LINES_PER_CHAPTER + 1):
        changed = edited and 20 <= n < 20 + CHANGED_PER_CHAPTER
        lines.append(f"第 {i} 章第 {n} 行：{'修订后的' if changed else ''}检修作业要点与安全注意事项。")
    return f"---\ntitle: 第 {i} 章\nstandards: [{', '.join(refs)}]\n---\n" + "\n".join(lines) + "\n"


def make_library(path: Path) -> Library:
    lib = Library.init(path, starter=False)
    names = [f"{i:02d}-chapter.md" for i in range(1, CHAPTERS + 1)]
    nav = "navigation:\n  - part: 全书\n    chapters: [" + ", ".join(names) + "]\n"
    files = [Write(f"standards/{STD}.yml", standard_yml()),
             Write(f"books/{BOOK}/book.yml", f"title: 基准教材\nstandards: [{STD}]\n{nav}")]
    files += [Write(f"books/{BOOK}/chapters/{n}", chapter_text(i, refs_for(i))) for i, n in enumerate(names, 1)]
    lib.commit("main", files, EDITOR, "Add the book", base=OVERWRITE)
    return lib


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return (time.perf_counter() - start) * 1000.0, value


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        lib = make_library(Path(tmp) / "library.git")
        cr = open_change_request(lib, number=1, book=BOOK, title="全书修订", author="wang", author_side="school")
        changes = []
        for i in range(1, TOUCHED + 1):
            refs = refs_for(i)[:2] if i % 10 == 0 else refs_for(i)  # five chapters drop an item
            changes.append(Write(f"books/{BOOK}/chapters/{i:02d}-chapter.md", chapter_text(i, refs, edited=True)))
        cr, _ = commit_to(lib, cr, changes, TEACHER, "Revise 50 chapters")
        base = lib.merge_base("main", cr.head)
        lib.close()

        t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
        reviews = [Review(f"r{n}", ("school", "enterprise")[n % 2], False,
                          ("approve", "comment", "request_changes", "approve")[n % 4], cr.head,
                          t0 + timedelta(minutes=n)) for n in range(40)]
        policy = ReviewPolicy()
        old_text = lib.read(base, f"books/{BOOK}/chapters/01-chapter.md").decode()
        old_lines = old_text.splitlines()
        anchors = [Anchor(f"books/{BOOK}/chapters/{(n % TOUCHED) + 1:02d}-chapter.md", 5 + n % 100,
                          "", base) for n in range(200)]

        def page_work():
            results = {}
            lib2 = Library(lib.path)  # a fresh handle per request, as the server would hold
            ms, diff = timed(lambda: lib2.diff(base, cr.head))
            results["diff"] = ms
            ms, checks = timed(lambda: run_checks(lib2, BOOK, cr.head, base, names=["front-matter", "alignment"]))
            results["checks"] = ms
            ms, _ = timed(lambda: evaluate(policy, CRFacts("wang", "school", cr.head), reviews, checks, []))
            results["policy"] = ms

            def follow_comments():
                texts: dict[str, tuple[str, str]] = {}
                for a in anchors:
                    if a.path not in texts:
                        texts[a.path] = (lib2.read(base, a.path).decode(), lib2.read(cr.head, a.path).decode())
                    old, new = texts[a.path]
                    anchor = Anchor(a.path, a.line, old.splitlines()[a.line - 1], base)
                    reanchor(anchor, old, new)
            ms, _ = timed(follow_comments)
            results["anchors"] = ms
            lib2.close()
            return results, diff, checks

        cold, diff, checks = page_work()
        warm_runs = [page_work()[0] for _ in range(RUNS)]

    changed = sum(f.added for f in diff.files)
    print(f"change request: {len(diff.files)} files, {changed} changed lines (+{changed} / -"
          f"{sum(f.removed for f in diff.files)}); checks: "
          + ", ".join(f"{c.name}={c.status} ({len(c.findings)} findings)" for c in checks))
    print(f"{'part':<10}{'cold ms':>10}{'warm ms (median)':>20}")
    for part in ("diff", "checks", "policy", "anchors"):
        print(f"{part:<10}{cold[part]:>10.1f}{statistics.median(r[part] for r in warm_runs):>20.1f}")
    total_cold = sum(cold.values())
    total_warm = statistics.median(sum(r.values()) for r in warm_runs)
    print(f"{'total':<10}{total_cold:>10.1f}{total_warm:>20.1f}")
    print(f"target {TARGET_MS:.0f} ms for the page (warm); review/ part uses {total_warm / TARGET_MS:.0%} of it")
    del old_lines


def page_benchmark() -> None:
    """Render the change request page and its files page through the Flask test client."""
    from werkzeug.security import generate_password_hash

    from server.app import create_app
    from server.change_requests.comments import add_comment
    from server.change_requests.commits import commit_to_cr
    from server.change_requests.lifecycle import open_cr
    from server.database import db, new_session
    from server.jobs.queue import run_pending
    from server.accounts.models import Membership, User

    with tempfile.TemporaryDirectory() as tmp:
        make_library(Path(tmp) / "library.git").close()
        app = create_app({"JOINTBOOK_INSTANCE": str(Path(tmp) / "instance"), "SECRET_KEY": "bench",
                          "LIBRARY_PATH": str(Path(tmp) / "library.git"), "TESTING": True,
                          "DATABASE_URL": f"sqlite:///{tmp}/bench.db"})
        password = "bench password 123"
        with new_session(app) as session:
            for name, side, role in (("wang", "school", "author"), ("chen", "enterprise", "reviewer")):
                user = User(username=name, display_name=name, side=side, is_admin=False, active=True,
                            password_hash=generate_password_hash(password, method="scrypt:1024:8:1"))
                session.add(user)
                session.add(Membership(user=user, book=BOOK, role=role))
            session.commit()
        with app.test_request_context():
            wang = db().query(User).filter_by(username="wang").one()
            chen = db().query(User).filter_by(username="chen").one()
            row = open_cr(wang, BOOK, "全书修订")
            changes = []
            for i in range(1, TOUCHED + 1):
                refs = refs_for(i)[:2] if i % 10 == 0 else refs_for(i)
                changes.append(Write(f"books/{BOOK}/chapters/{i:02d}-chapter.md", chapter_text(i, refs, edited=True)))
            commit_to_cr(wang, row, changes, "Revise 50 chapters")
            for n in range(200):
                add_comment(chen, row, f"意见 {n}", path=f"books/{BOOK}/chapters/{(n % TOUCHED) + 1:02d}-chapter.md",
                            line=5 + n % 100, notify_people=False)
            db().commit()
            number = row.number
        run_pending(app)
        client = app.test_client()
        token = client.get("/login").get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"username": "chen", "password": password, "csrf_token": token})
        results = {}
        for name, url in (("page", f"/books/{BOOK}/change-requests/{number}"),
                          ("files", f"/books/{BOOK}/change-requests/{number}/files")):
            cold, _ = timed(lambda: client.get(url))
            runs = []
            for _ in range(RUNS):
                ms, response = timed(lambda: client.get(url))
                assert response.status_code == 200, response.status_code
                runs.append(ms)
            results[name] = (cold, statistics.median(runs), len(response.data))
    print(f"\n{'page (Flask test client)':<28}{'cold ms':>10}{'warm ms (median)':>20}{'KiB':>8}")
    for name, (cold, warm, size) in results.items():
        print(f"{name:<28}{cold:>10.1f}{warm:>20.1f}{size / 1024:>8.0f}   {warm / TARGET_MS:.0%} of the {TARGET_MS:.0f} ms target")


if __name__ == "__main__":
    main()
    page_benchmark()
