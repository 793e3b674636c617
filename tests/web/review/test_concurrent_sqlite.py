"""Writers and readers at once on a real database file: two applications share it, as two workers do.

Writers read, then write (the pattern that made SQLite answer "database is locked"), and every
commit rescores what it touched; readers load the queue and task pages meanwhile. Nothing may fail,
nothing may be lost, and the pages never write: they answer while another process holds the
write lock for seconds, as a training storing its model does.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from core.access.models import Role
from core.db import scratch_database
from core.ledger.models import Task
from core.scoring.models import TaskScore
from core.signals import Signal, record_signal
from tests.conftest import PASSWORD, make_app

WRITERS = 4
EACH = 6
READERS = 3


def _province(app: Any) -> list[int]:
    """A province, a supervisor and one task per county; returns the tasks' ids."""
    from core.access.accounts import save_account
    from core.access.models import User
    from core.access.scope import Scope
    from core.ledger.dispatch import MatterFields, dispatch_task, save_matter
    from core.ledger.models import MatterKind
    from core.migrate import upgrade
    from core.org.models import Unit, UnitLevel
    from core.org.units import save_unit
    from core.plugins import migration_dirs

    database = app.extensions["duban.db"]
    upgrade(database.engine, migration_dirs(app.extensions["duban.plugins"]))
    with database.transaction(actor="test") as session:
        province = save_unit(session, Unit(), code="P", name="示范省", level=UnitLevel.province,
                             region_code="990000", parent=None)
        counties = [save_unit(session, Unit(), code=f"C{i}", name=f"区{i}", level=UnitLevel.county,
                              region_code=f"9901{i:02d}", parent=province) for i in range(WRITERS)]
        staff = save_account(session, User(), username="staff", role=Role.supervisor, unit_code="P",
                             is_unit_head=True, password=PASSWORD)
        session.flush()
        matter = save_matter(Scope(session, staff), None, MatterFields(
            code="M-1", title="改造", kind=MatterKind.meeting, source_ref="", importance=3, public_attention=3))
        tasks = [dispatch_task(Scope(session, staff), matter, unit_id=county.id, description=county.code,
                               deadline=date.today() + timedelta(days=10)) for county in counties]
        session.flush()
        return [task.id for task in tasks]


def test_writers_and_readers_at_once_lose_nothing_and_never_fail(tmp_path) -> None:
    server = os.environ.get("DUBAN_TEST_DATABASE_URL")
    with scratch_database(server, "duban_concurrent_review") as url:
        apps = [make_app(url, tmp_path / f"worker{i}", BABEL_DEFAULT_TIMEZONE="UTC",
                         LOGIN_RATE_LIMIT="100000 per minute") for i in range(2)]
        try:
            task_ids = _province(apps[0])
            errors: list[BaseException] = []
            statuses: list[int] = []
            lock = threading.Lock()
            done = threading.Event()

            def writer(n: int) -> None:
                database = apps[n % 2].extensions["duban.db"]
                try:
                    for k in range(EACH):
                        with database.transaction(actor="test") as session:
                            # Read first, then write: the second half of the transaction waits its turn.
                            session.scalar(select(func.count(Signal.id)))
                            task = session.get(Task, task_ids[n])
                            record_signal(session, source="hotline", kind="complaints", ref=f"w{n}-{k}",
                                          unit_id=task.unit_id, matter_id=task.matter_id, value=k + 1,
                                          observed_on=date.today())
                except BaseException as error:
                    with lock:
                        errors.append(error)

            def reader(n: int) -> None:
                client = apps[n % 2].test_client()
                client.post("/login", data={"username": "staff", "password": PASSWORD})
                while not done.is_set():
                    for path in ("/review/", f"/review/tasks/{task_ids[n % len(task_ids)]}"):
                        status = client.get(path).status_code
                        with lock:
                            statuses.append(status)

            readers = [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
            writers = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
            for thread in readers + writers:
                thread.start()
            for thread in writers:
                thread.join()
            if not server:
                # Another process holds the write lock for two seconds (a long write elsewhere): pages still answer.
                other = sqlite3.connect(url.removeprefix("sqlite:///"))
                other.isolation_level = None
                other.execute("BEGIN IMMEDIATE")
                began, answered = time.monotonic(), len(statuses)
                time.sleep(2)
                during = len(statuses) - answered
                other.execute("ROLLBACK")
                other.close()
                assert during > 0 and time.monotonic() - began < 3
            done.set()
            for thread in readers:
                thread.join()

            assert errors == []
            assert statuses and set(statuses) == {200}, sorted(set(statuses))
            with apps[0].extensions["duban.db"].session() as session:
                refs = list(session.scalars(select(Signal.ref).where(Signal.source == "hotline")))
                assert sorted(refs) == sorted(f"w{n}-{k}" for n in range(WRITERS) for k in range(EACH))
                # Every commit rescored what it touched: each task scored, after its last signal.
                scored = dict(session.execute(select(TaskScore.task_id, TaskScore.scored_on)).all())
                assert set(scored) == set(task_ids)
        finally:
            for app in apps:
                app.extensions["duban.db"].dispose()
