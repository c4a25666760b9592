"""What one author's request costs inside the process: open, preview, save.

The load benchmark (``load_authors.py``) measures the whole server and so
depends on how busy the machine is; this one measures the application alone,
single-threaded through Flask's test client, against the same 300-chapter
library, and is stable enough to compare before and after a change. Prints the
median (and p90) milliseconds of each request over ``--rounds`` rounds, wall
clock and the thread's CPU time (which a busy machine disturbs less), the SQL
statements each request runs (which it does not disturb at all), and with
``--profile KIND`` the cProfile of that request kind.

    python3 benchmarks/author_request_costs.py
    python3 benchmarks/author_request_costs.py --rounds 200 --profile save
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from load_authors import BOOK, build_instance  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--chapters", type=int, default=300)
    parser.add_argument("--profile", choices=["open", "preview", "save"], default=None)
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="jointbook-costs-")) / "instance"
    instance.mkdir(parents=True)
    try:
        tokens = build_instance(instance, 1, args.chapters)
        from server.app import create_app

        app = create_app({"JOINTBOOK_INSTANCE": str(instance)})
        client = app.test_client()
        from sqlalchemy import event

        from server.database import engine

        statements = [0]

        @event.listens_for(engine(app), "before_cursor_execute")
        def _count(*_args):
            statements[0] += 1

        queries: dict[str, list[int]] = {"open": [], "preview": [], "save": []}
        (name, token), = tokens.items()
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        rng = random.Random(1)
        timings: dict[str, list[float]] = {"open": [], "preview": [], "save": []}
        cpu: dict[str, list[float]] = {"open": [], "preview": [], "save": []}
        profiler = cProfile.Profile() if args.profile else None

        def timed(kind: str, call):
            if profiler and kind == args.profile:
                profiler.enable()
            start, start_cpu, before = time.perf_counter(), time.thread_time(), statements[0]
            response = call()
            elapsed = (time.perf_counter() - start) * 1000
            queries[kind].append(statements[0] - before)
            cpu[kind].append((time.thread_time() - start_cpu) * 1000)
            if profiler and kind == args.profile:
                profiler.disable()
            assert response.status_code == 200, (kind, response.status_code, response.get_data(as_text=True)[:300])
            timings[kind].append(elapsed)
            return response.get_json()

        for n in range(args.rounds + 5):
            url = f"/api/books/{BOOK}/chapters/{rng.randrange(args.chapters):03d}.md"
            opened = timed("open", lambda: client.get(url, headers=headers))
            body = opened["body"] + f"\n{name} 的第 {n} 次修改。\n"
            timed("preview", lambda: client.post(f"/api/books/{BOOK}/preview", json={"text": body}, headers=headers))
            timed("save", lambda: client.put(url, headers=headers, json={
                "base": opened["base"], "front_matter": opened["front_matter"], "body": body, "message": "edit"}))
            if n == 4:  # the first rounds warm caches and per-thread converters
                for values in (*timings.values(), *cpu.values(), *queries.values()):
                    values.clear()
        for kind, values in timings.items():
            values.sort()
            print(f"{kind:<8} median {statistics.median(values):6.1f} ms   p90 {values[int(0.9 * (len(values) - 1))]:6.1f} ms"
                  f"   CPU median {statistics.median(cpu[kind]):6.1f} ms   SQL {statistics.median(queries[kind]):g}"
                  f"   (n={len(values)})")
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
    finally:
        shutil.rmtree(instance.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
