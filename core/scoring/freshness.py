"""Keeping the review queue's stored scores fresh as changes commit, so that pages only read them.

The queue, a task's page and planning read the scores stored in ``scoring_task_scores``;
nothing rescores on a page view. Instead, once a transaction that wrote what scores are
computed from (tasks and their events, signals, review outcomes, rules, models) commits,
the tasks it touched are rescored in the same process, in a transaction of their own
(:func:`refresh`): features are read first, and the write (a DELETE and an INSERT of
score rows) is short. This is what keeps the embedded default (SQLite, no job consumer)
fresh; the daily full rescoring comes with the tick (:func:`core.builtin.rescore_for_the_day`)
or the first change of the day.

The threads of a process take turns: a commit that finds a refresh running leaves its
changes to that one, which goes round once more before it stops. A committing thread goes
round at most :data:`ROUNDS_IN_A_REQUEST` times: under a steady stream of writes the changes
never stop coming, and its request would never be answered, so it hands what keeps coming to
a thread of its own, which goes round until nothing is left.
"""
from __future__ import annotations

import contextvars
import logging
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from core import clock
from core.db import utcnow, writer_lock
from core.scoring.models import ScoringState

logger = logging.getLogger(__name__)

# Tables whose changes move scores. Scores and the scoring state written by a refresh are not among them.
INPUT_TABLES = frozenset({"tasks", "task_events", "signals", "review_outcomes", "scoring_rule_files",
                          "scoring_models", "scoring_state"})
# A row's recorded_at is taken a moment before its statement runs; a refresh looks back this far.
MARGIN = timedelta(seconds=5)

ROUNDS_IN_A_REQUEST = 2  # refreshes a committing thread runs before it hands over to a thread of its own
_WROTE = "duban.scoring.wrote_at"  # session.info: when the transaction first wrote a scoring input
_REFRESHING = "duban.scoring.refreshing"  # session.info: this session is a refresh; it starts none


def refresh(session: Session, pm: Any, today: date, written_since: datetime | None = None) -> int:
    """Rescore the tasks changed since the last refresh (or since ``written_since``, if earlier).

    The whole queue is rescored on a new day and after the rules or the model changed
    (as :func:`core.scoring.rescore.ensure_fresh` does); otherwise only the changed tasks,
    and nothing is written when nothing changed. Returns how many tasks were rescored.
    """
    from core.scoring.context import load_context
    from core.scoring.rescore import _changed_tasks, ensure_fresh, rescore

    state = session.execute(select(ScoringState.full_on, ScoringState.run_at).where(ScoringState.id == 1)).first()
    if state is None or state.full_on != today or state.run_at is None:
        return ensure_fresh(session, load_context(session, pm), today)
    started = utcnow()
    since = state.run_at
    if written_since is not None:
        if since.tzinfo is None:  # SQLite keeps UTC times without their zone
            written_since = written_since.astimezone(UTC).replace(tzinfo=None)
        since = min(since, written_since)
    changed = _changed_tasks(session, since, today)
    if not changed:
        return 0
    rescore(session, load_context(session, pm), today, changed)
    session.execute(update(ScoringState).where(ScoringState.id == 1, ScoringState.run_at < started)
                    .values(run_at=started))
    return len(changed)


class _Refresher:
    """Runs :func:`refresh` after commits; one at a time per process, the others leave it their changes."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory
        self.lock = threading.Lock()
        self.running = False
        self.pending: datetime | None = None  # earliest first write among commits not yet refreshed

    def after_commit(self, session: Session) -> None:
        wrote = session.info.pop(_WROTE, None)
        if session.info.get(_REFRESHING):
            return
        with self.lock:
            if wrote is not None:
                self.pending = wrote if self.pending is None else min(self.pending, wrote)
            if self.pending is None or self.running or self._inside_a_write():
                return
            self.running = True
        self._drain(ROUNDS_IN_A_REQUEST)

    def _drain(self, rounds: int | None) -> None:
        """Refresh until nothing is pending; after ``rounds`` (None: no limit), hand over to a new thread."""
        done = 0
        try:
            while True:
                with self.lock:
                    if self.pending is None:
                        self.running = False
                        return
                    if rounds is not None and done >= rounds:
                        # Still running: the new thread carries on with what is pending.
                        context = contextvars.copy_context()  # a pinned clock.today() goes along
                        threading.Thread(target=context.run, args=(self._drain, None), daemon=True,
                                         name="duban-rescoring").start()
                        return
                    since, self.pending = self.pending, None
                self._run(since - MARGIN)
                done += 1
        except BaseException:
            with self.lock:
                self.running = False
            raise

    def _inside_a_write(self) -> bool:
        """True when this thread still holds SQLite's write lock through another transaction.

        The refresh would wait for that transaction, which waits for this thread: the changes
        are left to the refresh after that transaction commits.
        """
        bind = self.factory.kw.get("bind")
        lock = writer_lock(bind) if isinstance(bind, Engine) else None
        return lock is not None and lock.held_by_this_thread

    def _run(self, since: datetime) -> None:
        session = self.factory()
        session.info[_REFRESHING] = True
        session.info["actor"] = "scoring"
        pm = session.info.get("plugins")
        if pm is None:
            session.close()
            return
        try:
            refresh(session, pm, clock.today(), since)
            session.commit()
        except Exception:
            logger.warning("could not rescore after a change; the next change or tick will", exc_info=True)
            try:
                session.rollback()
            except Exception:
                logger.warning("could not roll back the failed rescoring", exc_info=True)
        finally:
            session.close()


def install(factory: sessionmaker[Session]) -> None:
    """Rescore what each committed transaction of ``factory``'s sessions changed, as it commits.

    A session is noted as having written a scoring input by its flushes (ORM objects)
    and by the INSERT, UPDATE and DELETE statements it executes (bulk writes of signals).
    """
    refresher = _Refresher(factory)

    def note(session: Session) -> None:
        if _WROTE not in session.info:
            session.info[_WROTE] = utcnow()

    @event.listens_for(factory, "after_flush")
    def _flushed(session: Session, _context: Any) -> None:
        for obj in (*session.new, *session.dirty, *session.deleted):
            if getattr(type(obj), "__tablename__", None) in INPUT_TABLES:
                note(session)
                return

    @event.listens_for(factory, "do_orm_execute")
    def _executed(state: Any) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            table = getattr(state.statement, "table", None)
            if getattr(table, "name", None) in INPUT_TABLES:
                note(state.session)

    @event.listens_for(factory, "after_soft_rollback")
    def _rolled_back(session: Session, previous: Any) -> None:
        if previous.parent is None:
            session.info.pop(_WROTE, None)

    event.listen(factory, "after_commit", refresher.after_commit)
