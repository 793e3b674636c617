"""Survey signals as series dated on the responses: past days, waves, the tick twice, history at once or daily."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy import func, insert, select

from core import clock
from core.access.models import Role
from core.ledger.models import Matter, MatterKind, Task
from core.scoring.context import load_context
from core.scoring.features import compute_features
from core.signals import Signal, record_signal
from plugins.survey import service
from plugins.survey.models import SurveyResponse
from plugins.survey.panels import unit_panel
from plugins.survey.signals import refresh_signals, refresh_survey

SATISFIED = {"aware": "yes", "satisfaction": "satisfied", "benefit": "yes"}
UNHAPPY = {"aware": "yes", "satisfaction": "dissatisfied", "benefit": "no"}
UNAWARE = {"aware": "no"}
KINDS = ("satisfaction", "awareness", "not_delivered", "sample_size", "satisfaction_off_target")


def _matter_task(db_session, org):
    matter = Matter(code="M-S", title="城镇老旧小区改造", kind=MatterKind.work_report, owner_unit_id=org.city_a.id)
    db_session.add(matter)
    db_session.flush()
    task = Task(matter_id=matter.id, unit_id=org.county_a1.id, description="完成老旧小区改造",
                deadline=date(2026, 12, 31))
    db_session.add(task)
    db_session.commit()
    return matter, task


def _wave(db_session, make_survey, org, matter):
    survey = make_survey()
    service.link_unit(db_session, survey, org.county_a1)
    service.link_matter(db_session, survey, matter)
    service.set_indicator(survey, "satisfaction", "satisfaction", ["satisfied", "very_satisfied"], 0.8)
    service.set_indicator(survey, "awareness", "aware", ["yes"], 0.5)
    service.set_indicator(survey, "not_delivered", "benefit", ["no"], 0.2)
    db_session.commit()
    return survey


def _respond(db_session, survey, unit, day, rows):
    start = db_session.scalar(select(func.count(SurveyResponse.id))) or 0
    db_session.execute(insert(SurveyResponse), [
        {"survey_id": survey.id, "submission_key": f"t:{start + index}", "unit_id": unit.id, "submitted_on": day,
         "answers": answers, "channel": "web", "language": "zh_CN"} for index, answers in enumerate(rows)])


def _features(app, db_session, day, task):
    catalogue = load_context(db_session, app.extensions["duban.plugins"], with_model=False).catalogue
    row = compute_features(db_session, catalogue, day).row(task.id)
    return tuple(row[f"survey.{kind}"] for kind in KINDS)


def test_a_wave_counts_on_each_day_only_the_responses_received_by_then(app, db_session, org, make_survey):
    matter, task = _matter_task(db_session, org)
    survey = _wave(db_session, make_survey, org, matter)
    _respond(db_session, survey, org.county_a1, date(2026, 3, 1), [SATISFIED, UNHAPPY])
    _respond(db_session, survey, org.county_a1, date(2026, 3, 3), [SATISFIED, SATISFIED])
    _respond(db_session, survey, org.county_a1, date(2026, 3, 5), [UNAWARE])
    with clock.frozen(date(2026, 3, 10)):
        assert refresh_signals(db_session, date(2026, 3, 10)) > 0
    nan = float("nan")
    expected = {
        date(2026, 2, 28): (nan, nan, nan, nan, nan),
        date(2026, 3, 1): (0.5, 1.0, 0.5, 2, 0.0),
        date(2026, 3, 2): (0.5, 1.0, 0.5, 2, 0.0),
        date(2026, 3, 3): (0.75, 1.0, 0.25, 4, 0.0),
        date(2026, 3, 5): (0.75, 0.8, 0.25, 5, 0.0),  # the unaware respondent answered no satisfaction question
    }
    for day, values in expected.items():
        np.testing.assert_array_equal(_features(app, db_session, day, task), values, err_msg=str(day))
    points = {s.observed_on: s for s in db_session.scalars(select(Signal).where(
        Signal.source == "survey", Signal.kind == "satisfaction", Signal.matter_id == matter.id))}
    assert sorted(points) == [date(2026, 3, 1), date(2026, 3, 3)]  # a point only where the share changed
    assert points[date(2026, 3, 3)].details["n"] == 4 and points[date(2026, 3, 3)].details["hits"] == 3


def test_two_surveys_of_one_unit_keep_their_own_series(app, db_session, org, make_survey):
    matter, task = _matter_task(db_session, org)
    spring = _wave(db_session, make_survey, org, matter)
    autumn = _wave(db_session, make_survey, org, matter)
    _respond(db_session, spring, org.county_a1, date(2026, 3, 1), [UNHAPPY] * 3)
    _respond(db_session, autumn, org.county_a1, date(2026, 9, 1), [SATISFIED] * 3)
    _respond(db_session, spring, org.county_a1, date(2026, 9, 2), [UNHAPPY])  # a late answer to the first wave
    refresh_signals(db_session, date(2026, 10, 1))
    satisfaction = [(s.ref.split(":")[0], s.observed_on, s.value) for s in db_session.scalars(
        select(Signal).where(Signal.source == "survey", Signal.kind == "satisfaction", Signal.matter_id == matter.id)
        .order_by(Signal.observed_on))]
    assert satisfaction == [(spring.slug, date(2026, 3, 1), 0.0), (autumn.slug, date(2026, 9, 1), 1.0)]
    sizes = {(s.ref.split(":")[0], s.observed_on): s.value for s in db_session.scalars(
        select(Signal).where(Signal.source == "survey", Signal.kind == "sample_size", Signal.matter_id == matter.id))}
    assert sizes == {(spring.slug, date(2026, 3, 1)): 3, (autumn.slug, date(2026, 9, 1)): 3,
                     (spring.slug, date(2026, 9, 2)): 4}
    assert _features(app, db_session, date(2026, 8, 31), task)[0] == 0.0
    assert _features(app, db_session, date(2026, 9, 1), task)[0] == 1.0


def test_refresh_is_idempotent_replaces_old_refs_and_the_panel_shows_the_latest_share(db_session, org,
                                                                                       make_survey):
    matter, _task = _matter_task(db_session, org)
    survey = _wave(db_session, make_survey, org, matter)
    record_signal(db_session, source="survey", kind="satisfaction", ref=f"{survey.slug}:{org.county_a1.id}:-:"
                  "satisfaction", unit_id=org.county_a1.id, value=0.1, observed_on=date(2026, 3, 9))
    _respond(db_session, survey, org.county_a1, date(2026, 3, 1), [UNHAPPY])
    _respond(db_session, survey, org.county_a1, date(2026, 3, 2), [SATISFIED])
    assert refresh_survey(db_session, survey, date(2026, 3, 10)) > 0
    assert refresh_survey(db_session, survey, date(2026, 3, 10)) == 0
    refs = list(db_session.scalars(select(Signal.ref).where(Signal.source == "survey")))
    assert refs and all("@" in ref for ref in refs)
    assert refresh_survey(db_session, survey, date(2026, 3, 1)) > 0  # an earlier day: later points go
    assert db_session.scalar(select(func.max(Signal.observed_on)).where(Signal.source == "survey")) == date(2026, 3, 1)
    refresh_survey(db_session, survey, date(2026, 3, 10))
    viewer = org.user("sup_view", Role.supervisor, org.city_a)
    shown = unit_panel(db_session, org.county_a1, viewer)[0].context["survey_signals"]
    assert sorted((s.kind, s.matter_id, s.value) for s in shown) == [
        ("awareness", matter.id, 1.0), ("not_delivered", matter.id, 0.5), ("satisfaction", matter.id, 0.5)]


# Three weeks of answers, some days with none, the share going down then up.
HISTORY = {
    date(2026, 4, 1): [SATISFIED, SATISFIED],
    date(2026, 4, 2): [UNHAPPY],
    date(2026, 4, 6): [UNHAPPY, UNAWARE, UNHAPPY],
    date(2026, 4, 9): [SATISFIED],
    date(2026, 4, 15): [SATISFIED, SATISFIED, SATISFIED],
    date(2026, 4, 20): [UNAWARE],
}
END = date(2026, 4, 22)
CHECK_DAYS = [date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 5), date(2026, 4, 6), date(2026, 4, 12),
              date(2026, 4, 15), END]


def test_answers_stored_at_once_score_like_answers_arriving_day_by_day(app, db_session, org, make_survey):
    matter, task = _matter_task(db_session, org)
    survey = _wave(db_session, make_survey, org, matter)
    catalogue = load_context(db_session, app.extensions["duban.plugins"], with_model=False).catalogue
    survey_columns = [i for i, name in enumerate(catalogue.names) if name.startswith("survey.")]

    def features():
        return {day: compute_features(db_session, catalogue, day).values for day in CHECK_DAYS}

    def points():
        return sorted((s.ref, s.kind, s.unit_id, s.matter_id, s.observed_on, s.value, s.details)
                      for s in db_session.scalars(select(Signal).where(Signal.source == "survey")))

    at_once = db_session.begin_nested()
    with clock.frozen(END):
        for day, rows in HISTORY.items():
            _respond(db_session, survey, org.county_a1, day, rows)
        refresh_signals(db_session, END)
    stored, stored_points = features(), points()
    at_once.rollback()
    assert db_session.scalar(select(func.count(SurveyResponse.id))) == 0

    day = min(HISTORY)
    while day <= END:
        with clock.frozen(day):
            if day in HISTORY:
                _respond(db_session, survey, org.county_a1, day, HISTORY[day])
            refresh_signals(db_session, day)
        day += timedelta(days=1)
    daily = features()

    assert points() == stored_points
    for check in CHECK_DAYS:
        # The same points; a history's mean and trend may differ in the last bit with the order rows are read in.
        np.testing.assert_allclose(stored[check], daily[check], rtol=1e-12, atol=0, equal_nan=True, err_msg=str(check))
    first, last = stored[CHECK_DAYS[0]][:, survey_columns], stored[END][:, survey_columns]
    assert np.isnan(first).all() and not np.isnan(last).all()
    row = compute_features(db_session, catalogue, date(2026, 4, 6)).row(task.id)
    assert row["survey.satisfaction"] == 0.4 and row["survey.sample_size"] == 6
