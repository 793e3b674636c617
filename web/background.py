"""The application's job queue and webhook outbox, wired to Flask.

``app.extensions["duban.jobs"]`` holds the :class:`core.jobs.JobQueue`. Jobs run
inside an application context, so ``tick`` is ``duban tick`` less the plugins' jobs
(feed polling), which the consumer runs on their own schedules. Storage is
``jobs.sqlite`` in the instance folder unless ``JOBS_URL`` names Redis; schedules
come from ``JOB_SCHEDULES`` (job name → crontab text, empty text to turn one off).
``JOB_LEASE``, ``JOB_LOST_AFTER`` (seconds) and ``JOB_RUNS_KEEP_DAYS`` tune the job
journal that queues again the jobs of a killed consumer. Plugins add jobs, with
their default schedules, through ``duban_jobs``.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app
from huey import SqliteHuey
from sqlalchemy import event

from core import webhooks
from core.jobs import Durability, JobQueue, JobRuntime, make_huey
from core.jobs.tasks import CORE_JOBS
from core.plugins import plugin_jobs
from core.scoring import freshness

# Core's jobs besides CORE_JOBS: the web layer's tick, and the queue's own recovery.
RESERVED = frozenset({*CORE_JOBS, "tick", "recover_jobs"})


def tick_job(_runtime: JobRuntime) -> list[str]:
    """``duban tick`` as a job: a failed part makes the job fail, so it is retried."""
    from web.commands.tick import run_tick

    lines, failures = run_tick(datetime.now(UTC))
    if failures:
        raise RuntimeError("; ".join(failures))
    return lines


def job_queue(app: Flask | None = None) -> JobQueue:
    """The application's job queue."""
    return (app or current_app).extensions["duban.jobs"]


def queue_is_local(app: Flask | None = None) -> bool:
    """Whether the job queue is the instance's own ``jobs.sqlite`` rather than a shared Redis."""
    return isinstance(job_queue(app).huey, SqliteHuey)


def init_app(app: Flask) -> None:
    db = app.extensions["duban.db"]
    pm = app.extensions["duban.plugins"]
    huey = make_huey(app.instance_path, app.config.get("JOBS_URL"),
                     immediate=bool(app.config.get("JOBS_IMMEDIATE", False)))
    runtime = JobRuntime(db=db, plugins=pm, config=app.config, context=app.app_context)
    specs = plugin_jobs(pm, reserved=RESERVED)
    schedules = {**{name: spec.schedule for name, spec in specs.items() if spec.schedule},
                 **(app.config.get("JOB_SCHEDULES") or {})}
    durability = Durability(lease=float(app.config.get("JOB_LEASE", 120)),
                            lost_after=float(app.config.get("JOB_LOST_AFTER", 600)),
                            keep=timedelta(days=float(app.config.get("JOB_RUNS_KEEP_DAYS", 7))))
    jobs = {**CORE_JOBS, "tick": tick_job, **{name: spec.function for name, spec in specs.items()}}
    queue = JobQueue(huey, runtime, jobs, schedules=schedules,
                     retries=int(app.config.get("JOB_RETRIES", 3)),
                     retry_delay=int(app.config.get("JOB_RETRY_DELAY", 60)), durability=durability)
    app.extensions["duban.jobs"] = queue
    webhooks.install(db.sessionmaker)
    # Pages read stored scores; committed changes rescore what they touched (no consumer needed).
    freshness.install(db.sessionmaker)
    _kick_after_commit(app, db.sessionmaker, queue)


def _kick_after_commit(app: Flask, factory: Any, queue: JobQueue) -> None:
    """Send new webhook deliveries soon after their transaction commits, not at the next sweep."""

    def after_commit(session: Any) -> None:
        if session.info.pop("webhooks_emitted", False) and not app.config.get("TESTING"):
            try:
                # Not journaled: the deliveries are rows, and the periodic sweep sends them anyway.
                queue.enqueue("deliver_webhooks", durable=False)
            except Exception:
                app.logger.warning("could not queue webhook delivery", exc_info=True)

    def after_rollback(session: Any) -> None:
        session.info.pop("webhooks_emitted", None)

    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_rollback", after_rollback)
