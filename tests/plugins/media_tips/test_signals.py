"""Tip signals as time series: values on past days, the tick safe to run twice, history by import or day by day."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import func, select

from core import clock
from core.hooktypes import ImportContext
from core.notify.models import Notification
from core.scoring.context import load_context
from core.scoring.features import compute_features
from core.signals import Signal, record_signal
from plugins.media_tips.importer import import_tips
from plugins.media_tips.models import Tip, TipSource, TipState
from plugins.media_tips.signals import refresh_signals
from plugins.media_tips.triage import NewTip, answer, create_tip, hand_over, move

TODAY = date(2026, 3, 10)
KINDS = ("tips_recent", "media_reports", "cluster_size", "verified_share", "answers_overdue")


def _tip(db_session, text, source=TipSource.public, region="990102", days_ago=1):
    tip, _code = create_tip(db_session, NewTip(source=source, text=text, region_code=region,
                                               received_on=TODAY - timedelta(days=days_ago)),
                            actor="tests", today=TODAY)
    return tip


def _at(days_ago: int) -> datetime:
    """Ten in the morning in Beijing, ``days_ago`` days before TODAY."""
    return datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time(), UTC) + timedelta(hours=2)


def _features(app, db_session, day, task_id):
    catalogue = load_context(db_session, app.extensions["duban.plugins"], with_model=False).catalogue
    row = compute_features(db_session, catalogue, day).row(task_id)
    return {kind: row[f"media_tips.{kind}"] for kind in KINDS}


def _task(db_session, ledger, unit):
    from core.ledger.models import Task

    return db_session.scalar(select(Task.id).where(Task.matter_id == ledger.housing.id, Task.unit_id == unit.id))


def test_every_kind_has_its_value_on_past_days(app, db_session, org, ledger, people):
    old = _tip(db_session, "河东区老旧小区改造工程停工", days_ago=120)
    move(db_session, old, TipState.screened, actor="city_a")
    move(db_session, old, TipState.verified, actor="city_a")
    for event in old.events:
        event.at = _at(115)
    first = _tip(db_session, "河东区东湖街道老旧小区改造加装电梯一直没动工", source=TipSource.media, days_ago=10)
    second = _tip(db_session, "河东区东湖街道老旧小区改造加装电梯一直没有动工", days_ago=5)
    assert first.cluster_id == second.cluster_id is not None
    hand_over(db_session, first, org.county_a1, due=TODAY - timedelta(days=3), user=people["city_a"],
              today=TODAY - timedelta(days=9))
    first.handed_at = _at(9)
    answer(db_session, first, "已核实处理。", user=people["a1"])
    first.answered_at = _at(1)
    db_session.flush()
    assert {tip.unit_id for tip in (old, first, second)} == {org.county_a1.id}
    assert {tip.matter_id for tip in (old, first, second)} == {ledger.housing.id}

    with clock.frozen(TODAY):
        assert refresh_signals(db_session, TODAY) > 0
    task = _task(db_session, ledger, org.county_a1)
    nan = float("nan")
    expected = {  # days ago: tips_recent, media_reports, cluster_size, verified_share, answers_overdue
        121: (nan, nan, nan, nan, nan),
        118: (1, nan, 1, nan, nan),
        100: (1, nan, 1, 1.0, nan),
        31: (1, nan, 1, 1.0, nan),  # the old tip's last day in the window
        30: (0, nan, 0, 0.0, nan),
        10: (1, 1, 1, 0.0, nan),
        5: (2, 1, 2, 0.0, nan),
        2: (2, 1, 2, 0.0, 1),  # due three days ago: late from the day after
        1: (2, 1, 2, 0.0, 0),  # answered
    }
    for days_ago, values in expected.items():
        got = _features(app, db_session, TODAY - timedelta(days=days_ago), task)
        np.testing.assert_array_equal([got[kind] for kind in KINDS], values, err_msg=f"{days_ago} days ago")


def test_refresh_is_idempotent_and_replaces_the_old_daily_snapshots(db_session, org, ledger):
    tip = _tip(db_session, "河东区老旧小区改造停工")
    record_signal(db_session, source="media_tips", kind="tips_recent", ref=f"tips_recent:{org.county_a1.id}:0:"
                  "2026-03-01", unit_id=org.county_a1.id, value=7, observed_on=date(2026, 3, 1))
    first = refresh_signals(db_session, TODAY)
    assert first > 0
    assert refresh_signals(db_session, TODAY) == 0
    stored = list(db_session.scalars(select(Signal).where(Signal.source == "media_tips")))
    assert all("@" in signal.ref for signal in stored)
    assert {signal.kind for signal in stored} >= {"tips_recent", "cluster_size"}
    task_signal = next(s for s in stored if s.matter_id == ledger.housing.id and s.kind == "tips_recent")
    assert task_signal.unit_id == org.county_a1.id and task_signal.task_id is not None
    assert task_signal.observed_on == tip.received_on and task_signal.value == 1
    tip.received_on = TODAY - timedelta(days=3)  # corrected: the history moves with it
    db_session.flush()
    assert refresh_signals(db_session, TODAY) > 0
    days = {s.observed_on for s in db_session.scalars(select(Signal).where(Signal.source == "media_tips"))}
    assert days == {TODAY - timedelta(days=3)}


def test_the_tick_reminds_an_overdue_unit_once(app, db_session, org, ledger, people):
    tip = _tip(db_session, "河东区老旧小区改造停工")
    hand_over(db_session, tip, org.county_a1, due=TODAY, user=people["city_a"], today=TODAY)
    db_session.commit()
    now = datetime(2026, 3, 20, 1, 0, tzinfo=UTC)
    pm = app.extensions["duban.plugins"]
    for _ in range(2):
        pm.hook.duban_tick(session=db_session, now=now)
    notices = list(db_session.scalars(select(Notification).where(Notification.user_id == people["a1"].id)))
    assert len(notices) == 2  # the hand-over, then one overdue reminder, not two


def test_duban_tick_runs_the_tips_work(runner, db_session, org, ledger, people):
    tip = _tip(db_session, "河东区老旧小区改造停工")
    hand_over(db_session, tip, org.county_a1, due=TODAY, user=people["city_a"], today=TODAY)
    tip.handed_at = _at(0)
    db_session.commit()
    result = runner.invoke(args=["tick", "--now", "2026-03-20T09:00:00+08:00"])
    assert "tips: 1 answer(s) overdue" in result.output, result.output
    overdue = db_session.scalar(select(Signal).where(Signal.source == "media_tips", Signal.kind == "answers_overdue",
                                                     Signal.matter_id.is_(None)))
    assert overdue.value == 1 and overdue.observed_on == TODAY + timedelta(days=1)


# A history of tips: near-duplicates that cluster, media reports, tips leaving the window.
HISTORY = [
    ("H-01", "2025-11-03", "public", "990102", "河东区东湖街道老旧小区改造加装电梯一直没动工"),
    ("H-02", "2025-11-20", "media", "990102", "河东区东湖街道老旧小区改造加装电梯一直没有动工"),
    ("H-03", "2025-12-01", "public", "990103", "河西区新建公办幼儿园建好了却一直不招生"),
    ("H-04", "2025-12-01", "hotline", "990202", "城关区工地拖欠农民工工资三个月"),
    ("H-05", "2026-01-15", "media", "990102", "河东区东湖街道老旧小区改造加装电梯至今没动工"),
    ("H-06", "2026-02-10", "public", "990202", "城关区老旧小区外墙保温改造停工"),
    ("H-07", "2026-02-27", "media", "990103", "河西区公办幼儿园学位不够家长排队"),
    ("H-08", "2026-03-03", "public", "990102", "河东区工程建设领域欠薪问题没人管"),
]
END = date(2026, 3, 10)
CHECK_DAYS = [date(2025, 11, 2), date(2025, 11, 3), date(2025, 11, 25), date(2026, 1, 31), date(2026, 2, 1),
              date(2026, 2, 18), date(2026, 3, 2), END]


def _rows(rows):
    return "\n".join(json.dumps({"ref": ref, "received_on": day, "source": source, "region_code": region,
                                 "text": text}, ensure_ascii=False) for ref, day, source, region, text in rows)


def _import(db_session, rows):
    report = import_tips(db_session, _rows(rows).encode("utf-8"), "tips.jsonl", ImportContext(actor="tests"))
    assert report.ok, report.errors


def test_a_history_imported_at_once_scores_like_one_entered_day_by_day(app, db_session, org, ledger):
    catalogue = load_context(db_session, app.extensions["duban.plugins"], with_model=False).catalogue
    columns = [catalogue.names.index(f"media_tips.{kind}") for kind in KINDS]

    def features():
        return {day: compute_features(db_session, catalogue, day).values for day in CHECK_DAYS}

    def points():
        return sorted((s.ref, s.kind, s.unit_id, s.matter_id, s.observed_on, s.value)
                      for s in db_session.scalars(select(Signal).where(Signal.source == "media_tips")))

    at_once = db_session.begin_nested()
    with clock.frozen(END):
        _import(db_session, HISTORY)
        refresh_signals(db_session, END)
    imported, imported_points = features(), points()
    clusters = db_session.scalar(select(func.count(func.distinct(Tip.cluster_id))))
    at_once.rollback()
    assert db_session.scalar(select(func.count(Tip.id))) == 0

    day = date.fromisoformat(HISTORY[0][1])
    while day <= END:
        with clock.frozen(day):
            arrived = [row for row in HISTORY if row[1] == day.isoformat()]
            if arrived:
                _import(db_session, arrived)
            refresh_signals(db_session, day)
        day += timedelta(days=1)
    daily = features()

    assert clusters >= 1 and points() == imported_points
    for check in CHECK_DAYS:
        np.testing.assert_array_equal(imported[check], daily[check], err_msg=str(check))
    seen = np.concatenate([imported[check][:, columns] for check in CHECK_DAYS])
    assert np.isnan(seen[: len(imported[CHECK_DAYS[0]])]).all()  # before the first tip: nothing known
    assert np.nanmax(seen[:, 0]) >= 2 and np.nanmax(seen[:, 2]) >= 2  # tips counted, a cluster seen


def test_a_received_date_in_the_future_or_before_1990_refuses_the_file(runner, db_session, org, tmp_path):
    path = tmp_path / "tips.jsonl"
    path.write_text(_rows([
        ("F-1", "2026-03-11", "public", "990102", "明天的线索"),
        ("F-2", "1989-12-31", "public", "990102", "太早的线索"),
        ("F-3", "2026-02-30", "public", "990102", "不存在的日期"),
        ("F-4", "2026-03-10", "public", "990102", "今天的线索"),
    ]), encoding="utf-8")
    with clock.frozen(END):
        result = runner.invoke(args=["import", "tips", str(path)])
    assert result.exit_code == 1
    for line, day in ((1, "2026-03-11"), (2, "1989-12-31"), (3, "2026-02-30")):
        assert f"第 {line} 行，列 received_on（日期）：{day}" in result.output, result.output
    assert "第 4 行" not in result.output
    assert db_session.scalar(select(func.count(Tip.id))) == 0
    with clock.frozen(END + timedelta(days=1)):
        assert runner.invoke(args=["import", "tips", str(path)]).exit_code == 1  # 1989 and 30 February stay wrong
