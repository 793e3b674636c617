"""Posting signals: every row or none, bad rows named by position, retries stored once."""
from __future__ import annotations

from sqlalchemy import func, select

from core.access.models import Role
from core.signals import Signal


def _row(ref: str, unit: str = "A1", **extra):
    return {"source": "hotline", "kind": "complaints", "ref": ref, "unit_code": unit, "value": 3,
            "observed_on": "2026-11-01", **extra}


def _count(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count(Signal.id)))


def test_supervisor_posts_a_batch_and_reads_it_back(api, ledger, db_session):
    caller = api(ledger.token("sup_a", Role.supervisor, ledger.org.city_a))
    response = caller.post("/api/v1/signals", {"signals": [_row("h-1"), _row("h-2", "A2", matter_code="M-A")]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["created"] == 2
    listed = caller.get("/api/v1/signals?source=hotline&unit_code=A2").get_json()["items"]
    assert [(s["ref"], s["matter_id"]) for s in listed] == [("h-2", ledger.matter_a.id)]


def test_one_bad_row_stores_nothing_and_names_every_bad_position(api, ledger, db_session):
    caller = api(ledger.token("sup_a", Role.supervisor, ledger.org.city_a))
    rows = [_row("h-1"), _row("h-2", "B1"), _row("h-3", value="many"), "not an object", _row("h-1")]
    response = caller.post("/api/v1/signals", {"signals": rows})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert {(row["position"], row["field"]) for row in error["rows"]} == {
        (1, "unit_code"), (2, "value"), (3, None), (4, None)}
    assert _count(db_session) == 0


def test_a_retry_with_the_same_key_is_answered_without_storing_twice(api, ledger, db_session):
    caller = api(ledger.token("sup_a", Role.supervisor, ledger.org.city_a))
    body = {"signals": [_row("h-1")]}
    first = caller.post("/api/v1/signals", body, headers={"Idempotency-Key": "k-1"})
    again = caller.post("/api/v1/signals", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert _count(db_session) == 1
    changed = caller.post("/api/v1/signals", {"signals": [_row("h-9")]}, headers={"Idempotency-Key": "k-1"})
    assert changed.status_code == 422 and _count(db_session) == 1


def test_refused_rows_do_not_use_up_the_key(api, ledger, db_session):
    caller = api(ledger.token("sup_a", Role.supervisor, ledger.org.city_a))
    bad = caller.post("/api/v1/signals", {"signals": [_row("h-1", "B1")]}, headers={"Idempotency-Key": "k-2"})
    assert bad.status_code == 422
    good = caller.post("/api/v1/signals", {"signals": [_row("h-1", "B1")]}, headers={"Idempotency-Key": "k-2"})
    assert good.status_code == 422  # same body, still refused: nothing was stored for the key
    assert _count(db_session) == 0


def test_officers_and_leaders_may_not_post_signals(api, ledger):
    for name, role, unit in (("a1", Role.unit_officer, ledger.org.county_a1),
                             ("boss", Role.leader, ledger.org.province)):
        response = api(ledger.token(name, role, unit)).post("/api/v1/signals", {"signals": [_row("x")]})
        assert response.status_code == 403


def test_malformed_bodies_are_400(api, ledger):
    caller = api(ledger.token("root", Role.admin))
    assert caller.post("/api/v1/signals", {"rows": []}).status_code == 400
    assert caller.post("/api/v1/signals", data="{", headers={"Content-Type": "application/json"}).status_code == 400
    assert caller.post("/api/v1/signals", {"signals": [_row("a\x00b")]}).status_code == 400
