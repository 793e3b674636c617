"""Posting tips through the JSON API: a hotline's tips go in as if filed on the intake page.

All rows or none, every bad row named by its position; ``ref`` is the natural key; an
Idempotency-Key makes a retry harmless; ``tip.created`` reaches webhook subscribers; the
account's scope decides who holds a tip; the post is rate limited like the rest of the API.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import jsonschema_rs
import pytest
from sqlalchemy import func, select

from core.webhooks import WebhookDelivery, WebhookSubscriber, save_subscriber
from plugins.media_tips.models import Tip, TipSource, TipState
from plugins.media_tips.triage import NewTip, create_tip

CONTACT = "13912345678 王女士"


def _row(text: str, **extra: Any) -> dict[str, Any]:
    return {"text": text, "source": "hotline", "received_on": "2026-11-27", **extra}


def _tips(db_session) -> list[Tip]:
    db_session.expire_all()
    return list(db_session.scalars(select(Tip).order_by(Tip.id)))


def _deliveries(db_session) -> list[WebhookDelivery]:
    db_session.expire_all()
    return list(db_session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


@pytest.fixture
def subscriber(db_session) -> None:
    save_subscriber(db_session, WebhookSubscriber(), name="newsroom", url="https://newsroom.example/hook",
                    events=["tip.created"])
    db_session.commit()


def test_a_hotline_files_tips_as_the_intake_page_would(client, db_session, org, ledger, token, subscriber):
    body = {"tips": [
        _row("河东区东湖街道老旧小区加装电梯停工三个月", ref="H-20261127-01", region_code="990102",
             category="slow_action", contact=CONTACT),
        # Chinese spellings of source and category, as the import takes them.
        {"text": "河西区新建公办幼儿园建好不招生", "source": "媒体", "category": "不作为", "received_on": "2026-11-26",
         "region_code": "990103", "url": "https://news.example/kindergarten", "title": "幼儿园建好不招生"},
    ]}
    response = client.post("/api/v1/tips", csrf=False, json=body, headers=token("city_a"))
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    document = client.get("/api/v1/openapi.json").get_json()
    posted = document["paths"]["/api/v1/tips"]["post"]
    jsonschema_rs.validator_for(posted["responses"]["201"]["content"]["application/json"]["schema"]).validate(answer)
    assert (answer["stored"], answer["created"], answer["changed"], answer["unchanged"]) == (2, 2, 0, 0)
    hotline, media = _tips(db_session)
    assert answer["ids"] == [hotline.id, media.id] and answer["refs"][0] == "H-20261127-01"
    assert answer["refs"][1] == media.ref and media.ref  # made from the row, as an import does
    assert (hotline.source, hotline.state, hotline.category) == (TipSource.hotline, TipState.new, "slow_action")
    assert (hotline.home_unit_id, hotline.contact, hotline.received_on) == (
        org.county_a1.id, CONTACT, date(2026, 11, 27))
    assert hotline.matter_id == ledger.housing.id  # linked like any other tip
    assert (media.source, media.category, media.home_unit_id) == (TipSource.media, "inaction", org.county_a2.id)
    assert [event.actor for event in hotline.events] == ["city_a (api)"]
    # Subscribers hear of each tip, never what it says or who called.
    deliveries = _deliveries(db_session)
    assert [(d.event, d.payload["data"]["ref"]) for d in deliveries] == [
        ("tip.created", "H-20261127-01"), ("tip.created", media.ref)]
    assert "13912345678" not in str(deliveries[0].payload) and "电梯" not in str(deliveries[0].payload)
    # The staff read it back through the API; the contact stays out of it.
    shown = client.get(f"/api/v1/tips/{hotline.id}", headers=token("city_a"))
    assert shown.status_code == 200 and shown.get_json()["source"] == "hotline"
    assert "13912345678" not in shown.get_data(as_text=True)


def test_one_bad_row_stores_nothing_and_every_bad_row_is_named(client, db_session, org, token, subscriber):
    rows = [
        _row("好的一行", ref="H-1"),
        _row("来源不明", source="pigeon"),
        _row("日期不对", received_on="27/11/2026"),
        _row("单位不存在", unit_code="NOPE"),
        _row("链接不对", url="javascript:alert(1)"),
        _row("标题太长", title="长" * 301),
        "not an object",
        _row("重复编号", ref="H-1"),
        _row("字" * 5001),
        _row("", category="unknown"),
        _row("区划不对", region_code="99"),
    ]
    response = client.post("/api/v1/tips", csrf=False, json={"tips": rows}, headers=token("city_a"))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["message"] == "部分行被拒绝，未保存任何数据。"
    named = {(row["position"], row["field"]) for row in error["rows"]}
    assert named == {(1, "source"), (2, "received_on"), (3, "unit_code"), (4, "url"), (5, "title"), (6, None),
                     (7, "ref"), (8, "text"), (9, "text"), (9, "category"), (10, "region_code")}
    assert [row["position"] for row in error["rows"]] == sorted(row["position"] for row in error["rows"])
    unit_error = next(row for row in error["rows"] if row["field"] == "unit_code")
    assert "NOPE" in unit_error["message"]
    assert _tips(db_session) == [] and _deliveries(db_session) == []


def test_malformed_bodies_are_400_with_a_json_message(client, org, token):
    headers = token("city_a")
    for body in ({}, {"tips": []}, {"tips": "H-1"}, [], {"tips": [_row("x")] * 201}):
        response = client.post("/api/v1/tips", csrf=False, json=body, headers=headers)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["message"]
    response = client.post("/api/v1/tips", csrf=False, data="tips", headers=headers, content_type="text/plain")
    assert response.status_code == 400


def test_a_retry_with_the_same_key_files_the_tip_once(client, db_session, org, token, subscriber):
    headers = {**token("city_a"), "Idempotency-Key": "hotline-2026-11-27-0001"}
    body = {"tips": [_row("河东区供暖不热，多次反映无果", region_code="990102")]}
    first = client.post("/api/v1/tips", csrf=False, json=body, headers=headers)
    again = client.post("/api/v1/tips", csrf=False, json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(_tips(db_session)) == 1 and len(_deliveries(db_session)) == 1
    other = client.post("/api/v1/tips", csrf=False, json={"tips": [_row("另一条线索")]}, headers=headers)
    assert other.status_code == 422 and len(_tips(db_session)) == 1


def test_a_refused_post_does_not_use_up_its_key(client, db_session, org, token):
    headers = {**token("city_a"), "Idempotency-Key": "k-bad"}
    assert client.post("/api/v1/tips", csrf=False, json={"tips": [_row("x", unit_code="NOPE")]},
                       headers=headers).status_code == 422
    assert client.post("/api/v1/tips", csrf=False, json={"tips": [_row("x")]}, headers=headers).status_code == 201


def test_the_ref_is_the_natural_key(client, db_session, org, token, subscriber):
    headers = token("city_a")
    row = _row("河东区供暖不热", ref="H-7", region_code="990102")
    assert client.post("/api/v1/tips", csrf=False, json={"tips": [row]}, headers=headers).get_json()["created"] == 1
    same = client.post("/api/v1/tips", csrf=False, json={"tips": [row]}, headers=headers).get_json()
    assert (same["created"], same["changed"], same["unchanged"]) == (0, 0, 1)
    changed = client.post("/api/v1/tips", csrf=False, json={"tips": [{**row, "text": "河东区供暖不热，已持续两周"}]},
                          headers=headers).get_json()
    assert (changed["created"], changed["changed"]) == (0, 1)
    [tip] = _tips(db_session)
    assert tip.text == "河东区供暖不热，已持续两周" and changed["ids"] == [tip.id]
    assert len(_deliveries(db_session)) == 1  # a change is not a new tip
    # Without a ref, the same row again is the same tip.
    plain = {"tips": [_row("城关区菜市场占道经营")]}
    assert client.post("/api/v1/tips", csrf=False, json=plain, headers=headers).get_json()["created"] == 1
    assert client.post("/api/v1/tips", csrf=False, json=plain, headers=headers).get_json()["unchanged"] == 1


def test_the_callers_scope_decides_who_holds_a_tip(client, db_session, org, people, token):
    # City A's staff file a tip from city B's region: city A holds it, not city B.
    answer = client.post("/api/v1/tips", csrf=False, json={"tips": [_row("城关区拖欠工资", region_code="990202")]},
                         headers=token("city_a")).get_json()
    tip = db_session.get(Tip, answer["ids"][0])
    assert tip.home_unit_id == org.city_a.id
    # A tip city B holds is not city A's to change.
    theirs, _code = create_tip(db_session, NewTip(source=TipSource.public, text="城关区路灯不亮", region_code="990202",
                                                  ref="B-1"), actor="public", today=date.today())
    db_session.commit()
    response = client.post("/api/v1/tips", csrf=False, json={"tips": [_row("改写别人的线索", ref="B-1")]},
                           headers=token("city_a"))
    assert response.status_code == 422
    assert [(row["position"], row["field"]) for row in response.get_json()["error"]["rows"]] == [(0, "ref")]
    db_session.expire_all()
    assert db_session.get(Tip, theirs.id).text == "城关区路灯不亮"
    # The province holds what it files for city B's region itself only when city B is in its subtree.
    answer = client.post("/api/v1/tips", csrf=False, json={"tips": [_row("白水市供水问题", region_code="990200")]},
                         headers=token("province")).get_json()
    assert db_session.get(Tip, answer["ids"][0]).home_unit_id == org.city_b.id


def test_only_the_staff_who_take_tips_in_may_post(client, db_session, org, token):
    body = {"tips": [_row("一条线索")]}
    for name in ("leader", "a1"):
        assert client.post("/api/v1/tips", csrf=False, json=body, headers=token(name)).status_code == 403
    unauthorised = client.post("/api/v1/tips", csrf=False, json=body)
    assert unauthorised.status_code == 401 and unauthorised.headers["WWW-Authenticate"].startswith("Bearer")
    assert db_session.scalar(select(func.count(Tip.id))) == 0


def test_posts_are_rate_limited_like_the_rest_of_the_api(client, app, org, token):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    headers = token("city_a")
    codes = [client.post("/api/v1/tips", csrf=False, json={"tips": [_row(f"线索 {n}")]}, headers=headers).status_code
             for n in range(5)]
    assert codes == [201, 201, 201, 429, 429]


def test_errors_follow_the_accounts_language(client, db_session, people, token):
    people["city_a"].locale = "en"
    db_session.commit()
    response = client.post("/api/v1/tips", csrf=False, json={"tips": [_row("x", url="ftp://files.example/tip")]},
                           headers=token("city_a"))
    error = response.get_json()["error"]
    assert error["message"] == "Some rows were refused; nothing was stored."
    assert error["rows"] == [{"position": 0, "field": "url", "message": "A link must start with http:// or https://."}]


def test_the_post_is_documented_under_the_tips_tag(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/tips"]["post"]
    assert operation["tags"] == ["tips"] and "`tips.triage`" in operation["description"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["tips"]["items"]["required"] == ["text", "source", "received_on"]


def test_tips_without_a_single_word_are_filed_and_left_unclustered(client, db_session, org, token):
    # Nothing to compare (only digits and symbols): no cluster, and no failure either.
    for text in ("0", "\u008e…"):
        response = client.post("/api/v1/tips", csrf=False, json={"tips": [_row(text)]}, headers=token("city_a"))
        assert response.status_code == 201, response.get_json()
    assert [tip.cluster_id for tip in _tips(db_session)] == [None, None]


def test_a_received_date_outside_1990_to_today_is_refused_row_by_row(client, db_session, org, token):
    from core import clock

    with clock.frozen(date(2026, 11, 30)):
        rows = [_row("河东区路灯不亮", received_on=day)
                for day in ("0001-01-01", "1989-12-31", "1990-01-01", "2026-11-30", "2026-12-01", "9999-12-31")]
        refused = client.post("/api/v1/tips", csrf=False, json={"tips": rows}, headers=token("city_a"))
        assert refused.status_code == 422
        assert [(row["position"], row["field"]) for row in refused.get_json()["error"]["rows"]] == [
            (0, "received_on"), (1, "received_on"), (4, "received_on"), (5, "received_on")]
        assert _tips(db_session) == []
        stored = client.post("/api/v1/tips", csrf=False, json={"tips": rows[2:4]}, headers=token("city_a"))
        assert stored.status_code == 201, stored.get_json()
    assert sorted(tip.received_on.isoformat() for tip in _tips(db_session)) == ["1990-01-01", "2026-11-30"]
