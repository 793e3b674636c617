"""Twenty identical tip posts at once, on a real database file or server: one tip, no 500.

Each copy found no tip with the ``ref`` and inserted one; the unique constraint
``uq_tips_ref`` stopped all but the first, and six of twenty answered 500. Now a copy
that clashes is done again, finds the stored tip and answers as a re-post does.
"""
from __future__ import annotations

import os
import threading
from typing import Any

from sqlalchemy import func, select

from core.db import scratch_database
from plugins.media_tips.models import Tip
from tests.conftest import make_app

COPIES = 20
BODY = {"tips": [{"ref": "H-20261127-07", "text": "河东区东湖街道老旧小区加装电梯停工三个月", "source": "hotline",
                  "region_code": "990102", "received_on": "2026-11-20"}]}


def _setup(app: Any) -> str:
    from core.access.accounts import save_account
    from core.access.models import Role, User
    from core.access.tokens import create_token_for
    from core.migrate import upgrade
    from core.org.models import Unit, UnitLevel
    from core.org.units import save_unit
    from core.plugins import migration_dirs

    database = app.extensions["duban.db"]
    upgrade(database.engine, migration_dirs(app.extensions["duban.plugins"]))
    with database.transaction(actor="test") as session:
        province = save_unit(session, Unit(), code="P", name="示范省", level=UnitLevel.province,
                             region_code="990000", parent=None)
        city = save_unit(session, Unit(), code="A", name="青山市", level=UnitLevel.city, region_code="990100",
                         parent=province)
        save_unit(session, Unit(), code="A1", name="河东区", level=UnitLevel.county, region_code="990102", parent=city)
        user = save_account(session, User(), username="hotline", role=Role.supervisor, unit_code="P",
                            password="correct-horse-battery")
        session.flush()
        _token, secret = create_token_for(session, user)
        return secret


def test_identical_posts_at_once_store_one_tip_and_all_get_the_same_answer(tmp_path) -> None:
    with scratch_database(os.environ.get("DUBAN_TEST_DATABASE_URL"), "duban_tips_race") as url:
        app = make_app(url, tmp_path, PROPAGATE_EXCEPTIONS=False)
        try:
            secret = _setup(app)
            answers: list[tuple[int, Any]] = []
            lock = threading.Lock()
            start = threading.Barrier(COPIES)

            def post() -> None:
                client = app.test_client()
                start.wait()
                response = client.post("/api/v1/tips", json=BODY, headers={"Authorization": f"Bearer {secret}"},
                                       csrf=False)
                with lock:
                    answers.append((response.status_code, response.get_json()))

            threads = [threading.Thread(target=post) for _ in range(COPIES)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            statuses = sorted(status for status, _ in answers)
            assert all(status in (201, 409, 503) for status in statuses), answers
            ok = [body for status, body in answers if status == 201]
            assert ok and sum(body["created"] for body in ok) == 1
            assert {tuple(body["refs"]) for body in ok} == {("H-20261127-07",)}
            assert len({tuple(body["ids"]) for body in ok}) == 1
            for status, body in answers:
                if status != 201:
                    assert body["error"]["message"], body
            with app.extensions["duban.db"].session() as session:
                assert session.scalar(select(func.count(Tip.id)).where(Tip.ref == "H-20261127-07")) == 1
            print("answers:", {status: statuses.count(status) for status in set(statuses)})
        finally:
            app.extensions["duban.db"].dispose()
