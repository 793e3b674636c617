"""The job queue of one Duban application: its Huey instance, tasks and schedules."""
from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pluggy
from huey import Huey, RedisHuey, SqliteHuey, crontab, signals
from huey.api import Task, TaskWrapper
from huey.consumer import Consumer

from core.db import Database

# Job name → crontab (minute hour day month day_of_week); override with JOB_SCHEDULES.
DEFAULT_SCHEDULES: dict[str, str] = {
    "tick": "*/15 * * * *",
    "deliver_webhooks": "* * * * *",
    "purge_idempotency_keys": "30 3 * * *",
}


@dataclass
class JobRuntime:
    """What a job needs to work: the database, the plugins and the configuration."""

    db: Database
    plugins: pluggy.PluginManager
    config: Mapping[str, Any] = field(default_factory=dict)
    # Entered around every job: the web layer passes its application context.
    context: Callable[[], AbstractContextManager[Any]] = nullcontext


def make_huey(instance_path: str, url: str | None = None, *, name: str = "duban",
              immediate: bool = False) -> Huey:
    """Huey on Redis when ``url`` is ``redis://…``, else on ``jobs.sqlite`` in the instance folder."""
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, immediate=immediate)
    filename = url[len("sqlite:///"):] if url and url.startswith("sqlite:///") else \
        os.path.join(instance_path, "jobs.sqlite")
    return SqliteHuey(name, filename=filename, immediate=immediate)


def parse_schedule(text: str) -> Callable[[datetime], bool]:
    """A Huey crontab from ``"minute hour day month day_of_week"``."""
    parts = text.split()
    if len(parts) != 5:
        raise ValueError(f"a schedule has five fields: {text!r}")
    minute, hour, day, month, day_of_week = parts
    return crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week)


class _InProcessConsumer(Consumer):  # type: ignore[misc]
    """A consumer started from a thread other than the main one (``duban demo``)."""

    def _set_signal_handlers(self) -> None:
        pass  # only the main thread may install signal handlers


class JobQueue:
    """Duban's jobs registered on one Huey instance.

    ``jobs`` maps a job name to a function ``job(runtime, *args) -> str | None``.
    Jobs listed in ``schedules`` also run periodically.
    """

    def __init__(self, huey: Huey, runtime: JobRuntime, jobs: Mapping[str, Callable[..., Any]],
                 schedules: Mapping[str, str] | None = None, retries: int = 3, retry_delay: int = 60) -> None:
        self.huey = huey
        self.runtime = runtime
        self.tasks: dict[str, TaskWrapper] = {}
        schedules = dict(DEFAULT_SCHEDULES if schedules is None else schedules)
        for name, job in jobs.items():
            self.tasks[name] = self._register(name, job, retries, retry_delay)
            if schedules.get(name):
                self._register_periodic(name, job, schedules[name])
        huey.signal(signals.SIGNAL_ERROR)(self._on_error)

    def _register(self, name: str, job: Callable[..., Any], retries: int, retry_delay: int) -> TaskWrapper:
        runtime = self.runtime

        def run(*args: Any) -> Any:
            with runtime.context():
                return job(runtime, *args)

        run.__name__ = name
        return self.huey.task(retries=retries, retry_delay=retry_delay, name=name)(run)

    def _register_periodic(self, name: str, job: Callable[..., Any], schedule: str) -> None:
        runtime = self.runtime

        def run_periodic() -> Any:
            with runtime.context():
                return job(runtime)

        run_periodic.__name__ = f"{name}.periodic"
        self.huey.periodic_task(parse_schedule(schedule), name=f"{name}.periodic")(run_periodic)

    def enqueue(self, name: str, *args: Any) -> Any:
        """Queue job ``name`` with ``args``; returns Huey's result handle."""
        return self.tasks[name](*args)

    def _on_error(self, _signal: str, task: Task, exc: BaseException | None = None) -> None:
        if task.retries:  # more tries to come
            return
        from core.jobs.models import JobFailure

        error = "".join(traceback.format_exception(exc)) if exc is not None else "unknown error"
        with self.runtime.db.transaction(actor="jobs") as session:
            session.add(JobFailure(job=task.name.removesuffix(".periodic"), job_id=str(task.id),
                                   arguments=[repr(arg) for arg in task.args or ()], error=error[-8000:]))

    def consumer(self, workers: int = 2, *, in_process: bool = False) -> Consumer:
        """A consumer for this queue; ``in_process`` for one started from a thread."""
        cls = _InProcessConsumer if in_process else Consumer
        return cls(self.huey, workers=workers, worker_type="thread", periodic=True)
