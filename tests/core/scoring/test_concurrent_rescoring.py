"""Two workers rescoring the same tasks at once on PostgreSQL (each rescores after its own commits).

Both used to delete the tasks' score rows and insert new ones: the second, having deleted before
the first committed, ran into the first one's new rows (``pk_scoring_task_scores``; seen in
bench/faults.py --mixed). Rescorings now take turns: the second reads after the first has committed.
"""
from __future__ import annotations

import os
import threading
import time
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text

from core.db import scratch_database
from core.scoring.context import load_context
from core.scoring.models import TaskScore
from core.scoring.rescore import rescore
from tests.conftest import make_app
from tests.web.review.test_concurrent_sqlite import _province


def _waiting_for_a_lock(app: Any) -> int:
    with app.extensions["duban.db"].engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one()


@pytest.mark.postgres_only
def test_two_workers_rescoring_the_same_tasks_at_once_store_each_task_once(tmp_path) -> None:
    server = os.environ.get("DUBAN_TEST_DATABASE_URL")
    if not server or not server.startswith("postgres"):
        pytest.skip("needs DUBAN_TEST_DATABASE_URL on PostgreSQL")
    with scratch_database(server, "duban_concurrent_rescoring") as url:
        apps = [make_app(url, tmp_path / f"worker{i}", BABEL_DEFAULT_TIMEZONE="UTC") for i in range(2)]
        try:
            task_ids = _province(apps[0])
            today = date.today()
            first = apps[0].extensions["duban.db"].session()
            rescore(first, load_context(first, apps[0].extensions["duban.plugins"]), today, task_ids)
            errors: list[BaseException] = []

            def second_worker() -> None:
                try:
                    with apps[1].extensions["duban.db"].transaction(actor="test") as session:
                        rescore(session, load_context(session, apps[1].extensions["duban.plugins"]), today,
                                task_ids)
                except BaseException as error:
                    errors.append(error)

            thread = threading.Thread(target=second_worker)
            thread.start()
            deadline = time.monotonic() + 60
            while _waiting_for_a_lock(apps[0]) == 0:  # the second rescoring waits for the first
                assert thread.is_alive() and time.monotonic() < deadline, errors
                time.sleep(0.05)
            first.commit()
            first.close()
            thread.join(60)

            assert errors == []
            with apps[0].extensions["duban.db"].session() as session:
                rows = dict(session.execute(select(TaskScore.task_id, func.count()).group_by(TaskScore.task_id)).all())
                assert rows == {task_id: 1 for task_id in task_ids}
        finally:
            for app in apps:
                app.extensions["duban.db"].dispose()
