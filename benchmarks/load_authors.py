"""50 authors writing at once: open a chapter, preview it, save it — against the real server.

Builds a temporary instance whose library holds the starter course plus a
300-chapter book, gives 50 authors a membership and an access token, starts
``jointbook serve`` (waitress, ``--workers`` processes × ``--threads``
threads), and drives the authors from threads for ``--seconds`` (60). Each
author loops: GET the chapter (with its base), POST a preview of the edited
text, PUT the save against that base, pausing ``--think`` seconds (on
average) before each request as a person does. Prints requests per second, p50/p95/p99
of open, preview and save, the errors, the machine's load average, and checks
that every acknowledged save is in Git afterwards (its commit holds the author's words and is on the
author's branch). Targets (issue 3): save p95 ≤ 150 ms, preview p95 ≤ 100 ms,
no errors, no lost save.

    python3 benchmarks/load_authors.py              # 60 s
    python3 benchmarks/load_authors.py --seconds 15 --authors 20
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BOOK = "load-test"
STANDARD = "sample-noss-locomotive-maintenance@2026"


def chapter_text(n: int) -> str:
    refs = ["L4.S.2.1.1", "L5.K.2.1.1"] if n % 2 else ["L3.K.2.2.1"]
    paragraphs = "\n\n".join(
        f"第 {p + 1} 段：机车第 {n} 章的作业要求，检查项目、工具与限度，按规定记录并报告异常。" * 3 for p in range(12))
    return (f"---\ntitle: 第 {n} 章 检修作业\nstandards: [{', '.join(refs)}]\nobjectives:\n  - 能完成第 {n} 章的作业\n"
            f"hours: 2\n---\n\n## 学习导入\n\n{paragraphs}\n\n!!! tip \"提示\"\n    注意安全。\n\n"
            f"| 项目 | 限度 |\n|---|---|\n| 闸瓦厚度 | ≥ 15 mm |\n\n$F = ma$\n")


def build_instance(instance: Path, authors: int, chapters: int) -> dict[str, str]:
    """Library (starter + a ``chapters``-chapter book) and ``authors`` accounts with tokens."""
    from materials import OVERWRITE, Author, Library, Write
    from server.app import create_app
    from server.database import engine, new_session
    from server.accounts.models import ApiToken, Membership, User

    lib = Library.init(instance / "library.git", starter=True)
    files = {f"books/{BOOK}/chapters/{n:03d}.md": chapter_text(n) for n in range(chapters)}
    per_part = chapters // 3
    nav = "".join(f"  - part: 第{p + 1}篇\n    chapters: [{', '.join(f'{n:03d}.md' for n in range(p * per_part, chapters if p == 2 else (p + 1) * per_part))}]\n"
                  for p in range(3))
    files[f"books/{BOOK}/book.yml"] = (f"title: 负载测试教材\nlanguage: zh-CN\nedition: \"1\"\nstandards: [{STANDARD}]\n"
                                       f"navigation:\n{nav}")
    lib.commit("main", [Write(p, d) for p, d in files.items()], Author("Bench", "bench@example.org", "school"),
               "Add the load-test book", base=OVERWRITE)
    app = create_app({"JOINTBOOK_INSTANCE": str(instance)})
    tokens = {}
    with new_session(app) as session:
        for i in range(authors):
            user = User(username=f"author{i:02d}", display_name=f"作者 {i}", side="school" if i % 2 else "enterprise",
                        password_hash="!")
            session.add(user)
            session.add(Membership(user=user, book=BOOK, role="author"))
            token, secret = ApiToken.issue(user, "load")
            session.add(token)
            tokens[user.username] = secret
        session.commit()
    engine(app).dispose()
    return tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Author(threading.Thread):
    def __init__(self, name: str, token: str, port: int, deadline: float, chapters: int, seed: int, think: float):
        super().__init__(daemon=True)
        self.think = think
        self.name_, self.token, self.port, self.deadline = name, token, port, deadline
        self.rng = random.Random(seed)
        self.chapters = chapters
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.acknowledged: list[tuple[str, str, str]] = []  # (chapter, sha, marker)
        self.count = 0

    def call(self, conn, method: str, path: str, body=None) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        self.count += 1
        return response.status, (json.loads(raw) if raw else {})

    def pause(self) -> None:
        """A person reads and types between requests (``--think`` seconds on average, 0 = flat out)."""
        if self.think:
            time.sleep(self.rng.uniform(0.5, 1.5) * self.think)

    def timed(self, kind: str, conn, method: str, path: str, body=None):
        self.pause()
        start = time.perf_counter()
        status, data = self.call(conn, method, path, body)
        self.timings[kind].append((time.perf_counter() - start) * 1000)
        if status >= 400:
            self.errors.append(f"{kind} {status} {data.get('error', {}).get('code')}")
        return status, data

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        n = 0
        while time.time() < self.deadline:
            chapter = f"{self.rng.randrange(self.chapters):03d}.md"
            url = f"/api/books/{BOOK}/chapters/{chapter}"
            try:
                status, opened = self.timed("open", conn, "GET", url)
                if status != 200:
                    continue
                n += 1
                marker = f"{self.name_} 的第 {n} 次修改。"
                body = opened["body"] + f"\n{marker}\n"
                self.timed("preview", conn, "POST", f"/api/books/{BOOK}/preview", {"text": body})
                status, saved = self.timed("save", conn, "PUT", url, {
                    "base": opened["base"], "front_matter": opened["front_matter"], "body": body, "message": marker})
                if status == 200:
                    self.acknowledged.append((chapter, saved["sha"], marker))
            except (OSError, http.client.HTTPException, ValueError) as error:
                self.errors.append(f"connection {type(error).__name__}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.close()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--authors", type=int, default=50)
    parser.add_argument("--chapters", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds an author pauses before each request (0: no pause, saturates the server)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="jointbook-load-")) / "instance"
    instance.mkdir(parents=True)
    tokens = build_instance(instance, args.authors, args.chapters)
    port = free_port()
    env = dict(os.environ, JOINTBOOK_INSTANCE=str(instance), LOGIN_FAILURES_PER_ADDRESS="10000 per minute")
    server = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port),
                               "--workers", str(args.workers), "--threads", str(args.threads)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        time.sleep(1.0)  # let every worker process come up
        load_before = os.getloadavg()[0]
        deadline = time.time() + args.seconds
        authors = [Author(name, token, port, deadline, args.chapters, seed=i, think=args.think)
                   for i, (name, token) in enumerate(sorted(tokens.items()))]
        started = time.time()
        for author in authors:
            author.start()
        for author in authors:
            author.join()
        elapsed = time.time() - started
        load_after = os.getloadavg()[0]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)

    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for author in authors:
        for kind, values in author.timings.items():
            timings[kind].extend(values)
        for error in author.errors:
            errors[error] += 1
    total = sum(a.count for a in authors)
    print(f"{args.authors} authors, {args.chapters + 7} chapters, {args.workers} workers × {args.threads} threads, "
          f"{elapsed:.1f} s on {os.cpu_count()} cores, think time {args.think:g} s")
    print(f"machine load average (1 min): {load_before:.1f} at the start, {load_after:.1f} at the end "
          f"(a shared machine: compare runs at similar load)")
    print(f"requests: {total:,}  ({total / elapsed:,.1f} requests/s)")
    for kind in ("open", "preview", "save"):
        v = timings[kind]
        print(f"  {kind:<8} n={len(v):>6,}  p50 {percentile(v, 50):7.1f} ms  p95 {percentile(v, 95):7.1f} ms  "
              f"p99 {percentile(v, 99):7.1f} ms  mean {statistics.fmean(v) if v else float('nan'):7.1f} ms")
    print(f"errors: {sum(errors.values())}" + ("".join(f"\n  {k}: {n}" for k, n in sorted(errors.items()))))
    print(f"targets: save p95 ≤ 150 ms ({percentile(timings['save'], 95) / 150:.2f}× target), "
          f"preview p95 ≤ 100 ms ({percentile(timings['preview'], 95) / 100:.2f}× target)")

    from materials import Library

    lib = Library(instance / "library.git")
    lost = 0
    acknowledged = 0
    for author in authors:
        branch = f"drafts/{author.name_}/{BOOK}"
        head = lib.branch_head(branch)
        for chapter, sha, marker in author.acknowledged:
            acknowledged += 1
            path = f"books/{BOOK}/chapters/{chapter}"
            if head is None or not lib.is_ancestor(sha, head) or marker not in lib.read_text(sha, path) \
                    or marker not in lib.read_text(head, path):
                lost += 1
    print(f"acknowledged saves: {acknowledged:,}; in Git afterwards: {acknowledged - lost:,}; lost: {lost}")
    if args.keep:
        print(f"instance kept at {instance}")
    else:
        shutil.rmtree(instance.parent, ignore_errors=True)
    sys.exit(1 if lost or errors else 0)


if __name__ == "__main__":
    main()
