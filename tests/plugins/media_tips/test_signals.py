"""Signals per unit and matter, overdue answers, and the tick being safe to run twice."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from core.notify.models import Notification
from core.signals import Signal
from plugins.media_tips.models import TipSource
from plugins.media_tips.signals import compute, refresh_signals
from plugins.media_tips.triage import NewTip, answer, create_tip, hand_over, move
from plugins.media_tips.models import TipState

TODAY = date(2026, 3, 10)


def _tip(db_session, text, source=TipSource.public, region="990102", days_ago=1):
    tip, _code = create_tip(db_session, NewTip(source=source, text=text, region_code=region,
                                               received_on=TODAY - timedelta(days=days_ago)),
                            actor="tests", today=TODAY)
    return tip


def test_signals_count_tips_media_clusters_verified_and_overdue(db_session, org, ledger, people):
    a = _tip(db_session, "河东区东湖街道老旧小区改造加装电梯一直没动工")
    b = _tip(db_session, "河东区东湖街道老旧小区改造加装电梯一直没有动工", source=TipSource.media)
    _tip(db_session, "河东区老旧小区改造工程", days_ago=200)  # outside the window
    staff = people["city_a"]
    hand_over(db_session, a, org.county_a1, due=TODAY + timedelta(days=2), user=staff, today=TODAY)
    move(db_session, a, TipState.verified, actor="city_a")
    hand_over(db_session, b, org.county_a1, due=TODAY, user=staff, today=TODAY)
    b.answer_due = TODAY - timedelta(days=1)
    db_session.flush()
    values = compute(db_session, TODAY)
    unit = (org.county_a1.id, None)
    pair = (org.county_a1.id, ledger.housing.id)
    assert values["tips_recent"][unit] == 2 and values["tips_recent"][pair] == 2
    assert values["media_reports"][unit] == 1
    assert values["cluster_size"][unit] == 2
    assert values["verified_share"][unit] == 1.0
    assert values["answers_overdue"][unit] == 1
    answer(db_session, b, "已核实处理。", user=people["a1"])
    assert "answers_overdue" not in compute(db_session, TODAY)


def test_refresh_records_signals_once_per_day(db_session, org, ledger):
    _tip(db_session, "河东区老旧小区改造停工")
    first = refresh_signals(db_session, TODAY)
    assert first > 0
    assert refresh_signals(db_session, TODAY) == 0
    stored = list(db_session.scalars(select(Signal).where(Signal.source == "media_tips")))
    assert {signal.kind for signal in stored} >= {"tips_recent", "cluster_size", "media_reports"}
    task_signal = next(s for s in stored if s.matter_id == ledger.housing.id and s.kind == "tips_recent")
    assert task_signal.unit_id == org.county_a1.id and task_signal.task_id is not None


def test_the_tick_reminds_an_overdue_unit_once(app, db_session, org, ledger, people):
    tip = _tip(db_session, "河东区老旧小区改造停工")
    hand_over(db_session, tip, org.county_a1, due=TODAY, user=people["city_a"], today=TODAY)
    db_session.commit()
    now = datetime(2026, 3, 20, 1, 0, tzinfo=timezone.utc)
    pm = app.extensions["duban.plugins"]
    for _ in range(2):
        pm.hook.duban_tick(session=db_session, now=now)
    notices = list(db_session.scalars(select(Notification).where(Notification.user_id == people["a1"].id)))
    assert len(notices) == 2  # the hand-over, then one overdue reminder, not two


def test_duban_tick_runs_the_tips_work(runner, db_session, org, ledger, people):
    tip = _tip(db_session, "河东区老旧小区改造停工")
    hand_over(db_session, tip, org.county_a1, due=TODAY, user=people["city_a"], today=TODAY)
    db_session.commit()
    result = runner.invoke(args=["tick", "--now", "2026-03-20T09:00:00+08:00"])
    assert "tips: 1 answer(s) overdue" in result.output, result.output
    assert db_session.scalar(select(Signal).where(Signal.source == "media_tips", Signal.kind == "answers_overdue"))
