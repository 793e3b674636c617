"""The published form respondents' requests are checked against: cached per revision, never stale."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from plugins.survey import service
from plugins.survey.engine import Moment, check, walks_needed
from plugins.survey.models import Survey, SurveyResponse, SurveyStatus
from plugins.survey.xlsform import convert

GOOD = {"district": "990102", "aware": "yes", "benefit": "yes", "satisfaction": "satisfied", "years": "12",
        "comment": "很好"}


def answer(client: Any, survey: Any, form_token: Any, **changes: str) -> Any:
    token = form_token(client.get(f"/s/{survey.slug}").get_data(as_text=True))
    return client.post(f"/s/{survey.slug}", data={**GOOD, **changes, "form_token": token})


def revision(db_session: Any, survey: Any) -> int:
    db_session.expire_all()
    return db_session.scalar(select(Survey.revision).where(Survey.id == survey.id))


def test_every_change_to_a_survey_its_units_or_quotas_raises_its_revision(make_survey, db_session, org) -> None:
    survey = make_survey()
    seen = [revision(db_session, survey)]
    survey.title = "新标题"
    db_session.commit()
    seen.append(revision(db_session, survey))
    service.link_unit(db_session, survey, org.county_a1)
    db_session.commit()
    seen.append(revision(db_session, survey))
    service.set_quota(survey, "district", "990102", 5)
    db_session.commit()
    seen.append(revision(db_session, survey))
    service.set_quota(survey, "district", "990102", 6)  # the same quota, a new limit
    db_session.commit()
    seen.append(revision(db_session, survey))
    db_session.commit()  # nothing changed
    seen.append(revision(db_session, survey))
    assert seen == sorted(seen) and len(set(seen)) == 5 and seen[-1] == seen[-2]


def test_answers_arriving_do_not_count_as_changes(client, make_survey, db_session, form_token) -> None:
    survey = make_survey()
    service.set_quota(survey, "district", "990102", 5)
    db_session.commit()
    before = revision(db_session, survey)
    assert answer(client, survey, form_token).status_code == 303
    assert answer(client, survey, form_token).status_code == 303
    assert revision(db_session, survey) == before


def test_a_survey_closed_after_answers_arrived_refuses_the_next_at_once(client, make_survey, db_session,
                                                                        form_token) -> None:
    survey = make_survey()
    assert answer(client, survey, form_token).status_code == 303  # the form is now cached
    token = client.get(f"/s/{survey.slug}").get_data(as_text=True)
    survey.status = SurveyStatus.closed
    db_session.commit()
    refused = client.post(f"/s/{survey.slug}", data={**GOOD, "form_token": form_token(token)})
    assert refused.status_code == 410
    assert db_session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)) == 1


def test_units_and_quotas_set_after_answers_arrived_apply_to_the_next(client, make_survey, db_session, org,
                                                                      form_token) -> None:
    survey = make_survey()
    assert answer(client, survey, form_token).status_code == 303
    service.link_unit(db_session, survey, org.county_a1)
    service.set_quota(survey, "district", "990102", 1)  # counts the answers from now on
    db_session.commit()
    assert answer(client, survey, form_token).status_code == 303
    assert answer(client, survey, form_token).status_code == 409
    units = list(db_session.scalars(select(SurveyResponse.unit_id).where(SurveyResponse.survey_id == survey.id)
                                    .order_by(SurveyResponse.id)))
    assert units == [None, org.county_a1.id]


FORWARD = b"""survey,type,name,label,calculation,relevant
,calculate,doubled,,${age} * 2,
,integer,age,Age,,
,text,why,Why,,${doubled} > 100
"""
BACKWARD = b"""survey,type,name,label,calculation,relevant
,integer,age,Age,,
,calculate,doubled,,${age} * 2,
,text,why,Why,,${doubled} > 100
"""


def test_a_form_is_walked_twice_only_when_an_expression_reads_ahead() -> None:
    forward = convert(FORWARD, form_id="forward").definition
    backward = convert(BACKWARD, form_id="backward").definition
    assert walks_needed(forward) == 2 and walks_needed(backward) == 1
    moment = Moment(datetime(2026, 11, 1, 9), datetime(2026, 11, 1, 9, 5), True)
    for definition in (forward, backward):
        checked = check(definition, {"age": "60", "why": "因为"}, moment, "default")
        assert checked.ok and checked.answers["doubled"] == "120" and checked.answers["why"] == "因为"
        young = check(definition, {"age": "20", "why": "因为"}, moment, "default")
        assert young.answers["doubled"] == "40" and "why" not in young.answers


def test_answers_checked_against_a_stale_copy_are_checked_again(client, make_survey, db_session, app,
                                                                form_token) -> None:
    survey = make_survey()
    assert answer(client, survey, form_token).status_code == 303  # the form is now cached
    cache = app.extensions["survey.forms"]
    stale = cache.cached(survey.slug)
    survey.title = "改过的标题"  # another process changed the survey
    db_session.commit()
    assert cache.cached(survey.slug) is stale  # this process has not looked yet
    assert answer(client, survey, form_token).status_code == 303
    assert cache.cached(survey.slug).revision == stale.revision + 1
    assert db_session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)) == 2


def test_storing_against_a_stale_copy_is_refused(app, make_survey, db_session) -> None:
    import pytest

    from plugins.survey.published import PublishedForm
    from plugins.survey.submission import FormChanged, Submission, store

    survey = make_survey()
    stale = PublishedForm.of(survey)
    survey.closes_on = None
    survey.title = "新"
    db_session.commit()
    today = datetime(2026, 11, 1).date()
    with pytest.raises(FormChanged):
        store(app.extensions["duban.db"], stale, Submission(key="w:stale", answers={"aware": "no"}, day=today,
                                                            at=None))
    assert store(app.extensions["duban.db"], PublishedForm.of(survey), Submission(
        key="w:fresh", answers={"aware": "no"}, day=today, at=None))
    db_session.commit()
    keys = list(db_session.scalars(select(SurveyResponse.submission_key).where(SurveyResponse.survey_id == survey.id)))
    assert keys == ["w:fresh"]
