"""ODK Collect: the private collect address of an invitation-only survey, and hostile instances."""
from __future__ import annotations

import io
from typing import Any

from sqlalchemy import func, select

from plugins.survey.models import Access, SurveyResponse


def _instance(survey: Any, key: str) -> bytes:
    return (f'<data id="duban_{survey.slug}"><district>990103</district><aware>yes</aware><benefit>no</benefit>'
            '<satisfaction>neutral</satisfaction><years>3</years><comment/>'
            f'<meta><instanceID>uuid:{key}</instanceID></meta></data>').encode()


def _post(client: Any, url: str, xml: bytes) -> Any:
    return client.post(url, data={"xml_submission_file": (io.BytesIO(xml), "i.xml")},
                       content_type="multipart/form-data", csrf=False)


def _stored(db_session: Any, survey: Any) -> int:
    return db_session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id))


def test_the_collect_address_of_an_invitation_only_survey_takes_submissions(client, make_survey, db_session) -> None:
    survey = make_survey()
    survey.access = Access.invitation
    db_session.commit()
    listing = client.get(f"/collect/{survey.collect_token}/formList").get_data(as_text=True)
    assert f"duban_{survey.slug}" in listing
    first = _post(client, f"/collect/{survey.collect_token}/submission", _instance(survey, "team-1"))
    assert first.status_code == 201, first.get_data(as_text=True)
    again = _post(client, f"/collect/{survey.collect_token}/submission", _instance(survey, "team-1"))
    assert again.status_code == 201  # a retried upload counts once
    assert _post(client, f"/collect/{survey.collect_token}/submission", _instance(survey, "team-2")).status_code == 201
    assert _stored(db_session, survey) == 2


def test_an_invitation_only_survey_takes_nothing_without_its_collect_token(client, make_survey, db_session) -> None:
    survey = make_survey()
    survey.access = Access.invitation
    db_session.commit()
    assert f"duban_{survey.slug}" not in client.get("/formList").get_data(as_text=True)
    assert _post(client, "/submission", _instance(survey, "anon")).status_code == 400
    assert _post(client, "/collect/not-the-token/submission", _instance(survey, "guess")).status_code == 400
    assert _stored(db_session, survey) == 0


def test_deeply_nested_or_huge_instances_are_refused_with_a_message(client, make_survey, db_session) -> None:
    survey = make_survey()
    depth = 100_000
    nested = (f'<data id="duban_{survey.slug}">'.encode() + b"<g>" * depth + b"x" + b"</g>" * depth + b"</data>")
    response = client.post("/submission", data=nested, content_type="text/xml", csrf=False)
    assert response.status_code == 400
    assert "嵌套过深或元素过多" in response.get_data(as_text=True)
    wide = (f'<data id="duban_{survey.slug}">'.encode() + b"<a/>" * 60_000 + b"</data>")
    assert client.post("/submission", data=wide, content_type="text/xml", csrf=False).status_code == 400
    grouped = _instance(survey, "grouped").replace(b"<comment/>", b"<g1><g2><g3><comment/></g3></g2></g1>")
    assert client.post("/submission", data=grouped, content_type="text/xml", csrf=False).status_code == 201
    assert _stored(db_session, survey) == 1


def test_long_instance_ids_sharing_a_prefix_are_two_submissions(client, make_survey, db_session) -> None:
    survey = make_survey()
    prefix = "x" * 70
    assert _post(client, "/submission", _instance(survey, prefix + "-1")).status_code == 201
    assert _post(client, "/submission", _instance(survey, prefix + "-2")).status_code == 201
    assert _post(client, "/submission", _instance(survey, prefix + "-2")).status_code == 201  # a retry
    assert _stored(db_session, survey) == 2


def test_the_form_list_gives_the_version_the_form_declares(client, db_session, org) -> None:
    from plugins.survey import service

    form = b"""\
| survey   |         |       |            |
|          | type    | name  | label      |
|          | text    | q     | Question   |
| settings |         |       |            |
|          | version | title |            |
|          | 2024060101 | Versioned |     |
"""
    survey = service.create_survey(db_session, form, owner_unit_id=org.city_a.id, source_name="v.md",
                                   publish=True)
    db_session.commit()
    listing = client.get("/formList").get_data(as_text=True)
    assert f"<formID>duban_{survey.slug}</formID><name>Versioned</name><version>2024060101</version>" in listing


def test_submissions_are_answered_in_the_language_the_client_asks_for(client, make_survey, db_session) -> None:
    """ODK Collect sends the phone's language; the answers used to be in Chinese whatever it said."""
    survey = make_survey()

    def post(key: str, language: str | None) -> Any:
        headers = {"Accept-Language": language} if language else {}
        return client.post("/submission", data={"xml_submission_file": (io.BytesIO(_instance(survey, key)), "i.xml")},
                           content_type="multipart/form-data", csrf=False, headers=headers)

    english = post("lang-en", "en-GB,en;q=0.9")
    assert english.status_code == 201
    assert "Thank you. Your answers have been received." in english.get_data(as_text=True)
    chinese = post("lang-zh", "zh-TW,zh;q=0.8")
    assert chinese.status_code == 201 and "已收到" in chinese.get_data(as_text=True)
    unknown = post("lang-fr", "fr-FR")
    assert "已收到" in unknown.get_data(as_text=True)  # neither language: the instance's default
    refused = client.post("/submission", data=b'<data id="nope"/>', content_type="text/xml", csrf=False,
                          headers={"Accept-Language": "en"})
    assert refused.status_code == 400 and "form this server does not offer" in refused.get_data(as_text=True)
