"""Background jobs: a row in the database and a task on the queue (SQLite, or Redis with ``TEST_REDIS_URL``),
claimed by exactly one worker, logged and timed."""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from server.cli import main
from server.database import new_session, utcnow
from server.jobs.leases import WORKER, claim
from server.jobs.models import Job
from server.jobs.queue import HANDLERS, enqueue, job_kind, queue_of, run_pending
from server.jobs.workers import QueueBusy, start_consumer, stop_consumer
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


def _register(kind, handler):
    HANDLERS.pop(kind, None)
    return job_kind(kind)(handler)


def test_a_job_runs_and_keeps_its_log_result_and_duration(app):
    def greet(job):
        job.log(f"hello {job.payload['name']}")
        return {"greeted": job.payload["name"]}

    _register("test.greet", greet)
    with new_session(app) as session:
        job = enqueue(session, "test.greet", {"name": "王老师"})
    assert run_pending(app) == 1
    with new_session(app) as session:
        done = session.get(Job, job.id)
        assert done.status == "succeeded" and done.log == "hello 王老师"
        assert done.result == {"greeted": "王老师"}
        assert done.duration is not None and done.started_at <= done.finished_at


def test_a_failing_job_is_marked_failed_with_the_traceback(app):
    def explode(job):
        raise ValueError("the build broke")

    _register("test.explode", explode)
    with new_session(app) as session:
        job = enqueue(session, "test.explode")
    run_pending(app)
    with new_session(app) as session:
        failed = session.get(Job, job.id)
        assert failed.status == "failed" and "ValueError: the build broke" in failed.log


def test_an_unknown_kind_fails_with_a_clear_log(app):
    with new_session(app) as session:
        job = enqueue(session, "test.nobody-handles-this")
    run_pending(app)
    with new_session(app) as session:
        assert "no handler" in session.get(Job, job.id).log


def test_only_one_claim_wins(app):
    with new_session(app) as session:
        job = enqueue(session, "test.claimed")
    with new_session(app) as first, new_session(app) as second:
        assert claim(first, job.id) is True
        assert claim(second, job.id) is False


def test_same_key_while_queued_is_not_queued_twice(app):
    with new_session(app) as session:
        first = enqueue(session, "test.build", {"book": "a"}, key="a@abc")
        second = enqueue(session, "test.build", {"book": "a"}, key="a@abc")
        assert first.id == second.id


@pytest.fixture
def redis_queue():
    """The settings of an app whose task queue is a queue of its own on the Redis of ``TEST_REDIS_URL``."""
    url = os.environ.get("TEST_REDIS_URL")
    require(bool(url), "TEST_REDIS_URL names no Redis server")
    settings = {"REDIS_URL": url, "QUEUE_NAME": f"jointbook-test-{secrets.token_hex(6)}"}
    yield settings
    from huey import RedisHuey

    RedisHuey(settings["QUEUE_NAME"], url=url).storage.flush_all()


@pytest.fixture(params=["sqlite", "redis"])
def queue_settings(request):
    """The settings of an app whose task queue is SQLite in its instance, or a Redis queue of its own."""
    return request.getfixturevalue("redis_queue") if request.param == "redis" else {}


def test_workers_take_queued_jobs_off_the_queue(make_app, queue_settings):
    app = make_app(**queue_settings)
    ran = threading.Event()
    _register("test.signal", lambda job: {"ran": ran.set() or True})
    start_consumer(app)
    try:
        with new_session(app) as session:
            job = enqueue(session, "test.signal")
        assert ran.wait(30)
        _wait_for(lambda: _job(app, job.id).status == "succeeded", "the job to be recorded as done")
        assert _job(app, job.id).result == {"ran": True} and _job(app, job.id).worker == WORKER
    finally:
        stop_consumer(app)


def test_a_job_whose_task_was_lost_runs_when_workers_start(make_app, queue_settings):
    app = make_app(**queue_settings)
    _register("test.lost", lambda job: {"ran": True})
    with new_session(app) as session:
        job = enqueue(session, "test.lost")
    queue_of(app).huey.flush()  # the queue lost its message (flushed, restarted without persistence)
    assert queue_of(app).huey.pending_count() == 0
    start_consumer(app)
    try:
        _wait_for(lambda: _job(app, job.id).status == "succeeded", "the job to run")
    finally:
        stop_consumer(app)


def test_with_redis_a_worker_on_another_host_runs_the_jobs_this_host_queues(make_app, redis_queue, tmp_path):
    web = make_app(**redis_queue)
    other_host = make_app(**redis_queue, JOINTBOOK_INSTANCE=str(tmp_path / "other-host"))
    _register("test.elsewhere", lambda job: {"ran_in": job.app.config["JOINTBOOK_INSTANCE"]})
    start_consumer(other_host)
    try:
        with new_session(web) as session:
            job = enqueue(session, "test.elsewhere")
        _wait_for(lambda: _job(web, job.id).status == "succeeded", "the other host to run the job")
        assert _job(web, job.id).result == {"ran_in": str(tmp_path / "other-host")}
    finally:
        stop_consumer(other_host)


def test_one_sqlite_queue_has_one_consumer(make_app):
    app = make_app()
    second = make_app()  # another process of the same instance
    start_consumer(app)
    try:
        with pytest.raises(QueueBusy):
            start_consumer(second)
        refused = CliRunner().invoke(main, ["--instance", app.config["JOINTBOOK_INSTANCE"], "worker"],
                                     env={"DATABASE_URL": app.config["DATABASE_URL"],
                                          "LIBRARY_PATH": app.config["LIBRARY_PATH"]})
        assert refused.exit_code == 1 and "REDIS_URL" in refused.output, refused.output
    finally:
        stop_consumer(app)
    start_consumer(second)  # the first one stopped: the queue is free
    stop_consumer(second)


# ------------------------------------------------------------------ leases: a runner that dies loses its job

CHILD = """
import json, pathlib, sys, time
from server.app import create_app
from server.jobs.queue import job_kind, run_pending

app = create_app(json.loads(sys.argv[1]))


@job_kind("test.long")
def long_job(job):
    pathlib.Path(job.payload["started"]).write_text("started")
    time.sleep(600)  # killed long before


run_pending(app, limit=1)
"""


def _job(app, job_id):
    with new_session(app) as session:
        return session.get(Job, job_id)


def _wait_for(condition, what: str, limit: float = 60.0):
    """Wait for something another process or thread does (bounded, never a timing assertion)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def _left_running_by_a_dead_worker(app, job_id, attempts=1):
    """The row a killed process leaves: running, its lease over, nobody renewing it."""
    with new_session(app) as session:
        session.execute(update(Job).where(Job.id == job_id).values(
            status="running", worker="gone-host:4242", attempts=attempts, started_at=utcnow() - timedelta(hours=1),
            lease_until=utcnow() - timedelta(minutes=5)))
        session.commit()


def test_a_job_whose_runner_is_killed_is_run_again_by_another_runner_and_completes(app, tmp_path):
    _register("test.long", lambda job: {"finished_by": WORKER})
    started = tmp_path / "started"
    with new_session(app) as session:
        job = enqueue(session, "test.long", {"started": str(started)})
    settings = {k: app.config[k] for k in ("JOINTBOOK_INSTANCE", "DATABASE_URL", "LIBRARY_PATH", "SECRET_KEY")}
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(settings)])
    try:
        _wait_for(lambda: started.exists() or child.poll() is not None, "the other runner to start the job")
        assert child.poll() is None, "the other runner stopped by itself"
        running = _job(app, job.id)
        assert running.status == "running" and running.worker != WORKER and running.attempts == 1
        assert run_pending(app) == 0  # its lease holds: nobody else takes it
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(30)

    assert _job(app, job.id).status == "running"  # what the killed process left behind
    assert run_pending(app, now=running.lease_until + timedelta(seconds=1)) == 1
    done = _job(app, job.id)
    assert done.status == "succeeded" and done.result == {"finished_by": WORKER} and done.attempts == 2
    assert "the worker stopped while running this job" in done.log


def test_a_job_left_running_by_a_dead_worker_is_retried_after_its_lease_ends(app):
    ran = []
    _register("test.retry", lambda job: ran.append(job.id))
    with new_session(app) as session:
        job = enqueue(session, "test.retry", key="retry-me")
    _left_running_by_a_dead_worker(app, job.id)
    with new_session(app) as session:
        assert enqueue(session, "test.retry", key="retry-me").id == job.id  # it will run again: not queued twice
    assert run_pending(app) == 1 and ran == [job.id]
    done = _job(app, job.id)
    assert done.status == "succeeded" and done.attempts == 2 and done.worker == WORKER
    assert done.log.startswith("the worker stopped while running this job")


def test_after_its_last_attempt_a_dead_workers_job_fails_and_its_key_can_be_queued_again(app):
    ran = []
    _register("test.doomed", lambda job: ran.append(job.id))
    with new_session(app) as session:
        job = enqueue(session, "test.doomed", key="doomed@abc", max_attempts=2)
    _left_running_by_a_dead_worker(app, job.id, attempts=2)
    assert run_pending(app) == 0 and ran == []
    failed = _job(app, job.id)
    assert failed.status == "failed" and failed.finished_at is not None
    assert "the worker stopped while running this job" in failed.log
    with new_session(app) as session:
        again = enqueue(session, "test.doomed", key="doomed@abc")
    assert again.id != job.id
    assert run_pending(app) == 1 and ran == [again.id]


def test_a_dead_workers_job_on_its_last_attempt_does_not_block_its_key(app):
    with new_session(app) as session:
        job = enqueue(session, "test.doomed-key", key="k", max_attempts=1)
    _left_running_by_a_dead_worker(app, job.id, attempts=1)
    with new_session(app) as session:
        again = enqueue(session, "test.doomed-key", key="k")
    assert again.id != job.id and again.status == "queued"
    assert _job(app, job.id).status == "failed"


def test_a_running_job_keeps_its_lease_while_it_runs_longer_than_the_lease(make_app):
    app = make_app(JOB_LEASE_SECONDS=1.0)
    release = threading.Event()
    _register("test.slow", lambda job: {"released": release.wait(60)})
    with new_session(app) as session:
        job = enqueue(session, "test.slow")
    runner = threading.Thread(target=run_pending, args=(app, 1))
    runner.start()
    try:
        _wait_for(lambda: _job(app, job.id).status == "running", "the job to start")
        first_lease = _job(app, job.id).lease_until
        _wait_for(lambda: utcnow() > first_lease + timedelta(seconds=0.1), "the first lease to pass", 30)
        assert _job(app, job.id).lease_until > first_lease  # renewed while it runs
        with new_session(app) as session:
            assert claim(session, job.id) is False  # so no other runner takes it
    finally:
        release.set()
        runner.join(30)
    done = _job(app, job.id)
    assert done.status == "succeeded" and done.result == {"released": True} and done.attempts == 1


def test_a_new_job_cancels_the_queued_jobs_it_supersedes_and_no_others(app):
    ran = []
    _register("test.preview", lambda job: ran.append(job.payload["head"]))
    with new_session(app) as session:
        old = enqueue(session, "test.preview", {"head": "a"}, key="p:1:a", supersedes="p:1:")
        other = enqueue(session, "test.preview", {"head": "x"}, key="p:10:x", supersedes="p:10:")
        new = enqueue(session, "test.preview", {"head": "b"}, key="p:1:b", supersedes="p:1:")
    assert run_pending(app) == 2 and sorted(ran) == ["b", "x"]
    with new_session(app) as session:
        assert session.get(Job, old.id).status == "cancelled"
        assert session.get(Job, old.id).log == f"superseded by job {new.id}"
        assert session.get(Job, other.id).status == "succeeded"


# ------------------------------------------------------------------ workers in processes of their own

WORKER_PROCESS = """
import json, pathlib, sys, time
from server.app import create_app
from server.jobs.queue import job_kind
from server.jobs.workers import run_workers

app = create_app(json.loads(sys.argv[1]))


@job_kind("test.long")
def long_job(job):
    pathlib.Path(job.payload["started"]).write_text("started")
    time.sleep(600)  # stopped long before


run_workers(app)
"""


def _settings(app) -> dict:
    return {k: app.config[k] for k in ("JOINTBOOK_INSTANCE", "DATABASE_URL", "LIBRARY_PATH", "SECRET_KEY")}


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait(30)


def test_a_job_running_when_its_worker_is_stopped_goes_back_to_the_queue_without_waiting_for_its_lease(app, tmp_path):
    _register("test.long", lambda job: {"finished_by": WORKER})
    started = tmp_path / "started"
    with new_session(app) as session:
        job = enqueue(session, "test.long", {"started": str(started)})
    worker = subprocess.Popen([sys.executable, "-c", WORKER_PROCESS,
                               json.dumps({**_settings(app), "JOB_SHUTDOWN_SECONDS": 0.2})])
    try:
        _wait_for(lambda: started.exists() or worker.poll() is not None, "the worker to start the job")
        assert worker.poll() is None, "the worker stopped by itself"
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0  # a clean stop
    finally:
        _stop(worker)
    stopped = _job(app, job.id)
    assert stopped.status == "running" and stopped.lease_until <= utcnow()  # its lease ended with its worker
    assert run_pending(app) == 1  # the clock is not moved: nobody waits for the lease
    done = _job(app, job.id)
    assert done.status == "succeeded" and done.attempts == 2 and done.result == {"finished_by": WORKER}
    assert "the worker stopped while running this job" in done.log


def test_jointbook_worker_runs_the_queued_jobs_until_sigterm(app):
    env = {**os.environ, **{k: str(v) for k, v in _settings(app).items()}, "PYTHONUNBUFFERED": "1"}
    env.pop("REDIS_URL", None)
    worker = subprocess.Popen([sys.executable, "-m", "server.cli", "worker", "--workers", "1"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with new_session(app) as session:
            job = enqueue(session, "notifications.email", {"ids": []})
        _wait_for(lambda: _job(app, job.id).status not in ("queued", "running") or worker.poll() is not None,
                  "the worker to run the job")
        done = _job(app, job.id)
        assert done.status == "succeeded" and done.result == {"sent": 0}, done.log
        assert done.worker != WORKER  # the worker process ran it, not this one
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=60)
        assert worker.returncode == 0, output
        assert "Jobs: 1 worker thread(s) on" in output and "queue.db" in output
    finally:
        _stop(worker)


@pytest.mark.slow
def test_jointbook_serve_runs_the_jobs_itself_one_consumer_for_the_machine_and_stops_on_sigterm(tmp_path):
    instance = tmp_path / "instance"
    env = {**os.environ, "JOINTBOOK_INSTANCE": str(instance), "PYTHONUNBUFFERED": "1"}
    for setting in ("DATABASE_URL", "REDIS_URL", "LIBRARY_PATH"):
        env.pop(setting, None)
    log = tmp_path / "serve.log"
    server = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", "0", "--workers", "2",
                               "--threads", "2", "--no-starter"], cwd=ROOT, env=env, stdout=log.open("w"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(lambda: "Serving on" in log.read_text() or server.poll() is not None, "serve to start")
        _wait_for(lambda: "Jobs:" in log.read_text() or server.poll() is not None, "serve to start its job process")
        assert server.poll() is None, log.read_text()
        from server.app import create_app

        app = create_app({"JOINTBOOK_INSTANCE": str(instance), "DATABASE_URL": f"sqlite:///{instance / 'jointbook.db'}",
                          "RUN_MIGRATIONS": False})
        with new_session(app) as session:
            job = enqueue(session, "notifications.email", {"ids": []})
        _wait_for(lambda: _job(app, job.id).status not in ("queued", "running"), "serve to run the job")
        done = _job(app, job.id)
        assert done.status == "succeeded" and done.worker != WORKER, done.log
        with pytest.raises(QueueBusy):  # serve's consumer holds the machine's queue
            start_consumer(app)
        os.kill(server.pid, signal.SIGTERM)  # the server's process alone, as .ci/run and a shell stop it
        assert server.wait(60) == 0, log.read_text()
        with pytest.raises(ProcessLookupError):  # none of its processes is left
            os.killpg(server.pid, 0)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(30)
