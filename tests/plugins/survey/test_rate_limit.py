"""Every public survey endpoint takes PUBLIC_RATE_LIMIT requests per client, then answers exactly 429.

Each test first sends the limit's worth of good requests and sees them served, so it fails
both when the limit is removed (the next one would be served) and when it is too tight.
"""
from __future__ import annotations

import io
from typing import Any

import pytest

GOOD = {"district": "990102", "aware": "yes", "benefit": "yes", "satisfaction": "satisfied", "years": "12",
        "comment": "很好"}
LIMIT = 2


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PUBLIC_RATE_LIMIT": f"{LIMIT} per minute"}


def _instance(survey: Any, number: int) -> bytes:
    return (f'<data id="duban_{survey.slug}"><district>990103</district><aware>yes</aware><benefit>no</benefit>'
            '<satisfaction>neutral</satisfaction><years>3</years><comment/>'
            f'<meta><instanceID>uuid:rate-{number}</instanceID></meta></data>').encode()


def test_web_answers_are_limited_per_client(app, client, make_survey, form_token) -> None:
    survey = make_survey()
    codes = []
    for _ in range(LIMIT + 1):
        token = form_token(client.get(f"/s/{survey.slug}").get_data(as_text=True))
        codes.append(client.post(f"/s/{survey.slug}", data={**GOOD, "form_token": token}).status_code)
    assert codes == [303] * LIMIT + [429]
    # Another respondent (another address) is not held back by the first.
    other = app.test_client()
    token = form_token(other.get(f"/s/{survey.slug}", environ_base={"REMOTE_ADDR": "192.0.2.44"})
                       .get_data(as_text=True))
    assert other.post(f"/s/{survey.slug}", data={**GOOD, "form_token": token},
                      environ_base={"REMOTE_ADDR": "192.0.2.44"}).status_code == 303


@pytest.mark.parametrize("route", ["/submission", "/collect/{token}/submission"])
def test_odk_collect_submissions_are_limited(client, make_survey, route) -> None:
    survey = make_survey()
    url = route.format(token=survey.collect_token)
    codes = [client.post(url, data={"xml_submission_file": (io.BytesIO(_instance(survey, number)), "i.xml")},
                         content_type="multipart/form-data", csrf=False).status_code
             for number in range(LIMIT + 1)]
    assert codes == [201] * LIMIT + [429]


@pytest.mark.parametrize("route", ["/formList", "/collect/{token}/formList", "/s/{slug}/form.xml"])
def test_odk_collect_form_downloads_are_limited(client, make_survey, route) -> None:
    survey = make_survey()
    url = route.format(token=survey.collect_token, slug=survey.slug)
    codes = [client.get(url).status_code for _ in range(LIMIT + 1)]
    assert codes == [200] * LIMIT + [429]
