"""``duban import signals``: dated observations, refused dates, and a history that reads the same however it came in."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from core import clock
from core.hooktypes import ImportContext
from core.intake import run_import
from core.ledger.models import Matter, MatterKind, Task
from core.plugins import importers
from core.scoring.context import load_context
from core.scoring.features import compute_features
from core.signals import Signal

HEADER = "source,kind,unit_code,matter_code,value,observed_on,ref\n"
END = date(2026, 4, 30)
# A hotline's complaint counts, month by month, each month's figure with its own ref.
HISTORY = [
    ("2026-01-31", "A1", "M-1", 4, "h-2026-01-A1"),
    ("2026-01-31", "A2", "", 1, "h-2026-01-A2"),
    ("2026-02-28", "A1", "M-1", 9, "h-2026-02-A1"),
    ("2026-03-31", "A1", "M-1", 2, "h-2026-03-A1"),
    ("2026-03-31", "A2", "", 0, "h-2026-03-A2"),
    ("2026-04-30", "A1", "M-1", 5, "h-2026-04-A1"),
]
CHECK_DAYS = [date(2026, 1, 30), date(2026, 1, 31), date(2026, 2, 15), date(2026, 3, 1), date(2026, 3, 31), END]


@pytest.fixture
def tasks(db_session, org):
    matter = Matter(code="M-1", title="城镇老旧小区改造", kind=MatterKind.work_report, owner_unit_id=org.city_a.id)
    db_session.add(matter)
    db_session.flush()
    found = {}
    for unit in (org.county_a1, org.county_a2):
        found[unit.code] = Task(matter_id=matter.id, unit_id=unit.id, description="改造", deadline=date(2026, 12, 31))
        db_session.add(found[unit.code])
    db_session.commit()
    return found


def _text(rows) -> str:
    return HEADER + "".join(f"hotline_12345,complaints,{unit},{matter},{value},{day},{ref}\n"
                            for day, unit, matter, value, ref in rows)


def _importer(app):
    return importers(app.extensions["duban.plugins"])["signals"]


def _run(app, db_session, rows):
    return run_import(db_session, _importer(app), _text(rows).encode("utf-8"), "signals.csv",
                      ImportContext(actor="tests"))


def test_observed_on_in_the_future_before_1990_or_not_a_date_refuses_the_file(app, db_session, tasks):
    rows = [("2026-04-30", "A1", "M-1", 1, "ok-1"), ("2026-05-01", "A1", "M-1", 1, "future"),
            ("1989-12-31", "A1", "", 1, "old"), ("2026-04-31", "A1", "", 1, "no-such-day"),
            ("1990-01-01", "A2", "", 1, "ok-2")]
    with clock.frozen(END):
        report = _run(app, db_session, rows)
    assert [(error.line, error.column) for error in report.errors] == [
        (3, "observed_on"), (4, "observed_on"), (5, "observed_on")]
    assert db_session.scalar(select(func.count(Signal.id))) == 0
    with clock.frozen(END + timedelta(days=1)):  # the next day, May 1 has happened
        report = _run(app, db_session, [rows[0], rows[1], rows[4]])
    assert report.ok and report.created == 3


def test_monthly_files_build_a_history_and_reimporting_keeps_it(app, db_session, tasks):
    catalogue = None
    with clock.frozen(END):
        assert _run(app, db_session, HISTORY[:3]).created == 3
        assert _run(app, db_session, HISTORY[3:]).created == 3
        again = _run(app, db_session, HISTORY)
        assert again.ok and again.unchanged == 6 and again.created == again.updated == 0
        catalogue = load_context(db_session, app.extensions["duban.plugins"], with_model=False).catalogue
    assert db_session.scalar(select(func.count(Signal.id))) == 6

    def complaints(day, unit):
        return compute_features(db_session, catalogue, day).row(tasks[unit].id)["hotline_12345.complaints"]

    assert np.isnan(complaints(date(2026, 1, 30), "A1"))
    assert [complaints(day, "A1") for day in CHECK_DAYS[1:]] == [4, 4, 9, 2, 5]
    assert [complaints(day, "A2") for day in CHECK_DAYS[1:]] == [1, 1, 1, 0, 0]


def test_a_history_imported_at_once_scores_like_one_imported_day_by_day(app, db_session, tasks):
    importer = _importer(app)

    def load(rows):
        report = importer.handler(db_session, _text(rows).encode("utf-8"), "signals.csv", ImportContext(actor="t"))
        assert report.ok, report.errors

    at_once = db_session.begin_nested()
    with clock.frozen(END):
        load(HISTORY)
        catalogue = load_context(db_session, app.extensions["duban.plugins"], with_model=False).catalogue
        imported = {day: compute_features(db_session, catalogue, day).values for day in CHECK_DAYS}
    at_once.rollback()
    assert db_session.scalar(select(func.count(Signal.id))) == 0

    day = date.fromisoformat(HISTORY[0][0])
    while day <= END:
        with clock.frozen(day):
            arrived = [row for row in HISTORY if row[0] == day.isoformat()]
            if arrived:
                load(arrived)
        day += timedelta(days=1)
    column = catalogue.names.index("hotline_12345.complaints")
    for check in CHECK_DAYS:
        daily = compute_features(db_session, catalogue, check).values
        np.testing.assert_array_equal(imported[check], daily, err_msg=str(check))
    assert not np.isnan(imported[END][:, column]).all()
