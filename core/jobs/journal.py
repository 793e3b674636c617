"""The job journal: one row per queued job, so that no job is lost with its consumer.

Huey deletes a message from its queue when a consumer takes it; a consumer killed
mid-job takes the job with it. The journal keeps every queued job until it is done::

    queued --claim--> running --finish--> done
      ^                  |--error, tries left--> queued again at the retry time
      |                  |--error, last try----> failed (and a JobFailure for administrators)
      '--recover---------'  heartbeat older than the lease: the consumer died

Every change is one conditional statement, so two consumers, or a message delivered
twice, cannot both start a run: the second finds it done, or held by a live
consumer, and does nothing. A consumer's start number (``attempts``) fences its
later writes: one that lost its lease cannot mark done a run another has taken over.
Jobs must still be safe to run twice, as a consumer may die after the job's work
was committed and before its run was marked done.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from core.db import Database, rowcount, utcnow
from core.jobs.models import FailureReason, JobFailure, JobRun, RunState

logger = logging.getLogger(__name__)

RUNS = JobRun.__table__


@dataclass(frozen=True)
class Claim:
    """A run a consumer has started: its arguments and its start number (the fencing token)."""

    run_id: int
    attempt: int
    arguments: list[Any]


@dataclass
class Recovery:
    """What one pass of :func:`recover` did."""

    # (run id, job name, arguments) to send to the queue again, once the pass has committed.
    resend: list[tuple[int, str, list[Any]]] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    purged: int = 0


def jsonable_arguments(arguments: Collection[Any]) -> list[Any]:
    """The arguments as they will be read back from the journal; refuses what JSON cannot hold."""
    try:
        return list(json.loads(json.dumps(list(arguments))))
    except (TypeError, ValueError) as error:
        raise TypeError(f"job arguments must be JSON values: {error}") from None


def _jsonable_result(result: Any) -> Any:
    try:
        return json.loads(json.dumps(result))
    except (TypeError, ValueError):
        return repr(result)


def record(session: Session, job: str, arguments: list[Any], now: datetime | None = None, *,
           requested_by: int | None = None, audience: str | None = None) -> int:
    """Write a queued run of ``job`` in ``session``'s transaction; returns its id.

    ``requested_by`` (a user id) and ``audience`` (a capability) say who may follow
    the run besides administrators (see :meth:`JobRun.__scope__`).
    """
    now = now or utcnow()
    return int(session.execute(
        insert(RUNS).values(job=job, arguments=arguments, state=RunState.queued, attempts=0, enqueued_at=now,
                            available_at=now, error="", requested_by=requested_by, audience=audience)
        .returning(RUNS.c.id)
    ).scalar_one())


def _lease_expired(cutoff: datetime) -> ColumnElement[bool]:
    return and_(RUNS.c.state == RunState.running, RUNS.c.heartbeat_at < cutoff)


def claim(db: Database, run_id: int, *, lease: float, max_attempts: int, now: datetime | None = None) -> Claim | None:
    """Start run ``run_id`` if it is queued, or running under a lease that ran out.

    ``None`` when it is done, failed, held by a live consumer, out of tries or gone:
    the message that asked for it was a duplicate.
    """
    now = now or utcnow()
    with db.transaction(actor="jobs") as session:
        takeable = or_(RUNS.c.state == RunState.queued,
                       and_(_lease_expired(now - timedelta(seconds=lease)), RUNS.c.attempts < max_attempts))
        started = session.execute(
            update(RUNS).where(RUNS.c.id == run_id, takeable)
            .values(state=RunState.running, attempts=RUNS.c.attempts + 1, started_at=now, heartbeat_at=now,
                    finished_at=None)
        )
        if rowcount(started) != 1:
            return None
        row = session.execute(select(RUNS.c.attempts, RUNS.c.arguments).where(RUNS.c.id == run_id)).one()
    return Claim(run_id, row.attempts, list(row.arguments or []))


def _held(run_id: int, attempt: int) -> ColumnElement[bool]:
    return and_(RUNS.c.id == run_id, RUNS.c.state == RunState.running, RUNS.c.attempts == attempt)


def beat(db: Database, claimed: Claim, now: datetime | None = None) -> bool:
    """Renew the lease of a running job; ``False`` when another consumer took it over."""
    with db.transaction(actor="jobs") as session:
        renewed = session.execute(update(RUNS).where(_held(claimed.run_id, claimed.attempt))
                                  .values(heartbeat_at=now or utcnow()))
    return bool(rowcount(renewed))


class ProgressNote:
    """What a running job last said of its progress (``(done, total)``), kept for the journal.

    The job calls it, as often as it likes, from its own thread; the heartbeat's thread
    writes the latest figures to the run at most once every ``PROGRESS_EVERY`` seconds.
    """

    def __init__(self) -> None:
        self.latest: tuple[int, int] | None = None
        self.written: tuple[int, int] | None = None

    def __call__(self, done: int, total: int) -> None:
        self.latest = (done, total)

    def unwritten(self) -> tuple[int, int] | None:
        latest = self.latest
        return latest if latest is not None and latest != self.written else None


PROGRESS_EVERY = 1.0  # seconds between two writes of a running job's progress


def record_progress(db: Database, claimed: Claim, done: int, total: int) -> bool:
    """Write how far a running job has got; ``False`` when another consumer took it over."""
    with db.transaction(actor="jobs") as session:
        written = session.execute(update(RUNS).where(_held(claimed.run_id, claimed.attempt))
                                  .values(progress_done=done, progress_total=total))
    return bool(rowcount(written))


@contextmanager
def heartbeat(db: Database, claimed: Claim, every: float) -> Iterator[ProgressNote]:
    """Renew the lease every ``every`` seconds on a thread while the block runs.

    The block gets a :class:`ProgressNote` to tell how far it has got; the same thread
    writes what it says. A failed renewal is logged and tried again at the next beat:
    on SQLite a long import holds the one write lock, so the lease must outlast the
    longest import (and progress told while it writes waits for the lock to go).
    """
    stop = threading.Event()
    note = ProgressNote()

    def run() -> None:
        last_beat = time.monotonic()
        while not stop.wait(min(every, PROGRESS_EVERY)):
            figures = note.unwritten()
            if figures is not None:
                try:
                    record_progress(db, claimed, *figures)
                    note.written = figures
                except Exception:
                    logger.warning("could not write the progress of job run %s", claimed.run_id, exc_info=True)
            if time.monotonic() - last_beat < every:
                continue
            last_beat = time.monotonic()
            try:
                beat(db, claimed)
            except Exception:
                logger.warning("could not renew the lease of job run %s", claimed.run_id, exc_info=True)

    thread = threading.Thread(target=run, name=f"job-run-{claimed.run_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield note
    finally:
        stop.set()
        thread.join()


def finish(db: Database, claimed: Claim, result: Any, now: datetime | None = None) -> bool:
    """Mark a run done with its result; ``False`` when another consumer had taken it over."""
    with db.transaction(actor="jobs") as session:
        done = session.execute(update(RUNS).where(_held(claimed.run_id, claimed.attempt)).values(
            state=RunState.done, finished_at=now or utcnow(), result=_jsonable_result(result), error=""))
    if not rowcount(done):
        logger.warning("job run %s was taken over while attempt %s ran", claimed.run_id, claimed.attempt)
    return bool(rowcount(done))


def fail(db: Database, claimed: Claim, error: str, *, retry_at: datetime | None, job_id: str,
         now: datetime | None = None) -> bool:
    """Record an attempt's error: queued again for ``retry_at``, or failed when that is ``None``."""
    now = now or utcnow()
    with db.transaction(actor="jobs") as session:
        if retry_at is not None:
            values: dict[str, Any] = {"state": RunState.queued, "available_at": retry_at}
        else:
            values = {"state": RunState.failed, "finished_at": now}
        changed = session.execute(update(RUNS).where(_held(claimed.run_id, claimed.attempt))
                                  .values(error=error, **values))
        if rowcount(changed) and retry_at is None:
            _give_up(session, claimed.run_id, error, FailureReason.error, job_id, now)
    return bool(rowcount(changed))


def release(db: Database, claimed: Claim, now: datetime | None = None) -> bool:
    """Put back a run whose consumer is shutting down, for the next consumer to take at once."""
    with db.transaction(actor="jobs") as session:
        released = session.execute(update(RUNS).where(_held(claimed.run_id, claimed.attempt))
                                   .values(state=RunState.queued, available_at=now or utcnow()))
    return bool(rowcount(released))


def requeue(session: Session, run_id: int, now: datetime | None = None) -> tuple[str, list[Any]] | None:
    """Queue a failed (or finished) run again with all its tries, in ``session``'s transaction.

    Returns its job name and arguments to send once the transaction commits, or
    ``None`` when it is queued or running already: nothing to send.
    """
    changed = session.execute(
        update(RUNS).where(RUNS.c.id == run_id, RUNS.c.state.in_([RunState.failed, RunState.done]))
        .values(state=RunState.queued, attempts=0, available_at=now or utcnow(), started_at=None,
                heartbeat_at=None, finished_at=None, result=None, error="")
    )
    if not rowcount(changed):
        return None
    row = session.execute(select(RUNS.c.job, RUNS.c.arguments).where(RUNS.c.id == run_id)).one()
    return row.job, list(row.arguments or [])


def _give_up(session: Session, run_id: int, error: str, reason: FailureReason, job_id: str, now: datetime) -> None:
    row = session.execute(select(RUNS.c.job, RUNS.c.arguments).where(RUNS.c.id == run_id)).one()
    session.add(JobFailure(job=row.job, job_id=job_id[:64], run_id=run_id, reason=reason, failed_at=now,
                           arguments=[repr(argument) for argument in row.arguments or []], error=error[-8000:]))


def recover(db: Database, *, jobs: Collection[str], lease: float, lost_after: float, max_attempts: int,
            keep: timedelta, now: datetime | None = None, batch: int = 500) -> Recovery:
    """Find the runs no consumer is working on, in one transaction.

    A run still queued ``lost_after`` seconds after it was due was lost before a
    consumer took it (the queue was flushed, the process died before sending it);
    a running one whose heartbeat is older than ``lease`` seconds lost its consumer.
    Both are queued again, to be sent by the caller after the commit, unless the
    lost one had used its last try: then it has failed and administrators see it.
    Done runs older than ``keep`` are deleted.
    """
    now = now or utcnow()
    lease_cutoff = now - timedelta(seconds=lease)
    lost_cutoff = now - timedelta(seconds=lost_after)
    recovery = Recovery()
    with db.transaction(actor="jobs") as session:
        rows = session.execute(
            select(RUNS.c.id, RUNS.c.job, RUNS.c.arguments, RUNS.c.state, RUNS.c.attempts)
            .where(or_(and_(RUNS.c.state == RunState.queued, RUNS.c.available_at < lost_cutoff),
                       _lease_expired(lease_cutoff)))
            .order_by(RUNS.c.id).limit(batch)
        ).all()
        for row in rows:
            still = (and_(RUNS.c.state == RunState.queued, RUNS.c.available_at < lost_cutoff)
                     if row.state == RunState.queued else _lease_expired(lease_cutoff))
            unchanged = and_(RUNS.c.id == row.id, RUNS.c.attempts == row.attempts, still)
            lost = row.state == RunState.running
            if row.job not in jobs or (lost and row.attempts >= max_attempts):
                if row.job not in jobs:
                    reason, error = FailureReason.error, f"no job named {row.job!r} is registered"
                else:
                    reason = FailureReason.lost
                    error = (f"consumer stopped during attempt {row.attempts} of {max_attempts} "
                             f"(no heartbeat for {lease:g} s)")
                if rowcount(session.execute(update(RUNS).where(unchanged).values(
                        state=RunState.failed, finished_at=now, error=error))):
                    _give_up(session, row.id, error, reason, f"run-{row.id}", now)
                    recovery.failed.append(row.id)
                continue
            values: dict[str, Any] = {"state": RunState.queued, "available_at": now}
            if lost:
                values["error"] = f"consumer stopped during attempt {row.attempts}; queued again"
            if rowcount(session.execute(update(RUNS).where(unchanged).values(**values))):
                recovery.resend.append((row.id, row.job, list(row.arguments or [])))
        recovery.purged = rowcount(session.execute(
            delete(RUNS).where(RUNS.c.state == RunState.done, RUNS.c.finished_at < now - keep)
        ))
    if recovery.resend or recovery.failed:
        logger.warning("job recovery: %s queued again, %s given up", len(recovery.resend), len(recovery.failed))
    return recovery
