"""The job journal: queued jobs survive a killed consumer, run once, and are given up on visibly.

A real SqliteHuey is driven by hand here as a consumer would drive it (take a
message, run it); "a consumer dies" is a message taken and never finished.
"""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.access.models import Role
from core.db import utcnow
from core.jobs import (
    Durability,
    FailureReason,
    JobFailure,
    JobQueue,
    JobRun,
    JobRuntime,
    RunState,
    journal,
    make_huey,
)
from core.org.models import Unit

LEASE = 30.0
LOST_AFTER = 300.0


class Harness:
    """A queue with one counting job on a real SqliteHuey that nobody consumes."""

    def __init__(self, app, tmp_path, retries: int = 2, **jobs) -> None:
        self.db = app.extensions["duban.db"]
        self.calls: list[str] = []

        def count(_runtime, what):
            self.calls.append(what)
            return f"counted {what}"

        self.huey = make_huey(str(tmp_path), "sqlite:///" + str(tmp_path / "harness-jobs.sqlite"))
        runtime = JobRuntime(db=self.db, plugins=app.extensions["duban.plugins"])
        self.queue = JobQueue(self.huey, runtime, {"count": count, **jobs}, schedules={}, retries=retries,
                              retry_delay=0, durability=Durability(lease=LEASE, lost_after=LOST_AFTER))

    def take(self):
        """A consumer takes the next message off the queue."""
        task = self.huey.dequeue()
        assert task is not None, "nothing queued"
        return task

    def deliver(self):
        """A consumer takes the next message and runs it."""
        task = self.take()
        return task, self.huey.execute(task)

    def die_while_running(self, run_id: int) -> None:
        """A consumer takes the message, starts the run and is killed: the message is gone."""
        self.take()
        assert journal.claim(self.db, run_id, lease=LEASE, max_attempts=self.queue.max_attempts) is not None

    def run(self, session, run_id: int) -> JobRun:
        session.expire_all()
        return session.get(JobRun, run_id)


@pytest.fixture
def harness(app, tmp_path):
    return Harness(app, tmp_path)


def later(seconds: float):
    return utcnow() + timedelta(seconds=seconds)


def test_a_queued_job_is_journaled_then_marked_done(harness, db_session):
    run_id = harness.queue.enqueue("count", "feed")
    run = harness.run(db_session, run_id)
    assert (run.job, run.arguments, run.state, run.attempts) == ("count", ["feed"], RunState.queued, 0)
    assert harness.huey.pending_count() == 1
    _task, result = harness.deliver()
    assert result == "counted feed" and harness.calls == ["feed"]
    run = harness.run(db_session, run_id)
    assert (run.state, run.attempts, run.result) == (RunState.done, 1, "counted feed")
    assert run.started_at is not None and run.finished_at is not None


def test_arguments_must_be_json_values(harness, db_session):
    with pytest.raises(TypeError):
        harness.queue.enqueue("count", object())
    assert db_session.scalar(select(func.count(JobRun.id))) == 0


def test_a_message_delivered_twice_runs_the_job_once(harness, db_session):
    run_id = harness.queue.enqueue("count", "feed")
    task = harness.take()
    assert harness.huey.execute(task) == "counted feed"
    again = harness.huey.deserialize_task(harness.huey.serialize_task(task))  # the same message once more
    assert harness.huey.execute(again) is None
    assert harness.calls == ["feed"]
    assert harness.run(db_session, run_id).attempts == 1


def test_a_run_held_by_a_live_consumer_is_not_started_twice(harness, db_session):
    run_id = harness.queue.enqueue("count", "feed")
    harness.die_while_running(run_id)  # started, heartbeat fresh: as far as anyone knows it is running
    harness.queue._send(run_id, "count", ["feed"])  # a duplicate message
    harness.deliver()
    assert harness.calls == []
    assert harness.queue.recover().resend == []  # the lease has not run out
    assert harness.run(db_session, run_id).state == RunState.running


def test_a_job_whose_consumer_died_is_queued_again_and_runs_once(harness, db_session):
    run_id = harness.queue.enqueue("count", "feed")
    harness.die_while_running(run_id)
    assert harness.huey.pending_count() == 0  # Huey has forgotten it
    recovery = harness.queue.recover(now=later(LEASE + 1))
    assert recovery.resend == [(run_id, "count", ["feed"])]
    assert harness.huey.pending_count() == 1
    harness.deliver()
    run = harness.run(db_session, run_id)
    assert harness.calls == ["feed"]
    assert (run.state, run.attempts) == (RunState.done, 2)
    assert harness.queue.recover(now=later(LEASE + 1)).resend == []


def test_a_job_lost_before_any_consumer_took_it_is_sent_again(harness, db_session):
    run_id = harness.queue.enqueue("count", "feed")
    harness.huey.flush()  # the queue lost the message
    assert harness.queue.recover().resend == []  # not overdue yet: it may still be waiting in a backlog
    assert harness.queue.recover(now=later(LOST_AFTER + 1)).resend == [(run_id, "count", ["feed"])]
    harness.deliver()
    assert harness.calls == ["feed"] and harness.run(db_session, run_id).state == RunState.done


def test_a_job_lost_on_every_try_is_given_up_for_administrators(harness, db_session):
    run_id = harness.queue.enqueue("count", "feed")
    for attempt in range(1, harness.queue.max_attempts + 1):
        harness.die_while_running(run_id)
        recovery = harness.queue.recover(now=later(LEASE + 1))
        if attempt < harness.queue.max_attempts:
            assert recovery.resend == [(run_id, "count", ["feed"])]
    assert recovery.failed == [run_id] and recovery.resend == []
    run = harness.run(db_session, run_id)
    assert (run.state, run.attempts) == (RunState.failed, harness.queue.max_attempts)
    failure = db_session.scalar(select(JobFailure).where(JobFailure.run_id == run_id))
    assert failure.job == "count" and failure.reason == FailureReason.lost and "consumer stopped" in failure.error
    assert harness.calls == []


def test_a_failing_job_is_retried_then_failed_with_its_run(app, db_session, tmp_path):
    def flaky(_runtime, what):
        raise RuntimeError(f"cannot reach {what}")

    harness = Harness(app, tmp_path, retries=1, flaky=flaky)
    run_id = harness.queue.enqueue("flaky", "feed")
    harness.deliver()
    run = harness.run(db_session, run_id)
    assert (run.state, run.attempts) == (RunState.queued, 1) and "cannot reach feed" in run.error
    assert harness.huey.pending_count() == 1  # Huey's retry
    harness.deliver()
    run = harness.run(db_session, run_id)
    assert (run.state, run.attempts) == (RunState.failed, 2)
    assert harness.huey.pending_count() == 0 and harness.huey.scheduled_count() == 0
    failure = db_session.scalar(select(JobFailure).where(JobFailure.run_id == run_id))
    assert failure.reason == FailureReason.error and "cannot reach feed" in failure.error
    assert db_session.scalar(select(func.count(JobFailure.id))) == 1


def test_a_run_recovered_after_a_failed_try_keeps_counting_its_tries(app, db_session, tmp_path):
    def flaky(_runtime, what):
        raise RuntimeError("still down")

    harness = Harness(app, tmp_path, retries=1, flaky=flaky)
    run_id = harness.queue.enqueue("flaky", "feed")
    harness.die_while_running(run_id)  # try 1: the consumer died
    harness.queue.recover(now=later(LEASE + 1))
    harness.deliver()  # try 2 is the last, whatever Huey's own count says
    assert harness.run(db_session, run_id).state == RunState.failed
    assert harness.huey.pending_count() == 0 and harness.huey.scheduled_count() == 0


def test_a_consumer_told_to_stop_hands_its_job_back(app, db_session, tmp_path):
    def stopping(_runtime, what):
        if not stopped:
            stopped.append(what)
            harness.huey.notify_interrupted_tasks()  # what a consumer does on SIGTERM
        return "finished"

    stopped: list[str] = []
    harness = Harness(app, tmp_path, stopping=stopping)
    run_id = harness.queue.enqueue("stopping", "feed")
    harness.deliver()
    run = harness.run(db_session, run_id)
    assert run.state == RunState.queued  # the stopping consumer could no longer mark it done
    assert harness.huey.pending_count() == 1
    harness.deliver()
    run = harness.run(db_session, run_id)
    assert (run.state, run.attempts, run.result) == (RunState.done, 2, "finished")


def test_a_job_queued_in_a_transaction_is_kept_or_dropped_with_it(harness, app, db_session):
    session = app.extensions["duban.db"].session()
    run_id = harness.queue.enqueue("count", "feed", session=session)
    assert harness.huey.pending_count() == 0  # not before the commit
    session.rollback()
    assert db_session.scalar(select(func.count(JobRun.id))) == 0
    assert harness.huey.pending_count() == 0
    run_id = harness.queue.enqueue("count", "feed", session=session)
    session.commit()
    session.close()
    assert harness.run(db_session, run_id).state == RunState.queued
    assert harness.huey.pending_count() == 1


def test_recovery_gives_up_on_jobs_no_longer_registered_and_forgets_old_done_runs(harness, db_session):
    with harness.db.transaction() as session:
        gone = journal.record(session, "a_removed_plugins_job", [])
        old = journal.record(session, "count", ["old"])
    harness.huey.flush()
    harness.queue._send(old, "count", ["old"])
    harness.deliver()
    recovery = harness.queue.recover(now=later(LOST_AFTER + 1))
    assert recovery.failed == [gone] and recovery.purged == 0
    assert "a_removed_plugins_job" in db_session.scalar(select(JobFailure.error).where(JobFailure.run_id == gone))
    assert harness.queue.recover(now=utcnow() + timedelta(days=8)).purged == 1
    assert db_session.get(JobRun, old) is None and db_session.get(JobRun, gone) is not None


def test_recovery_is_scheduled_and_schedules_are_overridden_one_job_at_a_time(app, tmp_path):
    runtime = JobRuntime(db=app.extensions["duban.db"], plugins=app.extensions["duban.plugins"])
    huey = make_huey(str(tmp_path))
    queue = JobQueue(huey, runtime, {"tick": lambda _runtime: None}, schedules={"tick": ""})
    periodic = {task.name for task in huey._registry.periodic_tasks}
    assert periodic == {"recover_jobs.periodic"}
    assert "recover_jobs" in queue.tasks and "duban.recover_jobs" in huey._startup


UNITS = "code,name,parent_code,level,region_code\nQ,远山省,,province,980000\nQ1,近水市,Q,city,980100\n"


def test_an_import_lost_with_its_consumer_is_shown_and_queued_again_with_its_file(
        app, client, auth, org, db_session, tmp_path):
    """The failed-jobs page, for a journaled import given up on, then run again from there."""
    admin = org.user("chief", Role.admin)
    queue = app.extensions["duban.jobs"]
    queue.huey.flush()
    path = tmp_path / "units.csv"
    path.write_text(UNITS, encoding="utf-8")
    run_id = queue.enqueue("import_file", "units", str(path), "tests", admin.id)
    for _ in range(queue.max_attempts):
        queue.huey.dequeue()
        journal.claim(queue.runtime.db, run_id, lease=queue.durability.lease, max_attempts=queue.max_attempts)
        queue.recover(now=later(queue.durability.lease + 1))
    failure = db_session.scalar(select(JobFailure).where(JobFailure.run_id == run_id))
    assert failure.reason == FailureReason.lost

    auth.login("chief")
    page = client.get("/jobs/").get_data(as_text=True)
    assert "import_file" in page and "其消费进程在最后一次尝试中停止" in page

    assert client.post(f"/jobs/{failure.id}/retry").status_code == 302
    db_session.expire_all()
    assert failure.retried_at is not None
    run = db_session.get(JobRun, run_id)
    assert (run.state, run.attempts) == (RunState.queued, 0)
    task = queue.huey.dequeue()
    assert task.kwargs["run_id"] == run_id and task.args == ("units", str(path), "tests", admin.id)
    report = queue.huey.execute(task)
    assert report["ok"] and report["created"] == 2
    assert db_session.scalar(select(Unit).where(Unit.code == "Q1")).parent.code == "Q"

    # Run once more (as after a consumer died between the import's commit and the run's end): nothing changes.
    assert queue.requeue(db_session, run_id)
    db_session.commit()
    again = queue.huey.execute(queue.huey.dequeue())
    assert again["ok"] and again["created"] == 0 and again["updated"] == 0 and again["unchanged"] == 2


def test_a_running_import_writes_how_far_it_has_got_to_its_run(app, db_session, tmp_path, monkeypatch):
    """map_rows's progress reaches the run while the job runs (the page that follows it reads it)."""
    from core.importing import Column, Table, integer, map_rows

    monkeypatch.setattr(journal, "PROGRESS_EVERY", 0.01)
    seen: list[tuple[int | None, int | None]] = []
    harness_box: list[Harness] = []

    def check(_runtime, rows):
        table = Table.build("csv", ["n"], [(line + 2, (str(line),)) for line in range(rows)])
        map_rows(table, [Column("n", "数", parse=integer)])
        run_id = harness_box[0].queue_run_id
        for _ in range(200):  # the heartbeat's thread writes it within a beat
            row = harness_box[0].run(db_session, run_id)
            if row.progress_done == rows:
                break
            time.sleep(0.01)
        seen.append((row.progress_done, row.progress_total))
        return "checked"

    harness = Harness(app, tmp_path, check=check)
    harness_box.append(harness)
    harness.queue_run_id = harness.queue.enqueue("check", 12)
    harness.deliver()
    assert seen == [(12, 12)]
    assert harness.run(db_session, harness.queue_run_id).state == RunState.done
