"""The job queue of one Duban application: its Huey instance, tasks and schedules."""
from __future__ import annotations

import logging
import os
import threading
import traceback
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pluggy
from huey import Huey, RedisHuey, SqliteHuey, crontab, signals
from huey.api import Task, TaskWrapper
from huey.consumer import Consumer
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from core.db import Database, utcnow
from core.importing.progress import reporting
from core.jobs import journal

logger = logging.getLogger(__name__)

# Job name → crontab (minute hour day month day_of_week); JOB_SCHEDULES overrides
# one job at a time, and empty text turns one off.
DEFAULT_SCHEDULES: dict[str, str] = {
    "tick": "*/15 * * * *",
    "deliver_webhooks": "* * * * *",
    "purge_idempotency_keys": "30 3 * * *",
    "recover_jobs": "*/5 * * * *",
    # Sundays at 02:30: outcomes recorded during the week are learned from.
    "train_model": "30 2 * * 0",
}

# Runs to send to Huey once the session that wrote them commits.
_PENDING = "duban.jobs.pending"


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
    schedule: Callable[[datetime], bool] = crontab(minute=minute, hour=hour, day=day, month=month,
                                                   day_of_week=day_of_week)
    return schedule


@dataclass(frozen=True)
class Durability:
    """How the journal decides that a job was lost, and how long it keeps finished runs."""

    lease: float = 120.0  # seconds without a heartbeat before a running job counts as lost
    lost_after: float = 600.0  # seconds a queued job may wait for a consumer before it is sent again
    keep: timedelta = timedelta(days=7)  # done runs are deleted after this


class JobQueue:
    """Duban's jobs registered on one Huey instance.

    ``jobs`` maps a job name to a function ``job(runtime, *args) -> str | None``.
    Jobs listed in ``schedules`` also run periodically; those runs are not
    journaled, as the schedule runs them again. Queued jobs are written to the
    journal (:mod:`core.jobs.journal`) and survive a killed consumer: the
    ``recover_jobs`` job, and every consumer as it starts, queues again what was
    lost. Arguments are JSON values, read back from the journal for every try.
    """

    def __init__(self, huey: Huey, runtime: JobRuntime, jobs: Mapping[str, Callable[..., Any]],
                 schedules: Mapping[str, str] | None = None, retries: int = 3, retry_delay: int = 60,
                 durability: Durability | None = None) -> None:
        self.huey = huey
        self.runtime = runtime
        self.retries = retries
        self.retry_delay = retry_delay
        self.durability = durability or Durability()
        self.tasks: dict[str, TaskWrapper] = {}
        schedules = {**DEFAULT_SCHEDULES, **(schedules or {})}
        for name, job in {**jobs, "recover_jobs": self._recover_job}.items():
            self.tasks[name] = self._register(name, job, retries, retry_delay)
            if schedules.get(name):
                self._register_periodic(name, job, schedules[name])
        huey.signal(signals.SIGNAL_ERROR)(self._on_error)
        huey.signal(signals.SIGNAL_INTERRUPTED)(self._on_interrupted)
        self._recovered_at_start = threading.Lock()
        huey.on_startup("duban.recover_jobs")(self._recover_at_start)
        event.listen(runtime.db.sessionmaker, "after_commit", self._send_pending)
        event.listen(runtime.db.sessionmaker, "after_soft_rollback", self._drop_pending)

    @property
    def max_attempts(self) -> int:
        return self.retries + 1

    # -- registering ------------------------------------------------------------

    def _register(self, name: str, job: Callable[..., Any], retries: int, retry_delay: int) -> TaskWrapper:
        runtime = self.runtime

        def run(*args: Any, run_id: int | None = None, task: Task | None = None) -> Any:
            with runtime.context():
                if run_id is None:
                    return job(runtime, *args)
                return self._run_journaled(job, run_id, task)

        run.__name__ = name
        return self.huey.task(retries=retries, retry_delay=retry_delay, name=name, context=True)(run)

    def _register_periodic(self, name: str, job: Callable[..., Any], schedule: str) -> None:
        runtime = self.runtime

        def run_periodic() -> Any:
            with runtime.context():
                return job(runtime)

        run_periodic.__name__ = f"{name}.periodic"
        self.huey.periodic_task(parse_schedule(schedule), name=f"{name}.periodic")(run_periodic)

    # -- queueing ---------------------------------------------------------------

    def enqueue(self, name: str, *args: Any, session: Session | None = None, durable: bool = True,
                requested_by: int | None = None, audience: str | None = None) -> int | None:
        """Queue job ``name`` with ``args``; returns its run id in the journal.

        With ``session``, the run is written in that session's transaction and sent
        to the queue when it commits: the user action and its job are kept or lost
        together. ``durable=False`` skips the journal, for a job that only hurries
        work a periodic job would do anyway. ``requested_by`` (a user id) and
        ``audience`` (a capability) may follow the run besides administrators.
        """
        task = self.tasks[name]
        if not durable:
            task(*args)
            return None
        arguments = journal.jsonable_arguments(args)
        if session is not None:
            run_id = journal.record(session, name, arguments, requested_by=requested_by, audience=audience)
            session.info.setdefault(_PENDING, []).append((self, run_id, name, arguments))
            return run_id
        with self.runtime.db.transaction(actor="jobs") as own:
            run_id = journal.record(own, name, arguments, requested_by=requested_by, audience=audience)
        self._send(run_id, name, arguments)
        return run_id

    def _send(self, run_id: int, name: str, arguments: list[Any]) -> None:
        """Hand a journaled run to Huey; if that fails, recovery sends it later."""
        try:
            self.huey.enqueue(self.tasks[name].s(*arguments, run_id=run_id))
        except Exception:
            logger.warning("could not queue job run %s (%s); it will be sent again", run_id, name, exc_info=True)

    def _send_pending(self, session: Session) -> None:
        pending = session.info.get(_PENDING)
        if not pending:
            return
        mine = [entry for entry in pending if entry[0] is self]
        session.info[_PENDING] = [entry for entry in pending if entry[0] is not self]
        for _queue, run_id, name, arguments in mine:
            self._send(run_id, name, arguments)

    def _drop_pending(self, session: Session, previous: SessionTransaction) -> None:
        if previous.parent is None:  # the whole transaction was rolled back, its runs with it
            session.info.pop(_PENDING, None)

    def requeue(self, session: Session, run_id: int) -> bool:
        """Queue a failed run again, with its arguments, when ``session`` commits.

        ``False`` when the run is queued or running already.
        """
        again = journal.requeue(session, run_id)
        if again is None:
            return False
        session.info.setdefault(_PENDING, []).append((self, run_id, *again))
        return True

    # -- running ----------------------------------------------------------------

    def _run_journaled(self, job: Callable[..., Any], run_id: int, task: Task | None) -> Any:
        durability = self.durability
        claimed = journal.claim(self.runtime.db, run_id, lease=durability.lease, max_attempts=self.max_attempts)
        if claimed is None:
            logger.info("job run %s is done, running elsewhere or gone: nothing to do", run_id)
            return None
        if task is not None:
            task.duban_claim = claimed  # for _on_interrupted
        try:
            with (journal.heartbeat(self.runtime.db, claimed, every=durability.lease / 4) as note,
                  reporting(note)):  # an import's rows checked, shown on the run's page
                result = job(self.runtime, *claimed.arguments)
        except Exception as exc:
            last = claimed.attempt >= self.max_attempts
            error = "".join(traceback.format_exception(exc))
            retry_at = None if last else utcnow() + timedelta(seconds=self.retry_delay)
            journal.fail(self.runtime.db, claimed, error, retry_at=retry_at,
                         job_id=str(task.id) if task is not None else f"run-{run_id}")
            if task is not None:
                # Huey's own count follows the message, the journal's the run: the run decides.
                task.retries = 0 if last else max(task.retries, 1)
            raise
        journal.finish(self.runtime.db, claimed, result)
        return result

    def recover(self, now: datetime | None = None) -> journal.Recovery:
        """Queue again the runs no consumer is working on (see :func:`core.jobs.journal.recover`)."""
        durability = self.durability
        recovery = journal.recover(self.runtime.db, jobs=set(self.tasks), lease=durability.lease,
                                   lost_after=durability.lost_after, max_attempts=self.max_attempts,
                                   keep=durability.keep, now=now)
        for run_id, name, arguments in recovery.resend:
            self._send(run_id, name, arguments)
        return recovery

    def _recover_job(self, _runtime: JobRuntime) -> str:
        recovery = self.recover()
        return f"queued again {len(recovery.resend)}, failed {len(recovery.failed)}, purged {recovery.purged}"

    def _recover_at_start(self) -> None:
        # Each worker runs the startup hooks; one pass per consumer is enough.
        if not self._recovered_at_start.acquire(blocking=False):
            return
        with self.runtime.context():
            self.recover()

    # -- signals ----------------------------------------------------------------

    def _on_error(self, _signal: str, task: Task, exc: BaseException | None = None) -> None:
        if task.retries or (task.kwargs or {}).get("run_id") is not None:
            return  # more tries to come, or a journaled run that records its own failure
        from core.jobs.models import JobFailure

        error = "".join(traceback.format_exception(exc)) if exc is not None else "unknown error"
        with self.runtime.db.transaction(actor="jobs") as session:
            session.add(JobFailure(job=task.name.removesuffix(".periodic"), job_id=str(task.id),
                                   arguments=[repr(arg) for arg in task.args or ()], error=error[-8000:]))

    def _on_interrupted(self, _signal: str, task: Task) -> None:
        """A consumer told to stop hands its running jobs back to the queue at once."""
        claimed = getattr(task, "duban_claim", None)
        if claimed is None:
            return
        try:
            if journal.release(self.runtime.db, claimed):
                self._send(claimed.run_id, task.name, claimed.arguments)
        except Exception:
            logger.warning("could not hand back job run %s", claimed.run_id, exc_info=True)

    def consumer(self, workers: int = 2) -> Consumer:
        """A consumer for this queue."""
        return Consumer(self.huey, workers=workers, worker_type="thread", periodic=True)
