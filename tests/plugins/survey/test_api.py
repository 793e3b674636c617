"""Survey results in the JSON API: which surveys, the counts with their intervals, scope, no raw answers."""
from __future__ import annotations

from datetime import date
from typing import Any

import jsonschema_rs
import pytest
from sqlalchemy import insert

from core.access.models import Role
from core.access.tokens import create_token_for
from core.ledger.models import Matter, MatterKind
from plugins.survey import service
from plugins.survey.models import SurveyResponse, SurveyStatus
from plugins.survey.results import wilson

PRIVATE_COMMENT = "我家住3号楼402，电梯至今没装"
SATISFIED = {"district": "990102", "aware": "yes", "benefit": "yes", "satisfaction": "satisfied", "years": "12",
             "comment": PRIVATE_COMMENT}
UNHAPPY = {"district": "990102", "aware": "yes", "benefit": "no", "satisfaction": "dissatisfied"}
UNAWARE = {"district": "990103", "aware": "no"}


class World:
    """City A runs a published, a closed and a draft survey; city B one of its own."""

    def __init__(self, session: Any, org: Any, make_survey: Any) -> None:
        self.org = org
        self.published = make_survey()
        self.closed = make_survey()
        service.set_status(self.closed, SurveyStatus.closed)
        self.draft = make_survey(publish=False)
        self.theirs = make_survey(owner=org.city_b)
        self.matter_a = Matter(code="M-A", title="老旧小区改造", kind=MatterKind.meeting, owner_unit_id=org.city_a.id)
        self.matter_b = Matter(code="M-B", title="白水市专项", kind=MatterKind.meeting, owner_unit_id=org.city_b.id)
        session.add_all([self.matter_a, self.matter_b])
        session.flush()
        service.link_matter(session, self.published, self.matter_a)
        service.link_matter(session, self.published, self.matter_b)
        service.link_unit(session, self.published, org.county_a1)
        service.link_unit(session, self.closed, org.county_a2)
        session.commit()
        rows = ([(org.county_a1, SATISFIED)] * 3 + [(org.county_a1, UNHAPPY)] + [(org.county_a2, UNAWARE)] * 2
                + [(org.county_b1, SATISFIED), (None, UNHAPPY)])
        session.execute(insert(SurveyResponse), [
            {"survey_id": self.published.id, "submission_key": f"k{index}", "unit_id": unit.id if unit else None,
             "submitted_on": date(2026, 11, 1), "answers": answers, "channel": "web", "language": "zh_CN"}
            for index, (unit, answers) in enumerate(rows)])
        session.commit()


@pytest.fixture
def world(db_session, org, make_survey) -> World:
    return World(db_session, org, make_survey)


@pytest.fixture
def token(db_session, org):
    def make(name: str, role: Role = Role.supervisor, unit: Any = None, locale: str | None = None) -> dict[str, str]:
        user = org.user(name, role, unit)
        user.locale = locale
        _token, secret = create_token_for(db_session, user)
        db_session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


def _schema(client, path: str) -> Any:
    document = client.get("/api/v1/openapi.json").get_json()
    return document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def _question(body: dict[str, Any], name: str) -> dict[str, Any]:
    return next(question for question in body["questions"] if question["name"] == name)


def test_the_list_holds_published_and_closed_surveys_of_the_callers_units(client, world, token, org):
    headers = token("sup_a", unit=org.city_a)
    page = client.get("/api/v1/surveys?limit=1", headers=headers).get_json()
    jsonschema_rs.validator_for(_schema(client, "/api/v1/surveys")).validate(page)
    assert (page["total"], page["next_offset"]) == (2, 1)
    assert _ids(client.get("/api/v1/surveys", headers=headers)) == [world.closed.id, world.published.id]
    assert (page["items"][0]["status"], page["items"][0]["owner_unit_code"]) == ("closed", "A")
    # A survey's own words, not core's for circulars (已印发) and tasks (已销号).
    assert page["items"][0]["status_label"] == "已结束"
    published = client.get("/api/v1/surveys?status=published", headers=headers).get_json()["items"]
    assert published[0]["status_label"] == "已发布" and published[0]["access"] == "open"
    assert [(s["id"], s["responses"], s["unit_codes"], s["matter_codes"]) for s in published] == [
        (world.published.id, 8, ["A1"], ["M-A"])]  # city B's matter stays unnamed


def test_list_filters(client, world, token, org):
    headers = token("boss", Role.leader, org.province)

    def ids(query: str) -> list[int]:
        return _ids(client.get(f"/api/v1/surveys?{query}", headers=headers))

    assert ids("") == [world.theirs.id, world.closed.id, world.published.id]
    assert ids("status=closed") == [world.closed.id]
    assert ids("owner_unit_code=B") == [world.theirs.id]
    assert ids("unit_code=A2") == [world.closed.id]
    assert ids("matter_code=M-B") == [world.published.id]
    assert ids("matter_code=NOPE") == []
    assert client.get("/api/v1/surveys?status=draft", headers=headers).status_code == 400


def test_results_count_each_choice_with_its_wilson_interval(client, world, token, org):
    response = client.get(f"/api/v1/surveys/{world.published.id}/results", headers=token("sup_a", unit=org.city_a))
    assert response.status_code == 200
    body = response.get_json()
    jsonschema_rs.validator_for(_schema(client, "/api/v1/surveys/{survey_id}/results")).validate(body)
    assert body["responses"] == 8 and body["survey"]["id"] == world.published.id and "by_unit" not in body
    satisfaction = _question(body, "satisfaction")
    assert (satisfaction["type"], satisfaction["sample_size"], satisfaction["label"]) == (
        "select_one", 6, "您对改造工作的总体满意程度如何？")
    satisfied = next(choice for choice in satisfaction["choices"] if choice["value"] == "satisfied")
    low, high = wilson(4, 6)
    assert (satisfied["label"], satisfied["count"], satisfied["percent"]) == ("满意", 4, 66.7)
    assert satisfied["share"] == pytest.approx(4 / 6)
    assert (satisfied["ci95_low"], satisfied["ci95_high"]) == (pytest.approx(low), pytest.approx(high))
    # Choices nobody picked are listed too, with their interval from 0.
    neutral = next(choice for choice in satisfaction["choices"] if choice["value"] == "neutral")
    assert (neutral["count"], neutral["ci95_low"]) == (0, pytest.approx(0.0, abs=1e-9))
    assert neutral["ci95_high"] == pytest.approx(wilson(0, 6)[1])
    assert [question["name"] for question in body["questions"]] == ["district", "aware", "benefit", "satisfaction"]


def test_results_by_unit_list_only_the_units_the_caller_may_see(client, world, token, org):
    path = f"/api/v1/surveys/{world.published.id}/results?by=unit"
    body = client.get(path, headers=token("sup_a", unit=org.city_a)).get_json()
    jsonschema_rs.validator_for(_schema(client, "/api/v1/surveys/{survey_id}/results")).validate(body)
    assert [(unit["unit_code"], unit["responses"]) for unit in body["by_unit"]] == [("A1", 4), ("A2", 2)]
    a1 = _question(body["by_unit"][0], "satisfaction")
    assert [(c["value"], c["count"]) for c in a1["choices"] if c["count"]] == [("satisfied", 3), ("dissatisfied", 1)]
    province = client.get(path, headers=token("boss", Role.leader, org.province)).get_json()
    assert [unit["unit_code"] for unit in province["by_unit"]] == ["A1", "A2", "B1"]
    assert client.get(f"{path[:-4]}=region", headers=token("sup_a2", unit=org.city_a)).status_code == 400


def test_no_respondent_level_answers_or_secrets_leave(client, world, token, org):
    headers = token("sup_a", unit=org.city_a)
    texts = [client.get(f"/api/v1/surveys/{world.published.id}/results?by=unit", headers=headers)
             .get_data(as_text=True), client.get("/api/v1/surveys", headers=headers).get_data(as_text=True)]
    for text in texts:
        assert PRIVATE_COMMENT not in text and "comment" not in text and '"years"' not in text
        assert world.published.collect_token not in text and "k0" not in text


def test_scope_sibling_city_404_draft_404_officers_403(client, world, token, org):
    results = f"/api/v1/surveys/{world.published.id}/results"
    assert client.get(results, headers=token("sup_b", unit=org.city_b)).status_code == 404
    assert _ids(client.get("/api/v1/surveys", headers=token("sup_b2", unit=org.city_b))) == [world.theirs.id]
    sup_a = token("sup_a", unit=org.city_a)
    assert client.get(f"/api/v1/surveys/{world.draft.id}/results", headers=sup_a).status_code == 404
    assert client.get("/api/v1/surveys/999999/results", headers=sup_a).status_code == 404
    officer = token("a1", Role.unit_officer, org.county_a1)
    assert client.get("/api/v1/surveys", headers=officer).status_code == 403
    assert client.get(results, headers=officer).status_code == 403
    assert client.get(results).status_code == 401


def test_labels_follow_the_accounts_language(client, world, token, org):
    body = client.get(f"/api/v1/surveys/{world.published.id}/results",
                      headers=token("sup_en", unit=org.city_a, locale="en")).get_json()
    assert body["survey"]["status_label"] == "Survey published"
    satisfaction = _question(body, "satisfaction")
    assert satisfaction["label"] == "How satisfied are you with the renovation overall?"
    assert satisfaction["choices"][0]["label"] == "Very satisfied"


def test_the_routes_are_documented_under_the_surveys_tag(client, database_url, tmp_path):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/surveys", "/api/v1/surveys/{survey_id}/results"):
        operation = paths[path]["get"]
        assert operation["tags"] == ["surveys"] and "`survey.view`" in operation["description"]
    from tests.conftest import make_app

    blocked = make_app(database_url, tmp_path, BLOCKED_PLUGINS=["survey"])
    paths = blocked.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    assert not any(path.startswith("/api/v1/surveys") for path in paths)
