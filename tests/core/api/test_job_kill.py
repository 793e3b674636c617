"""A consumer killed with SIGKILL mid-job: a new consumer finishes the job, exactly once.

Real processes on real storage: Huey on SQLite and on Redis, the journal on the
test database (SQLite, or PostgreSQL with ``DUBAN_TEST_DATABASE_URL``).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.access.models import User
from core.db import Base, make_engine, scratch_database
from core.jobs import JobFailure, JobRun, RunState
from core.org.models import Unit

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE))
from job_consumer import LEASE, build  # noqa: E402  (found through the path set just above)

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def own_database_url() -> Iterator[str]:
    """A database of its own: the consumers are other processes, they cannot share a rolled-back one."""
    with scratch_database(os.environ.get("DUBAN_TEST_DATABASE_URL"), "duban_jobs_kill") as url:
        engine = make_engine(url)
        # A run may name the user who asked for it: the journal's tables and those it refers to.
        Base.metadata.create_all(engine, tables=[Unit.__table__, User.__table__, JobRun.__table__,
                                                 JobFailure.__table__])
        engine.dispose()
        yield url


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_a_job_killed_mid_run_is_finished_once_by_the_next_consumer(storage, own_database_url, tmp_path):
    if storage == "redis" and not _redis_up():
        pytest.skip("no Redis at 127.0.0.1:6379")
    jobs_url = REDIS_URL if storage == "redis" else "sqlite:///" + str(tmp_path / "jobs.sqlite")
    args = [own_database_url, jobs_url, f"duban-kill-test-{uuid.uuid4().hex[:8]}", str(tmp_path)]
    queue = build(*args)
    db = queue.runtime.db
    marker = tmp_path / "completed.txt"
    consumers: list[subprocess.Popen[bytes]] = []

    def start_consumer() -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"consumer-{len(consumers)}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen([sys.executable, str(HERE / "job_consumer.py"), *args], cwd=ROOT,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log, stderr=log)
        consumers.append(process)
        return process

    def run() -> JobRun:
        with db.session() as session:
            return session.get(JobRun, run_id)

    try:
        first = start_consumer()
        run_id = queue.enqueue("slow", str(marker), 1.5)
        wait_for(lambda: run().state == RunState.running, "the first consumer to start the job")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert run().state == RunState.running and not marker.exists()  # killed mid-job, nothing written
        # Huey has forgotten the job: the dead consumer took its message.
        messages = queue.huey.pending() + queue.huey.scheduled()
        assert not [task for task in messages if (task.kwargs or {}).get("run_id") == run_id]

        time.sleep(LEASE + 0.5)  # its last heartbeat was at most a quarter lease before the kill
        second = start_consumer()
        done = wait_for(lambda: (r := run()).state == RunState.done and r, "the next consumer to finish the job")
        assert done.attempts == 2 and done.result == "slept 1.5"
        assert marker.read_text().split() == [str(second.pid)]  # completed once, by the second consumer
        time.sleep(0.5)  # nothing runs it a third time
        assert marker.read_text().split() == [str(second.pid)]
        assert run().state == RunState.done
    finally:
        for process in consumers:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        queue.huey.flush()
        db.dispose()
