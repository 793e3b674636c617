"""Dashboard figures: scoped to the viewer, counted like the lists behind them."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.dashboard.figures import build_dashboard, month_start
from core.dashboard.lists import TaskListFilter, signal_list, task_page
from core.hooktypes import SignalKind
from core.signals import record_signal

SATISFACTION = SignalKind("survey", "satisfaction", "Survey satisfaction", -1, "share")
TIPS = SignalKind("media_tips", "tips_recent", "Tips", 1, "count")


def test_month_start_counts_back_across_years():
    assert month_start(date(2026, 2, 14), 0) == date(2026, 2, 1)
    assert month_start(date(2026, 2, 14), 3) == date(2025, 11, 1)
    assert month_start(date(2026, 12, 31), -1) == date(2027, 1, 1)


def test_figures_for_province_staff_and_their_lists(province, today):
    scope = province.scope(province.staff)
    board = build_dashboard(scope, today, [])
    states = {f.key: f.value for f in board.by_state}
    assert (states["state:accepted"], states["state:dispatched"]) == (3, 3)
    lights = {f.key: f.value for f in board.by_light}
    assert lights["light:red"] == 3
    by_unit = {f.label: f.value for f in board.overdue_by_unit}
    assert by_unit == {"河西区": 2, "城关区": 1}
    unit_figure = next(f for f in board.overdue_by_unit if f.label == "河西区")
    listed = task_page(scope, TaskListFilter(overdue=True, unit_id=unit_figure.args["unit_id"]), today)
    assert listed.total == 2
    this_month = board.on_time[-1]
    due = board.on_time_due[-1]
    f = TaskListFilter(due_from=date.fromisoformat(this_month.args["due_from"]),
                       due_to=date.fromisoformat(this_month.args["due_to"]))
    assert task_page(scope, f, today).total == due


def test_a_county_officers_scope_limits_every_figure(province, today):
    board = build_dashboard(province.scope(province.west), today, [])
    assert sum(f.value for f in board.by_state) == 2
    assert [f.label for f in board.overdue_by_unit] == ["河西区"]


def test_signal_figures_average_shares_and_sum_counts(province, db_session, today):
    org = province.org
    for unit, share, tips in ((org.county_a1, 0.9, 3), (org.county_a2, 0.5, 4)):
        record_signal(db_session, source="survey", kind="satisfaction", ref=f"s-{unit.code}", unit_id=unit.id,
                      value=share, observed_on=today)
        record_signal(db_session, source="media_tips", kind="tips_recent", ref=f"t-{unit.code}", unit_id=unit.id,
                      value=tips, observed_on=today - timedelta(days=1))
    board = build_dashboard(province.scope(province.staff), today, [SATISFACTION, TIPS])
    figures = {f.key: f.value for f in board.signals}
    assert figures["signal:survey.satisfaction"] == pytest.approx(0.7)
    assert figures["signal:media_tips.tips_recent"] == 7
    rows, combined = signal_list(province.scope(province.staff), TIPS, today - timedelta(days=90), today)
    assert combined == 7 and [r.code for r in rows] == ["A2", "A1"]
    # The sibling county sees only its own figure.
    rows, combined = signal_list(province.scope(province.west), TIPS, today - timedelta(days=90), today)
    assert (combined, [r.code for r in rows]) == (4, ["A2"])
