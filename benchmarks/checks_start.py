"""From a push of a new head into a change request to its checks starting, against the real server.

Builds a temporary instance (the starter course, one author with an access
token, one open change request), starts ``jointbook serve`` (its web processes
and its job process, nothing else), then ``--runs`` times commits a changed
chapter to the change request through the API (``POST …/commits``: a new
head) and waits for the checks job of that head to be claimed by a worker.
Prints the time from sending the commit to the job's ``started_at`` (median
and max), the commit's own latency, and how the checks of each head ended.
Between runs it waits ``--pause`` seconds so the machine is quiet again.
Target (issue 11): a check for a pushed head starts within 2 s on a quiet
machine.

With ``--burst`` it also pushes two heads back to back, ``--runs`` times, and
counts the checks of the first head that were cancelled (superseded) rather
than run.

    python3 benchmarks/checks_start.py                 # 10 runs, SQLite queue
    REDIS_URL=redis://127.0.0.1:6379/0 python3 benchmarks/checks_start.py --runs 20
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BOOK = "locomotive-maintenance"
CHAPTER = f"books/{BOOK}/chapters/03-brake-test.md"
CHECKS = "change_request.checks"


def build_instance(instance: Path) -> str:
    """The starter course and an author of it with an API token; the token."""
    from materials import Library
    from server.accounts.models import ApiToken, Membership, User
    from server.app import create_app
    from server.database import engine, new_session

    Library.init(instance / "library.git", starter=True)
    app = create_app({"JOINTBOOK_INSTANCE": str(instance)})
    with new_session(app) as session:
        user = User(username="bench-author", display_name="作者", side="school", password_hash="!")
        session.add(user)
        session.add(Membership(user=user, book=BOOK, role="author"))
        token, secret = ApiToken.issue(user, "bench")
        session.add(token)
        session.commit()
    engine(app).dispose()
    return secret


class Client:
    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.token = token

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else {})


def start_server(instance: Path, port_file: Path, workers: int) -> tuple[subprocess.Popen, int]:
    env = dict(os.environ, JOINTBOOK_INSTANCE=str(instance), PYTHONUNBUFFERED="1")
    server = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", "0", "--workers", str(workers),
                               "--threads", "4"], cwd=ROOT, env=env, stdout=port_file.open("w"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = port_file.read_text()
        if "Serving on http://" in text and "Jobs:" in text and "worker thread" in text:
            port = int(text.split("Serving on http://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
            return server, port
        if server.poll() is not None:
            break
        time.sleep(0.05)
    raise SystemExit(f"jointbook serve did not start:\n{port_file.read_text()}")


def checks_job(app, cr_id: int, head: str):  # -> Job | None
    from sqlalchemy import select

    from server.database import new_session
    from server.jobs.models import Job

    with new_session(app) as session:
        return session.scalar(select(Job).where(Job.kind == CHECKS, Job.key == f"cr-checks:{cr_id}:{head}"))


def wait_for(app, cr_id: int, head: str, what: str, limit: float = 120.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        job = checks_job(app, cr_id, head)
        if job is not None and (job.started_at is not None if what == "started" else
                                job.status not in ("queued", "running")):
            return job
        time.sleep(0.005)
    raise SystemExit(f"the checks of {head[:10]} were not {what} within {limit:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--pause", type=float, default=3.0, help="seconds of quiet between runs")
    parser.add_argument("--workers", type=int, default=2, help="web processes of jointbook serve")
    parser.add_argument("--burst", action="store_true", help="also push two heads back to back")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance")
    args = parser.parse_args()

    from server.app import create_app

    root = Path(tempfile.mkdtemp(prefix="jointbook-checks-"))
    instance = root / "instance"
    instance.mkdir()
    token = build_instance(instance)
    server, port = start_server(instance, root / "serve.log", args.workers)
    app = create_app({"JOINTBOOK_INSTANCE": str(instance), "RUN_MIGRATIONS": False})
    started_after: list[float] = []
    commit_ms: list[float] = []
    outcomes: dict[str, int] = {}
    cancelled = superseded = 0
    try:
        client = Client(port, token)
        status, cr = client.call("POST", f"/api/books/{BOOK}/change-requests", {"title": "测一测检查的启动"})
        assert status == 201, (status, cr)
        number = cr["number"]
        status, detail = client.call("GET", f"/api/books/{BOOK}/change-requests/{number}")
        assert status == 200, detail
        from sqlalchemy import select

        from server.change_requests.models import ChangeRequest
        from server.database import new_session

        with new_session(app) as session:
            cr_id = session.scalar(select(ChangeRequest.id).where(ChangeRequest.book == BOOK,
                                                                  ChangeRequest.number == number))
        head = detail["change_request"]["head"]
        wait_for(app, cr_id, head, "finished")  # the checks of the opening head
        from materials import Library

        lib = Library(instance / "library.git")
        text = lib.read_text(head, CHAPTER)

        def push(n: int) -> tuple[str, float, float]:
            nonlocal head, text
            text += f"\n第 {n} 次修改：补充列车管定压的说明。\n"
            sent_wall, sent = time.time(), time.perf_counter()
            status, saved = client.call("POST", f"/api/books/{BOOK}/change-requests/{number}/commits",
                                        {"files": {CHAPTER: text}, "message": f"修改 {n}", "base": head})
            assert status == 201, (status, saved)
            head = saved["sha"]
            return head, sent_wall, (time.perf_counter() - sent) * 1000

        for n in range(args.runs):
            time.sleep(args.pause)
            pushed, sent_wall, took = push(n)
            job = wait_for(app, cr_id, pushed, "started")
            started_after.append(job.started_at.timestamp() - sent_wall)
            commit_ms.append(took)
            done = wait_for(app, cr_id, pushed, "finished")
            outcomes[done.status] = outcomes.get(done.status, 0) + 1
        for n in range(args.runs if args.burst else 0):
            time.sleep(args.pause)
            first, _, _ = push(1000 + 2 * n)
            second, _, _ = push(1001 + 2 * n)
            wait_for(app, cr_id, second, "finished")
            older = wait_for(app, cr_id, first, "finished")
            superseded += 1
            cancelled += older.status == "cancelled"
    finally:
        os.kill(server.pid, signal.SIGTERM)
        try:
            code = server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            code = "killed after 60 s"

    queue = "Redis" if os.environ.get("REDIS_URL") else "SQLite (instance/queue.db)"
    print(f"jointbook serve: {args.workers} web process(es) + 1 job process, queue {queue}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"push -> checks started, {len(started_after)} runs: median {statistics.median(started_after):.3f} s, "
          f"max {max(started_after):.3f} s (target 2 s)")
    print(f"the push itself (POST …/commits): median {statistics.median(commit_ms):.0f} ms, "
          f"max {max(commit_ms):.0f} ms; checks ended: {outcomes}")
    if args.burst:
        print(f"two heads back to back, {superseded} times: the first head's checks cancelled {cancelled} times "
              f"(the others had started before the second push)")
    print(f"serve stopped on SIGTERM with exit code {code}")
    if args.keep:
        print(f"instance kept at {instance}")
    else:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
