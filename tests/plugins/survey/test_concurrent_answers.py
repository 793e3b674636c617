"""Many respondents answering at once, on a real database file or server: each stored exactly once."""
from __future__ import annotations

import os
import threading
from typing import Any

from sqlalchemy import func, select

from core.db import scratch_database
from plugins.survey.models import SurveyResponse
from tests.conftest import make_app
from tests.plugins.survey.conftest import TOKEN, form_bytes

ANSWERS = {"district": "990102", "aware": "yes", "benefit": "yes", "satisfaction": "satisfied", "years": "12",
           "comment": "很好"}
THREADS = 6
EACH = 8


def _published_survey(app: Any) -> str:
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
        survey.unit_field = "district"  # the unit is found by its code, read before the answer is written
        session.flush()
        return survey.slug


def test_answers_sent_at_once_are_each_stored_once(tmp_path) -> None:
    with scratch_database(os.environ.get("DUBAN_TEST_DATABASE_URL"), "duban_concurrent") as url:
        app = make_app(url, tmp_path, PUBLIC_RATE_LIMIT="100000 per minute")
        try:
            slug = _published_survey(app)
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
                assert len(set(stored)) == 1 and stored[0] is not None
        finally:
            app.extensions["duban.db"].dispose()
