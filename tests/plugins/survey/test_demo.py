"""The demo's satisfaction survey: published, linked, answered, and turned into signals."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.org.models import Unit, UnitLevel
from core.org.units import save_unit
from core.signals import Signal
from plugins.survey.demo import seed
from plugins.survey.models import Survey, SurveyResponse


def test_demo_survey_without_demo_units_is_skipped(db_session) -> None:
    seed(db_session, date.today())
    assert db_session.scalar(select(func.count()).select_from(Survey)) == 0


def test_demo_survey_has_responses_and_signals(db_session, client) -> None:
    province = save_unit(db_session, Unit(), code="990000", name="示范省", level=UnitLevel.province,
                         region_code="990000", parent=None)
    for code, name in (("990102", "河东区"), ("990103", "河西区")):
        save_unit(db_session, Unit(), code=code, name=name, level=UnitLevel.county, region_code=code, parent=province)
    seed(db_session, date.today(), responses=200)
    db_session.commit()
    survey = db_session.scalar(select(Survey))
    assert survey.status.value == "published"
    assert db_session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)) == 200
    flags = {(s.unit.code, s.kind): s.value
             for s in db_session.scalars(select(Signal).where(Signal.source == "survey"))}
    assert flags[("990103", "satisfaction_off_target")] == 1.0  # Hexi lags, and its residents say so
    assert flags[("990102", "satisfaction_off_target")] == 0.0
    assert client.get(f"/s/{survey.slug}").status_code == 200
