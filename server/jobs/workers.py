"""Who takes the tasks off the queue: huey's consumer, as threads of a process.

``jointbook serve`` runs one such process beside its web processes, so one
machine needs no extra command; ``jointbook worker`` runs one alone, on another
host that shares the database, the library, the sites and a Redis queue. Tests
and benchmarks run one inside their own process (``START_JOB_RUNNER``).

One consumer per SQLite queue: it holds an exclusive lock on
``instance/queue.lock`` while it runs. Its worker threads poll the file
(every ``JOB_POLL_SECONDS`` at most when idle), and consumers of several
processes would only contend for it; no other host can reach the file anyway.
With Redis, any number of consumers share the queue, each blocking on it.

Stopping (SIGTERM): the jobs running are given ``JOB_SHUTDOWN_SECONDS`` to
finish; the lease of any still running ends at once, so the next sweep gives
it to another worker (or to this one when it starts again) instead of waiting
a whole lease.
"""
from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
import time
from datetime import timedelta
from typing import IO, Callable

from flask import Flask
from huey.consumer import Consumer

from server.jobs.queue import queue_file, queue_of, recover

log = logging.getLogger(__name__)
WORKERS_EXTENSION = "jointbook.workers"
HEALTH_SECONDS = 10.0  # how often a dead worker thread is replaced


class QueueBusy(RuntimeError):
    """Another consumer already serves this SQLite queue."""


class QueueConsumer(Consumer):
    """Huey's consumer without huey's signal handlers: the process it runs in decides when it stops
    (``serve`` stops its children itself, pytest owns its signals). Huey's handlers would also
    re-execute the command line on SIGHUP, which in a child of ``serve`` is the whole server."""

    def _set_signal_handlers(self) -> None:
        pass


class _QueueLock:
    """The exclusive lock of a SQLite queue (an ``flock``, released if the process dies)."""

    def __init__(self, app: Flask):
        self.path = queue_file(app).with_suffix(".lock")
        self.handle: IO[str] | None = None

    def acquire(self) -> bool:
        handle = open(self.path, "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()  # closing the file releases the lock
            self.handle = None


class Workers:
    """A running consumer of one application's queue."""

    def __init__(self, app: Flask, consumer: QueueConsumer, lock: _QueueLock | None):
        self.app, self.consumer, self.lock = app, consumer, lock

    def stop(self) -> None:
        """Let the running jobs finish (within the shutdown time), end the leases of the others."""
        self.consumer.stop(graceful=True)
        self.consumer.huey.notify_interrupted_tasks()
        if self.lock is not None:
            self.lock.release()


def _consumer(app: Flask, workers: int | None) -> QueueConsumer:
    poll = float(app.config["JOB_POLL_SECONDS"])
    return QueueConsumer(
        queue_of(app).huey, workers=max(1, workers or int(app.config["JOB_WORKERS"])), worker_type="thread",
        periodic=True,  # the sweep, every minute
        initial_delay=min(0.1, poll), backoff=1.15, max_delay=poll,  # an idle SQLite queue is read every `poll` s
        check_worker_health=True, shutdown_timeout=float(app.config["JOB_SHUTDOWN_SECONDS"]),
    )


def _lock_for(app: Flask) -> _QueueLock | None:
    return None if app.config.get("REDIS_URL") else _QueueLock(app)


def _start(app: Flask, workers: int | None, lock: _QueueLock | None) -> Workers:
    recover(app, waiting=timedelta(0))  # whatever queue held the waiting jobs before may be gone
    consumer = _consumer(app, workers)
    consumer.start()
    return Workers(app, consumer, lock)


def start_consumer(app: Flask, workers: int | None = None) -> Workers:
    """Workers as threads of this process (tests, benchmarks); ``QueueBusy`` if another consumer holds
    the SQLite queue. ``stop_consumer`` stops them."""
    lock = _lock_for(app)
    if lock is not None and not lock.acquire():
        raise QueueBusy(f"another consumer already serves {queue_of(app).storage}")
    running = _start(app, workers, lock)
    app.extensions[WORKERS_EXTENSION] = running
    return running


def stop_consumer(app: Flask) -> None:
    running = app.extensions.pop(WORKERS_EXTENSION, None)
    if running is not None:
        running.stop()


def run_workers(app: Flask, workers: int | None = None, *, interrupt: bool = True, wait_for_queue: bool = False,
                announce: Callable[[str], None] = log.info) -> None:
    """Run the workers of ``app`` until SIGTERM (or SIGINT, with ``interrupt``), in this process's main thread.

    A SQLite queue already served by another process: ``QueueBusy``, or with ``wait_for_queue`` wait
    for it to stop (``serve``'s worker process, when a ``jointbook worker`` was there first)."""
    storage = queue_of(app).storage
    lock = _lock_for(app)
    busy = lock is not None and not lock.acquire()
    if busy and not wait_for_queue:
        raise QueueBusy(f"another consumer already serves {storage}")
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, (lambda *_: stopping.set()) if interrupt else signal.SIG_IGN)
    if busy:
        announce(f"Jobs: waiting for the consumer already serving {storage} to stop")
        while not lock.acquire():
            if stopping.wait(1.0):
                return
    running = _start(app, workers, lock)
    announce(f"Jobs: {running.consumer.workers} worker thread(s) on {storage} (process {os.getpid()})")
    try:
        checked = time.monotonic()
        while not stopping.wait(1.0):
            if time.monotonic() - checked >= HEALTH_SECONDS:
                running.consumer.check_worker_health()
                checked = time.monotonic()
    finally:
        running.stop()
