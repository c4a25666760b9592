"""Many writers at once: every acknowledged save is kept, every conflict is reported."""
from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import threading
import time

import pytest

from materials import OVERWRITE, Author, EditConflict, GitCommand, Library, Write

from .conftest import fsck

pytestmark = pytest.mark.slow
SHARED = "books/loco/chapters/shared.md"


def _writer(path: str, worker: str, seconds: float, results) -> None:
    """Save to my own chapter and, now and then, to a shared one from a stale base."""
    lib = Library(path)
    me = Author(f"作者{worker}", f"{worker}@example.com", "school" if hash(worker) % 2 else "enterprise")
    acked, conflicts = [], 0
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        base = lib.resolve("main")
        if n % 4 == 0:
            try:
                lib.commit("main", [Write(SHARED, f"{worker} {n}\n")], me, f"shared {n}", base=base)
            except EditConflict:
                conflicts += 1
            continue
        content = f"---\ntitle: {worker}\n---\nsave {n}\n"
        saved = lib.commit("main", [Write(f"books/loco/chapters/{worker}.md", content)], me, f"{worker} {n}", base=base)
        acked.append((saved.sha, content))
    results.put((worker, acked, conflicts))


def _thread_writers(path: str, proc: int, seconds: float, results) -> None:
    threads = [threading.Thread(target=_writer, args=(path, f"p{proc}t{t}", seconds, results)) for t in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_processes_and_threads_saving_to_one_branch_lose_nothing(lib):
    lib.commit("main", [Write(SHARED, "start\n")], Author("x", "x@example.com", "school"), "shared", base=OVERWRITE)
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_thread_writers, args=(str(lib.path), p, 3.0, results)) for p in range(3)]
    for p in procs:
        p.start()
    reports = [results.get(timeout=120) for _ in range(6)]
    for p in procs:
        p.join(timeout=60)
    history = set(lib.git(GitCommand("rev-list").value("main")).split())
    total = 0
    for worker, acked, _conflicts in reports:
        total += len(acked)
        assert all(sha in history for sha, _ in acked), f"{worker} lost an acknowledged save"
        if acked:
            assert lib.read_text("main", f"books/loco/chapters/{worker}.md") == acked[-1][1]
    assert total > 20
    result = fsck(lib)
    assert result.returncode == 0, result.stdout + result.stderr


def _crashing_writer(path: str, ack_path: str) -> None:
    lib = Library(path)
    me = Author("崩溃测试", "crash@example.com", "school")
    n = 0
    with open(ack_path, "a") as acks:
        while True:
            n += 1
            saved = lib.commit("main", [Write(f"books/loco/chapters/c{n % 7}.md", f"---\ntitle: c\n---\n{n}\n"),
                                        Write(f"books/loco/assets/b{n % 3}.bin", os.urandom(2048))],
                               me, f"save {n}", base=OVERWRITE)
            acks.write(saved.sha + "\n")
            acks.flush()


def _wait_for_git_left_running(library_path, seconds: float = 60) -> None:
    """Wait until no git started by the killed writer still runs on the library.

    Git runs in a session of its own, so a background repack outlives its writer and goes on
    deleting the loose objects it has packed; an fsck beside it would see files vanish as it
    reads them. A crashed server leaves the same repack to finish, so the test waits for it."""
    marker = os.path.abspath(library_path).encode()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        running = False
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/cmdline", "rb") as f:
                        argv = f.read().split(b"\0")
                except OSError:
                    continue
                running = running or (os.path.basename(argv[0]) == b"git" and marker in argv)
        if not running:
            return
        time.sleep(0.05)
    raise AssertionError("a git process on the library still runs a minute after its writer was killed")


def test_a_writer_killed_at_random_moments_leaves_a_sound_library(lib, tmp_path):
    ctx = mp.get_context("spawn")
    ack_path = tmp_path / "acks.txt"
    rng = random.Random(20261123)
    for _ in range(6):
        seen = len(ack_path.read_text().split()) if ack_path.exists() else 0
        proc = ctx.Process(target=_crashing_writer, args=(str(lib.path), str(ack_path)))
        proc.start()
        # Kill only once this writer is saving: a busy machine may take seconds to start it.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not ack_path.exists() or len(ack_path.read_text().split()) <= seen):
            time.sleep(0.02)
        time.sleep(rng.random() * 0.5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        _wait_for_git_left_running(lib.path)
        result = fsck(lib)
        assert result.returncode == 0, result.stdout + result.stderr
        head = lib.resolve("main")
        assert lib.objects.commit(head).tree  # the ref points to a complete commit
        lib.read("main", "books/loco/book.yml")
    acked = ack_path.read_text().split()
    assert acked, "the writer never got to save"
    history = set(lib.git(GitCommand("rev-list").value("main")).split())
    assert set(acked) <= history
