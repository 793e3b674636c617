"""Answering a survey on the web: the server's verdict, exactly-once storage, refusals."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from plugins.survey.models import Access, SurveyInvitation, SurveyResponse, SurveyStatus
from plugins.survey.tokens import hash_token

GOOD = {"district": "990102", "aware": "yes", "benefit": "yes", "satisfaction": "satisfied", "years": "12",
        "comment": "很好"}


def stored(db_session: Any, survey: Any) -> int:
    return db_session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id))


def post(client: Any, survey: Any, answers: dict[str, str], form_token: Any, token: str | None = None,
         **extra: str) -> Any:
    if token is None:
        token = form_token(client.get(f"/s/{survey.slug}").get_data(as_text=True))
    return client.post(f"/s/{survey.slug}", data={**answers, "form_token": token, **extra})


def test_a_good_answer_is_stored_once_even_when_sent_twice(client, make_survey, db_session, form_token) -> None:
    survey = make_survey()
    token = form_token(client.get(f"/s/{survey.slug}").get_data(as_text=True))
    first = post(client, survey, GOOD, form_token, token)
    again = post(client, survey, GOOD, form_token, token)  # a double click, or the page sent again
    assert first.status_code == 303 and again.status_code == 303
    assert stored(db_session, survey) == 1
    response = db_session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id))
    assert response.answers["satisfaction"] == "satisfied"
    assert response.submitted_at is None  # anonymous: the day only
    assert response.unit_id is None
    assert "survey-thanks" in client.get(first.headers["Location"]).get_data(as_text=True)


def test_skip_logic_drops_answers_to_questions_not_asked(client, make_survey, db_session, form_token) -> None:
    survey = make_survey()
    post(client, survey, {**GOOD, "aware": "no"}, form_token)
    answers = db_session.scalar(select(SurveyResponse.answers).where(SurveyResponse.survey_id == survey.id))
    assert answers["aware"] == "no" and "satisfaction" not in answers and "benefit" not in answers


def test_a_broken_constraint_is_refused_with_the_forms_message(client, make_survey, db_session, form_token) -> None:
    survey = make_survey()
    page = post(client, survey, {**GOOD, "years": "120"}, form_token)
    assert page.status_code == 400
    assert "请填写0到80之间的整数" in page.get_data(as_text=True)
    assert stored(db_session, survey) == 0
    client.post("/lang", data={"lang": "en", "next": "/"})
    page = post(client, survey, {**GOOD, "years": "120"}, form_token)
    assert "Enter a number from 0 to 80" in page.get_data(as_text=True)


def test_a_missing_required_answer_is_refused_in_the_respondents_language(client, make_survey, db_session,
                                                                          form_token) -> None:
    survey = make_survey()
    page = post(client, survey, {**GOOD, "district": ""}, form_token)
    assert page.status_code == 400
    assert "此题必须回答" in page.get_data(as_text=True)
    client.post("/lang", data={"lang": "en", "next": "/"})
    english = post(client, survey, {**GOOD, "district": ""}, form_token).get_data(as_text=True)
    assert "This answer is required." in english
    assert stored(db_session, survey) == 0


def test_a_forged_submission_is_refused(client, make_survey, db_session, form_token) -> None:
    survey = make_survey()
    other = make_survey()
    foreign = form_token(client.get(f"/s/{other.slug}").get_data(as_text=True))
    assert post(client, survey, GOOD, form_token, token=foreign).status_code == 400  # another survey's token
    assert post(client, survey, GOOD, form_token, token="forged.token").status_code == 400
    bad_choice = post(client, survey, {**GOOD, "satisfaction": "<script>"}, form_token)
    assert bad_choice.status_code == 400 and "<script>" not in bad_choice.get_data(as_text=True)
    assert stored(db_session, survey) == 0 and stored(db_session, other) == 0


def test_an_oversized_submission_is_refused_unread(client, make_survey, db_session, form_token) -> None:
    survey = make_survey()
    page = post(client, survey, {**GOOD, "comment": "长" * 300_000}, form_token)
    assert page.status_code == 413
    assert stored(db_session, survey) == 0


def test_a_closed_survey_takes_no_answers(client, make_survey, db_session, form_token) -> None:
    survey = make_survey()
    token = form_token(client.get(f"/s/{survey.slug}").get_data(as_text=True))
    survey.status = SurveyStatus.closed
    db_session.commit()
    page = post(client, survey, GOOD, form_token, token)
    assert page.status_code == 410
    assert "本调查已结束" in page.get_data(as_text=True)
    assert client.get(f"/s/{survey.slug}").status_code == 410
    survey.status = SurveyStatus.published
    survey.closes_on = date.today() - timedelta(days=2)
    db_session.commit()
    assert client.get(f"/s/{survey.slug}").status_code == 410
    assert stored(db_session, survey) == 0


def test_a_draft_is_not_public(client, make_survey) -> None:
    survey = make_survey(publish=False)
    assert client.get(f"/s/{survey.slug}").status_code == 410


def test_a_post_from_another_browser_or_site_is_refused(app, client, make_survey, db_session, form_token) -> None:
    survey = make_survey()
    opened = client.get(f"/s/{survey.slug}")
    assert "duban_browser=" in opened.headers["Set-Cookie"] and "HttpOnly" in opened.headers["Set-Cookie"]
    token = form_token(opened.get_data(as_text=True))
    cross_site = app.test_client()  # a forged post carries the token but not the cookie
    refused = cross_site.post(f"/s/{survey.slug}", data={**GOOD, "form_token": token})
    assert refused.status_code == 400 and "另一个浏览器" in refused.get_data(as_text=True)
    other_browser = app.test_client()
    other_browser.get(f"/s/{survey.slug}")  # a cookie of its own
    assert other_browser.post(f"/s/{survey.slug}", data={**GOOD, "form_token": token}).status_code == 400
    assert stored(db_session, survey) == 0
    # The browser that opened the form needs nothing else: no session-bound token that expires.
    assert client.post(f"/s/{survey.slug}", data={**GOOD, "form_token": token}, csrf=False).status_code == 303
    assert stored(db_session, survey) == 1


def test_an_invitation_answers_once_and_a_replayed_token_is_refused(client, make_survey, db_session, org,
                                                                    form_token) -> None:
    survey = make_survey()
    survey.access = Access.invitation
    db_session.add(SurveyInvitation(survey_id=survey.id, token_hash=hash_token("secret-1"), email="a@example.cn",
                                    unit_id=org.county_a1.id, invited_on=date.today()))
    db_session.commit()
    assert client.get(f"/s/{survey.slug}").status_code == 400  # no invitation, no form
    page = client.get(f"/s/{survey.slug}?t=secret-1").get_data(as_text=True)
    token = form_token(page)
    assert post(client, survey, GOOD, form_token, token, invitation="secret-1").status_code == 303
    assert post(client, survey, GOOD, form_token, token, invitation="secret-1").status_code == 303  # same render
    replay = client.get(f"/s/{survey.slug}?t=secret-1")
    assert replay.status_code == 400 and "已被使用" in replay.get_data(as_text=True)
    assert stored(db_session, survey) == 1
    response = db_session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id))
    assert response.unit_id == org.county_a1.id


def test_quota_refuses_once_full_and_stores_nothing(client, make_survey, db_session, form_token) -> None:
    from plugins.survey import service

    survey = make_survey()
    service.set_quota(survey, "district", "990102", 1)
    db_session.commit()
    assert post(client, survey, GOOD, form_token).status_code == 303
    full = post(client, survey, GOOD, form_token)
    assert full.status_code == 409
    assert post(client, survey, {**GOOD, "district": "990103"}, form_token).status_code == 303
    assert stored(db_session, survey) == 2


def test_a_respondent_gets_no_session_cookie_until_choosing_a_language(client, make_survey) -> None:
    survey = make_survey()
    page = client.get(f"/s/{survey.slug}")
    cookies = " ".join(page.headers.getlist("Set-Cookie"))
    assert "duban_browser=" in cookies and "session=" not in cookies
    html = page.get_data(as_text=True)
    assert f'href="/s/{survey.slug}?lang=en"' in html and "/lang" not in html
    chosen = client.get(f"/s/{survey.slug}?lang=en")
    assert chosen.status_code == 303 and chosen.headers["Location"] == f"/s/{survey.slug}"
    assert "session=" in " ".join(chosen.headers.getlist("Set-Cookie"))
    assert "Send my answers" in client.get(chosen.headers["Location"]).get_data(as_text=True)
    client.get(f"/s/{survey.slug}?lang=zh_CN")
    assert "Send my answers" not in client.get(f"/s/{survey.slug}").get_data(as_text=True)


def test_an_invitees_language_link_keeps_the_invitation(client, make_survey) -> None:
    survey = make_survey()
    chosen = client.get(f"/s/{survey.slug}?t=abc&lang=en")
    assert chosen.headers["Location"] == f"/s/{survey.slug}?t=abc"


def test_back_returns_to_the_same_rendering_and_sending_it_again_stores_nothing(client, make_survey, db_session,
                                                                              form_token) -> None:
    survey = make_survey()
    page = client.get(f"/s/{survey.slug}")
    # Cached for Back (revalidated on a plain visit): the rendering, and its token, come back as they were.
    assert page.headers["Cache-Control"] == "private, no-cache"
    token = form_token(page.get_data(as_text=True))
    first = post(client, survey, GOOD, form_token, token)
    again = post(client, survey, GOOD, form_token, token)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert stored(db_session, survey) == 1
