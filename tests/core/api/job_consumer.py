"""A job consumer with one slow job, for test_job_kill.py (run as a script).

It builds its queue exactly as the application does and runs it with
:meth:`JobQueue.consumer`, which is what ``duban jobs run`` does; only the job is
the test's own: it sleeps, then appends this process's id to a file.

    python tests/core/api/job_consumer.py DATABASE_URL JOBS_URL HUEY_NAME INSTANCE_FOLDER
"""
from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any

import pluggy

from core.db import Database
from core.jobs import Durability, JobQueue, JobRuntime, make_huey

LEASE = 1.0  # seconds; the heartbeat renews it every quarter


def slow(_runtime: JobRuntime, marker: str, seconds: float) -> str:
    """Work that takes a while and leaves one line per completed run."""
    time.sleep(seconds)
    with open(marker, "a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()}\n")
    return f"slept {seconds}"


def build(database_url: str, jobs_url: str, huey_name: str, instance: str) -> JobQueue:
    """The queue: the same in the test (which enqueues) and in the consumer."""
    huey = make_huey(instance, jobs_url, name=huey_name)
    runtime = JobRuntime(db=Database(database_url), plugins=pluggy.PluginManager("duban"))
    return JobQueue(huey, runtime, {"slow": slow}, schedules={}, retries=2, retry_delay=0,
                    durability=Durability(lease=LEASE, lost_after=60))


def main(argv: list[str]) -> Any:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s: %(message)s")
    queue = build(*argv)
    queue.consumer(workers=1).run()


if __name__ == "__main__":
    main(sys.argv[1:])
