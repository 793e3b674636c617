"""Findings keep the days they happened on: found, rectification due, rectified; the unit's figures
as they stood on any past day, whether the findings came in one file or day by day."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy import delete, func, select

from core import clock
from core.hooktypes import ImportContext
from core.intake import run_import
from core.plugins import importers, signal_kinds
from core.scoring.catalogue import build_catalogue
from core.scoring.features import compute_features
from core.signals import Signal
from plugins.audit.models import Finding, Status
from plugins.audit.reminders import tick
from plugins.audit.signals import refresh_signals
from tests.plugins.audit.conftest import HEADERS_ZH, csv_bytes, row

HEADERS = HEADERS_ZH + ["整改完成日期"]
END = date(2026, 5, 31)


def dated(ref: str, unit: str = "A1", found: str = "2026-03-01", due: str = "", status: str = "未整改",
          done: str = "", **overrides: str) -> list[str]:
    return row(ref, unit, 发现日期=found, 整改期限=due, 整改状态=status, **overrides) + [done]


def _import(app, session, rows, day=END):
    importer = importers(app.extensions["duban.plugins"])["audit"]
    with clock.frozen(day):
        return run_import(session, importer, csv_bytes(rows, headers=HEADERS), "f.csv", ImportContext(actor="cli"))


def figure(session, unit_id: int, kind: str, day: date) -> float | None:
    """The unit's figure on ``day``: its latest point by then (days overdue grow by one a day after it)."""
    signal = session.scalars(select(Signal).where(Signal.source == "audit", Signal.unit_id == unit_id,
                                                  Signal.kind == kind, Signal.observed_on <= day)
                             .order_by(Signal.observed_on.desc())).first()
    if signal is None:
        return None
    if kind == "rectification_overdue_days" and signal.value > 0:
        return signal.value + (day - signal.observed_on).days
    return signal.value


def _stored(session) -> set[tuple[str, str, int, float, date]]:
    return {(s.ref, s.kind, s.unit_id, s.value, s.observed_on) for s in session.scalars(
        select(Signal).where(Signal.source == "audit"))}


def test_dates_that_cannot_have_happened_are_refused_row_by_row(app, db_session, org, ledger):
    with clock.frozen(date(2026, 3, 10)):
        report = _import(app, db_session, [
            dated("F-1", found="2026-03-10"),  # today in the instance's zone: fine
            dated("F-2", found="2026-03-11"),  # tomorrow
            dated("F-3", found="2026-02-30"),
            dated("F-4", found="1989-12-31"),
            dated("F-5", found="2026-03-01", status="已整改", done="2026-03-11"),
            dated("F-6", found="2026-03-05", status="已整改", done="2026-03-04"),
            dated("F-7", found="2026-03-05", status="整改中", done="2026-03-06"),
            dated("F-8", found="2026-03-01", due="2027-06-30"),  # a deadline may lie ahead
        ], day=date(2026, 3, 10))
    problems = {(error.line, error.column) for error in report.errors}
    assert problems == {(3, "found_on"), (4, "found_on"), (5, "found_on"), (6, "rectified_on"),
                        (7, "rectified_on"), (8, "rectified_on")}
    rendered = report.render(str)
    assert "2026-03-11" in rendered and "1989-12-31" in rendered
    assert db_session.scalar(select(func.count(Finding.id))) == 0
    assert db_session.scalar(select(func.count(Signal.id))) == 0


def test_a_finding_open_on_a_day_counts_on_that_day_only(app, db_session, org, ledger):
    a1 = org.county_a1.id
    report = _import(app, db_session, [
        dated("F-1", found="2026-01-10", due="2026-02-10", 严重程度="严重", 涉及金额="100"),
        dated("F-2", found="2026-02-01", due="2026-02-20", status="已整改", done="2026-03-15", 涉及金额="50"),
        dated("F-3", found="2026-03-01", 问题类别="虚报工程量", 涉及金额=""),
        dated("F-4", found="2026-04-01", status="已整改", done="2026-04-20", 问题类别="虚报工程量"),
    ])
    assert report.ok, report.render(str)
    assert figure(db_session, a1, "open_findings", date(2026, 1, 9)) is None  # nothing known before
    expected = {  # day: open, severe, amount, overdue days, repeats
        date(2026, 1, 10): (1, 1, 100, 0, 0),
        date(2026, 2, 1): (2, 1, 150, 0, 1),  # the second 专项资金闲置 finding is a repeat
        date(2026, 2, 11): (2, 1, 150, 1, 1),  # F-1 a day past its deadline
        date(2026, 2, 25): (2, 1, 150, 15, 1),  # F-2 overdue too, F-1 is the older
        date(2026, 3, 1): (3, 1, 150, 19, 1),
        date(2026, 3, 15): (2, 1, 100, 33, 1),  # F-2 rectified that day; a repeat stays a repeat
        date(2026, 4, 1): (3, 1, 100 + 1200.5, 50, 2),
        date(2026, 4, 20): (2, 1, 100, 69, 2),
        END: (2, 1, 100, 110, 2),
    }
    kinds = ("open_findings", "severe_findings", "amount_involved", "rectification_overdue_days", "repeat_findings")
    for day, values in expected.items():
        assert tuple(figure(db_session, a1, kind, day) for kind in kinds) == values, day
    # The overdue days are stored only when the oldest overdue finding changes, not every day.
    overdue_days = sorted(s.observed_on for s in db_session.scalars(select(Signal).where(
        Signal.unit_id == a1, Signal.kind == "rectification_overdue_days")))
    assert overdue_days == [date(2026, 1, 10), date(2026, 2, 11)]


def test_done_without_a_date_is_done_on_the_day_of_the_import_and_keeps_that_day(app, db_session, org, ledger):
    _import(app, db_session, [dated("F-1", found="2026-03-01")], day=date(2026, 3, 5))
    _import(app, db_session, [dated("F-1", found="2026-03-01", status="已整改")], day=date(2026, 4, 2))
    finding = db_session.scalars(select(Finding)).one()
    assert (finding.status, finding.rectified_on) == (Status.done, date(2026, 4, 2))
    report = _import(app, db_session, [dated("F-1", found="2026-03-01", status="已整改")], day=date(2026, 5, 9))
    assert report.unchanged == 1
    report = _import(app, db_session, [dated("F-1", found="2026-03-01", status="未整改")], day=date(2026, 5, 9))
    assert report.unchanged == 1  # once done, an older file saying open does not reopen it
    db_session.refresh(finding)
    assert finding.rectified_on == date(2026, 4, 2)
    assert figure(db_session, org.county_a1.id, "open_findings", date(2026, 4, 1)) == 1
    assert figure(db_session, org.county_a1.id, "open_findings", date(2026, 4, 2)) == 0


def test_the_tick_twice_changes_nothing_and_old_snapshots_go(app, db_session, org, ledger):
    from core.signals import record_signal

    record_signal(db_session, source="audit", kind="open_findings", ref=f"unit:{org.county_b1.id}:open_findings",
                  unit_id=org.county_b1.id, value=4, observed_on=date(2026, 1, 1))
    _import(app, db_session, [dated("F-1", found="2026-03-01", due="2026-03-31")], day=date(2026, 4, 10))
    assert refresh_signals(db_session, date(2026, 4, 10)) > 0  # the snapshot is removed
    before = _stored(db_session)
    assert all("@" in ref for ref, *_rest in before)
    assert refresh_signals(db_session, date(2026, 4, 10)) == 0
    assert tick(db_session, date(2026, 4, 10))[0].endswith("0 signal(s) updated")
    assert _stored(db_session) == before
    # Days overdue grow without a new point each day.
    assert tick(db_session, date(2026, 4, 20))[0].endswith("0 signal(s) updated")
    assert figure(db_session, org.county_a1.id, "rectification_overdue_days", date(2026, 4, 20)) == 20


# A history: ref, unit, found, due, rectified (None while open), category, severity, amount.
HISTORY = [
    ("H-1", "A1", date(2026, 1, 5), date(2026, 2, 5), date(2026, 2, 20), "专项资金闲置", "严重", "300"),
    ("H-2", "A1", date(2026, 1, 20), date(2026, 3, 1), None, "专项资金闲置", "较重", "120.5"),
    ("H-3", "A1", date(2026, 2, 10), date(2026, 4, 10), date(2026, 3, 30), "违规招投标", "一般", ""),
    ("H-4", "B1", date(2026, 2, 1), date(2026, 2, 15), date(2026, 4, 15), "违规招投标", "严重", "88"),
    ("H-5", "B1", date(2026, 3, 20), None, date(2026, 5, 2), "违规招投标", "一般", "10"),
    ("H-6", "A1", date(2026, 4, 2), date(2026, 4, 30), None, "虚报工程量", "严重", "900"),
]
DAYS = [date(2026, 1, 4), date(2026, 1, 5), date(2026, 2, 6), date(2026, 2, 20), date(2026, 3, 2),
        date(2026, 4, 1), date(2026, 4, 16), date(2026, 5, 3), date(2026, 5, 20), END]


def _history_row(entry, known_on: date, dated_done: bool = True) -> list[str]:
    ref, unit, found, due, done, category, severity, amount = entry
    rectified = done is not None and done <= known_on
    return dated(ref, unit, found=found.isoformat(), due=due.isoformat() if due else "",
                 status="已整改" if rectified else "未整改",
                 done=done.isoformat() if rectified and dated_done else "",
                 问题类别=category, 严重程度=severity, 涉及金额=amount)


def _features(session, catalogue):
    return {day: compute_features(session, catalogue, day) for day in DAYS}


def test_a_history_imported_at_once_or_day_by_day_gives_the_same_features(app, db_session, org, ledger):
    catalogue = build_catalogue(signal_kinds(app.extensions["duban.plugins"]))
    report = _import(app, db_session, [_history_row(entry, END) for entry in HISTORY], day=END)
    assert report.ok, report.render(str)
    tick(db_session, END)
    at_once, signals_at_once = _features(db_session, catalogue), _stored(db_session)
    assert figure(db_session, org.county_a1.id, "open_findings", date(2026, 2, 19)) == 3
    assert figure(db_session, org.county_a1.id, "open_findings", date(2026, 2, 20)) == 2

    db_session.execute(delete(Signal).where(Signal.source == "audit"))
    db_session.execute(delete(Finding))
    day = HISTORY[0][2]
    while day <= END:
        # What the auditors knew that day: findings found, and rectifications completed (H-4's without a date).
        news = [_history_row(entry, day, dated_done=entry[0] != "H-4") for entry in HISTORY
                if entry[2] == day or entry[4] == day]
        if news:
            with clock.frozen(day):
                report = _import(app, db_session, news, day=day)
            assert report.ok, (day, report.render(str))
        with clock.frozen(day):
            tick(db_session, day)
        day += timedelta(days=1)
    assert db_session.scalar(select(Finding.rectified_on).where(Finding.ref == "H-4")) == date(2026, 4, 15)
    day_by_day = _features(db_session, catalogue)
    assert _stored(db_session) == signals_at_once
    audit = [i for i, name in enumerate(catalogue.names) if name.startswith("audit.")]
    for day in DAYS:
        first, second = at_once[day], day_by_day[day]
        assert list(first.task_ids) == list(second.task_ids)
        assert np.array_equal(first.values, second.values, equal_nan=True), day
    assert np.isnan(at_once[DAYS[0]].values[:, audit]).all()  # before the first finding: nothing
    assert not np.isnan(at_once[END].values[:, audit]).any()


def test_a_corrected_file_rewrites_the_history_as_a_fresh_import_of_it_would(app, db_session, org, ledger):
    first = [_history_row(entry, END) for entry in HISTORY]
    corrected = [_history_row(entry, END) for entry in HISTORY]
    corrected[0] = dated("H-1", found="2026-01-02", due="2026-02-05", status="已整改", done="2026-03-20",
                         问题类别="专项资金闲置", 严重程度="严重", 涉及金额="300")
    corrected[2] = dated("H-3", "B1", found="2026-02-10", due="2026-04-10", status="已整改", done="2026-03-30",
                         问题类别="违规招投标", 严重程度="一般", 涉及金额="")
    assert _import(app, db_session, first).ok
    assert _import(app, db_session, corrected).updated == 2
    rewritten = _stored(db_session)
    assert refresh_signals(db_session, END) == 0
    db_session.execute(delete(Signal).where(Signal.source == "audit"))
    db_session.execute(delete(Finding))
    assert _import(app, db_session, corrected).ok
    assert _stored(db_session) == rewritten
    assert (f"unit:{org.county_b1.id}:open_findings@2026-02-10", "open_findings", org.county_b1.id, 2.0,
            date(2026, 2, 10)) in rewritten  # H-3 moved to B1, open there beside H-4
    assert figure(db_session, org.county_a1.id, "open_findings", date(2026, 1, 2)) == 1


def test_a_finding_on_one_matter_counts_for_that_matter_s_task_and_the_unit_not_its_other_tasks(
        app, db_session, org, ledger):
    from core.access.models import Role
    from core.access.scope import Scope
    from core.circulars.facts import signal_by_unit
    from core.ledger.models import Matter, MatterKind, Task

    other = Matter(code="M-002", title="农村公路养护", kind=MatterKind.meeting, owner_unit_id=org.province.id)
    db_session.add(other)
    db_session.flush()
    db_session.add(Task(matter_id=other.id, unit_id=org.county_a1.id, description="养护", deadline=date(2026, 12, 31)))
    db_session.commit()
    report = _import(app, db_session, [
        dated("F-1", found="2026-03-01", 事项编号="M-001"),
        dated("F-2", found="2026-03-05", 事项编号="M-001", 严重程度="严重"),
        dated("F-3", found="2026-04-01"),  # the unit's, no matter named
        dated("F-4", found="2026-04-20", 事项编号="M-002", status="已整改", done="2026-05-10"),
    ])
    assert report.ok, report.render(str)
    tick(db_session, END)
    catalogue = build_catalogue(signal_kinds(app.extensions["duban.plugins"]))
    tasks = {(task.unit_id, task.matter_id): task.id for task in db_session.scalars(select(Task))}
    on_first = tasks[(org.county_a1.id, ledger.matter.id)]
    on_other = tasks[(org.county_a1.id, other.id)]

    def features(day: date, task_id: int) -> dict[str, float]:
        return compute_features(db_session, catalogue, day, [task_id]).row(task_id)

    assert features(date(2026, 3, 10), on_first)["audit.open_findings"] == 2
    assert features(date(2026, 3, 10), on_first)["audit.severe_findings"] == 1
    assert features(date(2026, 3, 10), on_other)["audit.open_findings"] == 0  # the unit was audited: nothing of its
    assert features(date(2026, 4, 25), on_first)["audit.open_findings"] == 3
    assert features(date(2026, 4, 25), on_other)["audit.open_findings"] == 2
    assert features(END, on_other)["audit.open_findings"] == 1
    assert features(END, on_other)["audit.severe_findings"] == 0
    # The unit's figure (circulars, rankings, the dashboard) counts every finding.
    kind = next(k for k in signal_kinds(app.extensions["duban.plugins"])
                if (k.source, k.name) == ("audit", "open_findings"))
    scope = Scope(db_session, org.user("audit-reader", Role.supervisor, org.province, head=True))
    assert signal_by_unit(scope, kind, date(2026, 4, 1), date(2026, 4, 25)) == {org.county_a1.id: 4}
    assert signal_by_unit(scope, kind, date(2026, 5, 1), END) == {org.county_a1.id: 3}
