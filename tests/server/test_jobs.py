"""Background jobs: queued in the database, claimed by exactly one runner, logged and timed."""
from __future__ import annotations

import threading

from server.database import new_session
from server.jobs import HANDLERS, JobRunner, claim, enqueue, job_kind, run_pending
from server.models import Job


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


def test_runner_thread_picks_up_queued_jobs(app):
    ran = threading.Event()
    _register("test.signal", lambda job: ran.set())
    runner = JobRunner(app, poll_seconds=0.05)
    runner.start()
    try:
        with new_session(app) as session:
            enqueue(session, "test.signal")
        assert ran.wait(10)
    finally:
        runner.stop()
        runner.join(5)
