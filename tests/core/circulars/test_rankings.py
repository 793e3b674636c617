"""Ranking units on weighted measures for a period."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core.circulars.rankings import DEFAULT_WEIGHTS, parse_weights, rank_units
from core.errors import ValidationError
from core.hooktypes import SignalKind
from core.signals import record_signal

SATISFACTION = SignalKind("survey", "satisfaction", "Survey satisfaction", -1, "share")
FINDINGS = SignalKind("audit", "open_findings", "Open audit findings", 1, "count")


def _rank(province, today, weights=None, kinds=()):
    scope = province.scope(province.staff)
    return rank_units(scope, province.org.province, today - timedelta(days=30), today, today,
                      weights or {"on_time": 1.0}, list(kinds))


def test_unit_that_finished_on_time_ranks_first_and_overdue_unit_last(province, today):
    ranked = _rank(province, today)
    assert [s.code for s in ranked] == ["A1", "B1", "A2"]
    first, middle, last = ranked
    assert (first.on_time.due, first.on_time.on_time, first.score) == (2, 2, 100.0)
    assert (middle.on_time.due, middle.on_time.on_time, middle.score) == (2, 1, 50.0)
    assert (last.on_time.overdue_open, last.score) == (2, 0.0)
    assert [s.rank for s in ranked] == [1, 2, 3]


def test_signal_measures_change_the_ranking_by_their_weight(province, db_session, today):
    org = province.org
    for unit, share in ((org.county_a1, 0.2), (org.county_a2, 0.95), (org.county_b1, 0.9)):
        record_signal(db_session, source="survey", kind="satisfaction", ref=f"s-{unit.code}", unit_id=unit.id,
                      value=share, observed_on=today - timedelta(days=2))
    weights = {"on_time": 1.0, "signal:survey.satisfaction": 4.0}
    ranked = _rank(province, today, weights, [SATISFACTION])
    # B1: (50 + 4×90)/5 = 82; A2: (0 + 4×95)/5 = 76; A1: (100 + 4×20)/5 = 36.
    assert [(s.code, s.score) for s in ranked] == [("B1", 82.0), ("A2", 76.0), ("A1", 36.0)]
    assert ranked[0].measures["signal:survey.satisfaction"].value == 0.9


def test_counts_score_relative_to_the_other_units_and_missing_data_drops_out(province, db_session, today):
    org = province.org
    for unit, count in ((org.county_a1, 0), (org.county_a2, 4)):
        record_signal(db_session, source="audit", kind="open_findings", ref=f"f-{unit.code}", unit_id=unit.id,
                      value=count, observed_on=today)
    ranked = {s.code: s for s in _rank(province, today, {"on_time": 1, "signal:audit.open_findings": 1}, [FINDINGS])}
    assert ranked["A1"].measures["signal:audit.open_findings"].points == 100.0
    assert ranked["A2"].measures["signal:audit.open_findings"].points == 0.0
    # B1 has no audit figure: it is scored on on-time completion alone.
    assert "signal:audit.open_findings" not in ranked["B1"].measures
    assert ranked["B1"].score == 50.0


def test_a_measure_whose_plugin_is_absent_is_ignored(province, today):
    ranked = _rank(province, today, DEFAULT_WEIGHTS, [])
    assert [s.code for s in ranked] == ["A1", "B1", "A2"]


def test_latest_snapshot_in_the_period_counts(province, db_session, today):
    unit = province.org.county_a2
    record_signal(db_session, source="survey", kind="satisfaction", ref="old", unit_id=unit.id, value=0.1,
                  observed_on=today - timedelta(days=20))
    record_signal(db_session, source="survey", kind="satisfaction", ref="new", unit_id=unit.id, value=0.7,
                  observed_on=today - timedelta(days=1))
    ranked = {s.code: s for s in _rank(province, today, {"signal:survey.satisfaction": 1}, [SATISFACTION])}
    assert ranked["A2"].measures["signal:survey.satisfaction"].value == 0.7


def test_a_county_officer_ranks_nothing_outside_their_unit(province, today):
    scope = province.scope(province.west)
    ranked = rank_units(scope, province.org.province, today - timedelta(days=30), today, today, {"on_time": 1}, [])
    assert [s.code for s in ranked] == ["A2"]


def test_weights_are_read_from_text_and_nonsense_is_refused():
    assert parse_weights("on_time=35\nsignal:survey.satisfaction = 15, confirmed_problems=0") == {
        "on_time": 35.0, "signal:survey.satisfaction": 15.0, "confirmed_problems": 0.0}
    for bad in ("on_time", "on_time=abc", "on_time=-1", "on_time=0", ""):
        with pytest.raises(ValidationError):
            parse_weights(bad)


def test_a_figure_last_changed_before_the_period_still_stands_in_it_and_a_later_one_does_not(
        province, db_session, today):
    org = province.org
    # A1's open findings last changed 200 days ago; A2's changed after the period ended.
    record_signal(db_session, source="audit", kind="open_findings", ref="f-A1@old", unit_id=org.county_a1.id,
                  value=3, observed_on=today - timedelta(days=200))
    record_signal(db_session, source="audit", kind="open_findings", ref="f-A2@new", unit_id=org.county_a2.id,
                  value=9, observed_on=today + timedelta(days=1))
    ranked = {s.code: s for s in _rank(province, today, {"on_time": 1, "signal:audit.open_findings": 1}, [FINDINGS])}
    assert ranked["A1"].measures["signal:audit.open_findings"].value == 3
    assert "signal:audit.open_findings" not in ranked["A2"].measures


def test_each_matter_s_series_stands_at_its_own_latest_day(province, db_session, today):
    # A source that records per matter only: A1's figure on one matter last changed 40 days ago, on the
    # other 2 days ago. Both stand at the period's end; the unit's figure is their sum.
    org = province.org
    tips = SignalKind("media_tips", "tips_recent", "Tips", 1, "count")
    first, second = (task.matter_id for task in province.east_tasks)
    record_signal(db_session, source="media_tips", kind="tips_recent", ref="m1@old", unit_id=org.county_a1.id,
                  matter_id=first, value=4, observed_on=today - timedelta(days=40))
    record_signal(db_session, source="media_tips", kind="tips_recent", ref="m2@new", unit_id=org.county_a1.id,
                  matter_id=second, value=1, observed_on=today - timedelta(days=2))
    record_signal(db_session, source="media_tips", kind="tips_recent", ref="m2@older", unit_id=org.county_a1.id,
                  matter_id=second, value=7, observed_on=today - timedelta(days=50))
    ranked = {s.code: s for s in _rank(province, today, {"on_time": 1, "signal:media_tips.tips_recent": 1}, [tips])}
    assert ranked["A1"].measures["signal:media_tips.tips_recent"].value == 5
