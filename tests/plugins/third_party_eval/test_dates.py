"""Evaluations are a history: each batch (period) of a matter and unit is kept and dated on the day the
unit was evaluated, whether the batches came in one file or one at a time."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import delete, func, select

from core import clock
from core.hooktypes import ImportContext
from core.intake import run_import
from core.ledger.models import Task
from core.ledger.report_models import ProgressReport
from core.plugins import importers, signal_kinds
from core.scoring.catalogue import build_catalogue
from core.scoring.features import compute_features
from core.signals import Signal
from plugins.third_party_eval.models import Batch, BatchState, Score
from plugins.third_party_eval.signals import refresh_all
from tests.plugins.third_party_eval.conftest import csv_file, line

END = date(2026, 9, 30)
SOURCE = "third_party_eval"


def _import(app, session, rows, day=END):
    importer = importers(app.extensions["duban.plugins"])["evaluations"]
    with clock.frozen(day):
        return run_import(session, importer, csv_file(rows), "s.csv", ImportContext(actor="cli"))


def figure(session, matter, unit, kind, day):
    signal = session.scalars(select(Signal).where(
        Signal.source == SOURCE, Signal.matter_id == matter.id, Signal.unit_id == unit.id, Signal.kind == kind,
        Signal.observed_on <= day).order_by(Signal.observed_on.desc())).first()
    return None if signal is None else signal.value


def _stored(session):
    return {(s.ref, s.kind, s.unit_id, s.matter_id, s.task_id, s.value, s.observed_on)
            for s in session.scalars(select(Signal).where(Signal.source == SOURCE))}


def _report(session, matter, unit, day, percent):
    """A progress report filed at noon (Beijing time) on ``day``."""
    task = session.scalar(select(Task).where(Task.matter_id == matter.id, Task.unit_id == unit.id))
    session.add(ProgressReport(task_id=task.id, text="进展", percent_done=percent,
                               submitted_at=datetime(day.year, day.month, day.day, 4, tzinfo=UTC)))
    session.flush()


def test_evaluation_dates_that_cannot_have_happened_are_refused(app, db_session, world):
    with clock.frozen(date(2026, 4, 1)):
        report = _import(app, db_session, [
            line("A1", "Q1", 90, on="2026-04-01"),
            line("A1", "Q2", 90, on="2026-04-02"),
            line("A2", "Q1", 90, on="2026-02-30"),
            line("A2", "Q2", 90, on="1989-12-31"),
        ], day=date(2026, 4, 1))
    assert {(error.line, error.column) for error in report.errors} == {
        (3, "evaluated_on"), (4, "evaluated_on"), (5, "evaluated_on")}
    assert db_session.scalar(select(func.count(Batch.id))) == 0
    assert db_session.scalar(select(func.count(Signal.id))) == 0


def test_each_period_is_kept_and_a_correction_replaces_only_its_own(app, db_session, world, org):
    roads, a1 = world.roads, org.county_a1
    q1 = [line("A1", "Q1", 60, batch="2026Q1", on="2026-03-28"), line("A1", "Q2", 90, batch="2026Q1", on="2026-03-31")]
    q2 = [line("A1", "Q1", 90, batch="2026Q2", on="2026-06-30"), line("A1", "Q2", 60, batch="2026Q2", on="2026-06-30")]
    assert _import(app, db_session, q1 + q2).ok
    assert db_session.scalar(select(func.count(Batch.id)).where(Batch.state == BatchState.current)) == 2
    assert figure(db_session, roads, a1, "weighted_score", date(2026, 3, 30)) is None  # dated on the latest row
    assert figure(db_session, roads, a1, "weighted_score", date(2026, 3, 31)) == 70  # (60·2 + 90) / 3
    assert figure(db_session, roads, a1, "below_target", date(2026, 5, 1)) == 1
    assert figure(db_session, roads, a1, "weighted_score", date(2026, 6, 30)) == 80  # (90·2 + 60) / 3
    corrected = [line("A1", "Q1", 75, batch="2026Q1", on="2026-03-31"), q1[1]]
    report = _import(app, db_session, corrected)
    assert (report.updated, report.unchanged) == (1, 1)  # a new version of the batch, one row of it changed
    assert db_session.scalar(select(func.count(Batch.id)).where(Batch.state == BatchState.superseded)) == 1
    assert figure(db_session, roads, a1, "weighted_score", date(2026, 4, 1)) == 80  # (75·2 + 90) / 3
    assert figure(db_session, roads, a1, "weighted_score", END) == 80  # the second period stands
    points = db_session.scalars(select(Signal.observed_on).where(Signal.kind == "weighted_score")).all()
    assert sorted(points) == [date(2026, 3, 31), date(2026, 6, 30)]


def test_the_gap_uses_the_percent_reported_by_the_evaluation_day(app, db_session, world, org):
    roads = world.roads
    _report(db_session, roads, org.county_a1, date(2026, 3, 20), 60)
    _report(db_session, roads, org.county_a1, date(2026, 5, 1), 100)
    assert _import(app, db_session, [
        line("A1", "Q1", 60, batch="2026Q1", on="2026-03-31"), line("A1", "Q2", 90, batch="2026Q1", on="2026-03-31"),
        line("A2", "Q1", 60, batch="2026Q1", on="2026-03-31"), line("A2", "Q2", 90, batch="2026Q1", on="2026-03-31"),
        line("A1", "Q1", 90, batch="2026Q2", on="2026-06-30"), line("A1", "Q2", 60, batch="2026Q2", on="2026-06-30"),
    ]).ok
    assert figure(db_session, roads, org.county_a1, "self_report_gap", date(2026, 4, 1)) == 60 - 70
    assert figure(db_session, roads, org.county_a1, "self_report_gap", END) == 100 - 80
    # A task that never reported has no dated percent: the ledger's (90 here) is used.
    assert figure(db_session, roads, org.county_a2, "self_report_gap", END) == 90 - 70


HISTORY = [  # batch, matter, unit, indicator, score, evaluated on
    ("2026Q1", "M-ROAD", "A1", "Q1", 60, "2026-03-28"), ("2026Q1", "M-ROAD", "A1", "Q2", 90, "2026-03-31"),
    ("2026Q1", "M-ROAD", "A2", "Q1", 95, "2026-03-31"), ("2026Q1", "M-ROAD", "A2", "Q2", 70, "2026-03-31"),
    ("2026Q2", "M-ROAD", "A1", "Q1", 85, "2026-06-30"), ("2026Q2", "M-ROAD", "A1", "Q2", 80, "2026-06-30"),
    ("2026Q2", "M-ROAD", "A2", "Q1", 50, "2026-07-03"), ("2026Q2", "M-ROAD", "A2", "Q2", 65, "2026-07-03"),
    ("2026H1", "M-WATER", "B1", "W1", 72, "2026-07-15"), ("2026H1", "M-WATER", "A1", "W1", 88, "2026-07-15"),
    ("2026Q3", "M-ROAD", "A1", "Q1", 92, "2026-09-20"), ("2026Q3", "M-ROAD", "A1", "Q2", 88, "2026-09-20"),
]
DAYS = [date(2026, 3, 27), date(2026, 3, 31), date(2026, 5, 1), date(2026, 7, 1), date(2026, 7, 3),
        date(2026, 8, 1), END]


def _rows(entries):
    return [line(unit, indicator, score, matter=matter, batch=batch, on=on)
            for batch, matter, unit, indicator, score, on in entries]


def test_a_history_imported_at_once_or_batch_by_batch_gives_the_same_features(app, db_session, world, org):
    catalogue = build_catalogue(signal_kinds(app.extensions["duban.plugins"]))
    _report(db_session, world.roads, org.county_a1, date(2026, 3, 1), 40)
    _report(db_session, world.roads, org.county_a1, date(2026, 6, 30), 100)  # filed on an evaluation day
    _report(db_session, world.roads, org.county_a2, date(2026, 4, 10), 70)
    report = _import(app, db_session, _rows(HISTORY), day=END)
    assert report.ok, report.render(str)
    refresh_all(db_session, END)
    at_once = {day: compute_features(db_session, catalogue, day) for day in DAYS}
    signals_at_once = _stored(db_session)

    db_session.execute(delete(Signal).where(Signal.source == SOURCE))
    db_session.execute(delete(Score))
    db_session.execute(delete(Batch))
    day = date(2026, 3, 1)
    while day <= END:
        # Each batch arrives on the day of its last evaluation.
        batches = {batch for batch, *_rest in HISTORY
                   if max(entry[5] for entry in HISTORY if entry[0] == batch) == day.isoformat()}
        if batches:
            report = _import(app, db_session, _rows(e for e in HISTORY if e[0] in batches), day=day)
            assert report.ok, (day, report.render(str))
        with clock.frozen(day):
            refresh_all(db_session, day)
        day += timedelta(days=1)
    assert _stored(db_session) == signals_at_once
    assert refresh_all(db_session, END) == 0
    evaluation = [i for i, name in enumerate(catalogue.names) if name.startswith(f"{SOURCE}.")]
    for day in DAYS:
        first, second = at_once[day], compute_features(db_session, catalogue, day)
        assert list(first.task_ids) == list(second.task_ids)
        assert np.array_equal(first.values, second.values, equal_nan=True), day
    assert np.isnan(at_once[DAYS[0]].values[:, evaluation]).all()
    a1_roads = at_once[date(2026, 5, 1)].row(db_session.scalar(select(Task.id).where(
        Task.matter_id == world.roads.id, Task.unit_id == org.county_a1.id)))
    assert a1_roads[f"{SOURCE}.weighted_score"] == 70 and a1_roads[f"{SOURCE}.self_report_gap"] == 40 - 70
