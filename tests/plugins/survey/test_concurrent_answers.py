"""Many respondents answering at once, on a real database file or server: each stored exactly once."""
from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from core.db import scratch_database
from plugins.survey.models import SurveyResponse
from tests.conftest import make_app
from tests.plugins.survey.conftest import TOKEN, form_bytes

ANSWERS = {"district": "990102", "aware": "yes", "benefit": "yes", "satisfaction": "satisfied", "years": "12",
           "comment": "很好"}
THREADS = 6
EACH = 8


def _published_survey(app: Any, unit_field: bool) -> str:
    from core.migrate import upgrade
    from core.org.models import Unit, UnitLevel
    from core.org.units import save_unit
    from core.plugins import migration_dirs
    from plugins.survey import service

    database = app.extensions["duban.db"]
    upgrade(database.engine, migration_dirs(app.extensions["duban.plugins"]))
    with database.transaction(actor="test") as session:
        province = save_unit(session, Unit(), code="990000", name="示范省", level=UnitLevel.province,
                             region_code="990000", parent=None)
        save_unit(session, Unit(), code="990102", name="示范区", level=UnitLevel.county, region_code="990102",
                  parent=province)
        survey = service.create_survey(session, form_bytes("demo"), owner_unit_id=province.id, source_name="demo",
                                       publish=True)
        if unit_field:  # the unit is found by its code, read before the answer is written
            survey.unit_field = "district"
        session.flush()
        return survey.slug


@pytest.mark.parametrize("unit_field", [True, False], ids=["a transaction each", "grouped"])
def test_answers_sent_at_once_are_each_stored_once(tmp_path, unit_field: bool) -> None:
    """With a unit named by its code each answer has a transaction of its own; without, answers are grouped."""
    with scratch_database(os.environ.get("DUBAN_TEST_DATABASE_URL"), "duban_concurrent") as url:
        app = make_app(url, tmp_path, PUBLIC_RATE_LIMIT="100000 per minute")
        try:
            slug = _published_survey(app, unit_field)
            statuses: list[int] = []
            lock = threading.Lock()

            def respondent() -> None:
                client = app.test_client()
                for _ in range(EACH):
                    found = TOKEN.search(client.get(f"/s/{slug}").get_data(as_text=True))
                    assert found is not None
                    token = found.group(1)
                    for _click in range(2):  # every answer is sent twice, as a double click does
                        status = client.post(f"/s/{slug}", data={**ANSWERS, "form_token": token}).status_code
                        with lock:
                            statuses.append(status)

            threads = [threading.Thread(target=respondent) for _ in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert statuses == [303] * (THREADS * EACH * 2)
            with app.extensions["duban.db"].session() as session:
                stored = list(session.scalars(select(SurveyResponse.unit_id)))
                assert len(stored) == THREADS * EACH
                assert session.scalar(select(func.count(func.distinct(SurveyResponse.submission_key)))) == len(stored)
                assert len(set(stored)) == 1 and (stored[0] is not None) is unit_field
        finally:
            app.extensions["duban.db"].dispose()


def test_a_thread_already_writing_does_not_wait_for_a_group_that_waits_for_it(tmp_path, monkeypatch) -> None:
    """On SQLite, an answer stored by a thread that holds the process's write lock is not grouped.

    The group's writer would wait for that lock, and the thread for the group: it would hang.
    Written alone, it meets SQLite's own lock (another connection of the thread holds it) and
    is refused after the busy timeout, as any second connection of a writing thread is.
    """
    from sqlalchemy.exc import OperationalError

    import core.db
    from core.db import WRITE_INTENT
    from plugins.survey import submission
    from plugins.survey.published import FormCache

    monkeypatch.setattr(core.db, "BUSY_TIMEOUT_MS", 200)
    app = make_app("sqlite:///" + str(tmp_path / "alone.sqlite"), tmp_path)
    try:
        slug = _published_survey(app, unit_field=False)
        database = app.extensions["duban.db"]
        with database.session() as session:
            form = FormCache().by_slug(session, slug)
        assert form is not None
        answer = submission.Submission(key="w:alone", answers={"aware": "yes"}, day=_today(), at=None)
        outcome: list[BaseException] = []

        def write() -> None:
            with database.begin(**WRITE_INTENT):  # this thread now holds the write lock
                try:
                    submission.store(database, form, answer)
                except OperationalError as error:
                    outcome.append(error)

        thread = threading.Thread(target=write)
        thread.start()
        thread.join(20)
        assert not thread.is_alive()
        assert len(outcome) == 1 and "locked" in str(outcome[0])
        assert submission.grouped_writes(database).transactions == 0
    finally:
        app.extensions["duban.db"].dispose()


def _today() -> Any:
    from core import clock

    return clock.now().date()
