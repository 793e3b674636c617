"""Tips in the JSON API: paging, filters, scope, deadlines, and nothing that names the tipster."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import jsonschema_rs
import pytest

from core.access.models import Role
from core.access.tokens import create_token_for
from core.ledger.models import Matter, MatterKind, Task
from plugins.media_tips.models import Tip, TipSource
from plugins.media_tips.triage import NewTip, correct_link, create_tip, hand_over

TODAY = date.today()
CONTACT = "13912345678 张先生"


class Tips:
    """Three tips in three counties, one handed over to county A1 and late with its answer."""

    def __init__(self, session: Any, org: Any, ledger: Any, people: dict[str, Any]) -> None:
        self.session = session

        def add(text: str, region: str, source: TipSource, received: date, **extra: Any) -> tuple[Tip, str | None]:
            return create_tip(session, NewTip(source=source, text=text, region_code=region, received_on=received,
                                              contact=CONTACT, **extra),
                              actor="public", today=TODAY, with_receipt=source == TipSource.public)

        self.a1, self.code = add("河东区东湖街道的老旧小区改造，加装电梯到现在也没动工", "990102", TipSource.public,
                                 TODAY - timedelta(days=20), category="slow_action")
        self.a2, _ = add("河西区新建公办幼儿园迟迟没有开工", "990103", TipSource.media, TODAY - timedelta(days=10),
                         title="幼儿园建设进度滞后", url="https://news.example/kindergarten")
        self.b1, _ = add("城关区拖欠农民工工资", "990202", TipSource.hotline, TODAY - timedelta(days=5))
        hand_over(session, self.a1, org.county_a1, due=TODAY, user=people["city_a"], today=TODAY)
        self.a1.answer_due = TODAY - timedelta(days=1)  # a day has passed without an answer
        # A matter of city B only, linked by province staff to city A's tip: city A must not learn its code.
        self.hidden = Matter(code="M-B9", title="白水市专项", kind=MatterKind.other, owner_unit_id=org.city_b.id)
        session.add(self.hidden)
        session.flush()
        session.add(Task(matter_id=self.hidden.id, unit_id=org.county_b1.id, description="专项",
                         deadline=date(2099, 1, 1)))
        session.flush()
        correct_link(session, self.a2, user=people["province"], matter=self.hidden)
        session.commit()


@pytest.fixture
def tips(db_session, org, ledger, people) -> Tips:
    return Tips(db_session, org, ledger, people)


def _schema(client, path: str) -> Any:
    document = client.get("/api/v1/openapi.json").get_json()
    return document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]


def _refs(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["ref"] for item in response.get_json()["items"]]


def test_the_list_is_paged_newest_first_and_matches_its_schema(client, tips, token):
    headers = token("city_a")
    first = client.get("/api/v1/tips?limit=1", headers=headers).get_json()
    assert (first["total"], first["limit"], first["offset"], first["next_offset"]) == (2, 1, 0, 1)
    second = client.get("/api/v1/tips?limit=1&offset=1", headers=headers).get_json()
    assert [first["items"][0]["ref"], second["items"][0]["ref"]] == [tips.a2.ref, tips.a1.ref]
    assert second["next_offset"] is None
    jsonschema_rs.validator_for(_schema(client, "/api/v1/tips")).validate(first)


def test_filters(client, tips, token, org):
    headers = token("province")

    def refs(query: str) -> list[str]:
        return _refs(client.get(f"/api/v1/tips?{query}", headers=headers))

    assert refs("") == [tips.b1.ref, tips.a2.ref, tips.a1.ref]
    assert refs("state=handed_over") == [tips.a1.ref]
    assert refs("source=media") == [tips.a2.ref]
    assert refs("category=slow_action") == [tips.a1.ref]
    assert refs("unit_code=A1") == [tips.a1.ref]
    assert refs("home_unit_code=B1") == [tips.b1.ref]
    assert refs("matter_code=M-B9") == [tips.a2.ref]
    assert refs(f"received_since={(TODAY - timedelta(days=10)).isoformat()}") == [tips.b1.ref, tips.a2.ref]
    assert refs(f"received_until={(TODAY - timedelta(days=10)).isoformat()}") == [tips.a2.ref, tips.a1.ref]
    assert refs("overdue=true") == [tips.a1.ref]
    assert refs("overdue=false") == [tips.b1.ref, tips.a2.ref]
    assert refs("q=幼儿园") == [tips.a2.ref]
    assert refs("q=100%25") == []
    assert refs("unit_code=NOPE") == []


def test_bad_parameters_are_400_with_a_message(client, tips, token):
    headers = token("city_a")
    response = client.get("/api/v1/tips?state=lost", headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith("参数 state 必须是以下之一")
    assert client.get("/api/v1/tips?received_since=yesterday", headers=headers).status_code == 400
    assert client.get("/api/v1/tips?limit=0", headers=headers).status_code == 400


def test_one_tip_with_its_triage_links_and_deadlines(client, tips, token):
    response = client.get(f"/api/v1/tips/{tips.a1.id}", headers=token("city_a"))
    assert response.status_code == 200
    body = response.get_json()
    jsonschema_rs.validator_for(_schema(client, "/api/v1/tips/{tip_id}")).validate(body)
    assert (body["state"], body["state_label"], body["source_label"]) == ("handed_over", "已转办", "群众")
    assert (body["home_unit_code"], body["unit_code"], body["handed_unit_code"]) == ("A1", "A1", "A1")
    assert body["answer_due"] == (TODAY - timedelta(days=1)).isoformat()
    assert body["answer_overdue"] is True and body["answered_at"] is None and body["handed_at"]
    assert body["matter_code"] == "M-001"
    assert [(e["state_from"], e["state"]) for e in body["history"]] == [
        ("", "new"), ("new", "screened"), ("screened", "handed_over")]
    # Handing over confirms the unit link; the other suggested units are set aside.
    units = {link["unit_code"]: link["status"] for link in body["links"] if link["target"] == "unit"}
    assert units["A1"] == "confirmed" and set(units.values()) <= {"confirmed", "rejected"}


def test_the_tipster_is_never_named(client, tips, token, db_session):
    answers = []
    for name in ("city_a", "province"):
        answers.append(client.get("/api/v1/tips", headers=token(name)).get_data(as_text=True))
        answers += [client.get(f"/api/v1/tips/{tip.id}", headers=token(name)).get_data(as_text=True)
                    for tip in (tips.a1, tips.a2)]
    assert tips.a1.receipt_hash and tips.code
    for text in answers:
        assert "13912345678" not in text and "张先生" not in text
        assert tips.a1.receipt_hash not in text and tips.code not in text and "receipt" not in text
        assert "contact" not in text


def test_a_matter_outside_the_callers_view_stays_unnamed(client, tips, token):
    mine = client.get(f"/api/v1/tips/{tips.a2.id}", headers=token("city_a")).get_json()
    assert mine["matter_code"] is None and mine["matter_id"] is None
    assert [link["matter_code"] for link in mine["links"] if link["origin"] == "staff"] == [None]
    assert _refs(client.get("/api/v1/tips?matter_code=M-B9", headers=token("city_a"))) == []
    province = client.get(f"/api/v1/tips/{tips.a2.id}", headers=token("province")).get_json()
    assert province["matter_code"] == "M-B9"


def test_scope_a_sibling_citys_tip_is_404_and_units_without_tips_view_are_403(client, tips, token):
    city_b = token("city_b")
    assert client.get(f"/api/v1/tips/{tips.a1.id}", headers=city_b).status_code == 404
    assert _refs(client.get("/api/v1/tips", headers=city_b)) == [tips.b1.ref]
    leader = token("leader")
    assert client.get(f"/api/v1/tips/{tips.b1.id}", headers=leader).status_code == 200
    # County A1 answers the tip on its pages, but the API is for the staff who hold tips.
    for path in ("/api/v1/tips", f"/api/v1/tips/{tips.a1.id}"):
        assert client.get(path, headers=token("a1")).status_code == 403
    assert client.get("/api/v1/tips/999999", headers=token("province")).status_code == 404
    assert client.get("/api/v1/tips").status_code == 401


def test_labels_follow_the_accounts_language(client, tips, token, people, db_session):
    people["city_a"].locale = "en"
    db_session.commit()
    body = client.get(f"/api/v1/tips/{tips.a1.id}", headers=token("city_a")).get_json()
    assert (body["state_label"], body["source_label"], body["category_label"]) == (
        "Handed over", "Member of the public", "Slow action")
    assert body["history"][0]["state_label"] == "New"


def test_the_routes_are_documented_under_the_tips_tag(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/tips", "/api/v1/tips/{tip_id}"):
        operation = paths[path]["get"]
        assert operation["tags"] == ["tips"] and "`tips.view`" in operation["description"]


def test_blocking_the_plugin_removes_its_routes(database_url, tmp_path):
    from tests.conftest import make_app

    app = make_app(database_url, tmp_path, BLOCKED_PLUGINS=["media_tips"])
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    assert not any(path.startswith("/api/v1/tips") for path in paths)


def test_evaluators_and_auditors_get_403(client, tips, org, db_session):
    for role in (Role.evaluator, Role.auditor):
        user = org.user(f"u_{role.value}", role, org.province if role == Role.auditor else None)
        _token, secret = create_token_for(db_session, user)
        db_session.commit()
        assert client.get("/api/v1/tips", headers={"Authorization": f"Bearer {secret}"}).status_code == 403
