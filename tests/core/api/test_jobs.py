"""The job queue: the same tasks on SQLite or Redis, schedules, failures kept for admins."""
from __future__ import annotations

import pytest
from huey import RedisHuey, SqliteHuey
from sqlalchemy import select

from core.jobs import JobFailure, JobQueue, JobRuntime, make_huey, parse_schedule


def test_storage_follows_the_configuration(tmp_path):
    assert isinstance(make_huey(str(tmp_path)), SqliteHuey)
    assert isinstance(make_huey(str(tmp_path), "redis://127.0.0.1:6379/0"), RedisHuey)


def test_schedules_are_crontab_text():
    from datetime import datetime

    every_quarter = parse_schedule("*/15 * * * *")
    assert every_quarter(datetime(2026, 11, 27, 8, 30)) and not every_quarter(datetime(2026, 11, 27, 8, 31))
    with pytest.raises(ValueError):
        parse_schedule("hourly")


def test_a_job_failing_every_retry_is_kept_for_administrators(app, db_session, tmp_path):
    runtime = JobRuntime(db=app.extensions["duban.db"], plugins=app.extensions["duban.plugins"])
    calls = []

    def flaky(_runtime, what):
        calls.append(what)
        raise RuntimeError(f"cannot reach {what}")

    huey = make_huey(str(tmp_path), immediate=True)
    queue = JobQueue(huey, runtime, {"flaky": flaky}, schedules={}, retries=2, retry_delay=0)
    queue.enqueue("flaky", "feed")
    assert calls == ["feed", "feed", "feed"]  # first try and two retries
    failure = db_session.scalar(select(JobFailure))
    assert failure.job == "flaky" and "cannot reach feed" in failure.error and failure.arguments == ["'feed'"]


def test_the_apps_queue_runs_core_jobs(app, db_session):
    queue = app.extensions["duban.jobs"]
    assert {"tick", "deliver_webhooks", "purge_idempotency_keys", "import_file"} <= set(queue.tasks)
    assert queue.runtime.db is app.extensions["duban.db"]


def test_duban_jobs_enqueue_queues_plugin_and_core_jobs_but_not_those_needing_a_users_arguments(app, runner,
                                                                                               db_session):
    from core.jobs import JobRun

    queue = app.extensions["duban.jobs"]
    queue.huey.flush()
    assert runner.invoke(args=["jobs", "enqueue", "poll_feeds"]).output == "已排入任务 poll_feeds。\n"
    assert db_session.scalar(select(JobRun.job)) == "poll_feeds" and queue.huey.pending_count() == 1
    refused = runner.invoke(args=["jobs", "enqueue", "export_ledger"])
    assert refused.exit_code != 0 and "train_model" in refused.output and "import_file" not in refused.output
