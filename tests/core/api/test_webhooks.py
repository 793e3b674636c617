"""Webhooks: queued with the change that caused them, signed, retried, given up."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, timedelta

from sqlalchemy import select

from core.db import utcnow
from core.ledger.models import Matter, MatterKind, Task, TaskState
from core.webhooks import (
    MAX_ATTEMPTS,
    DeliveryState,
    WebhookDelivery,
    WebhookSubscriber,
    deliver_due,
    emit,
    save_subscriber,
)
from core.webhooks.delivery import Sent


def _subscriber(session, events=("task.state_changed",)):
    subscriber = save_subscriber(session, WebhookSubscriber(secret=""), name="ops", url="https://ops.example/hook",
                                 events=list(events))
    session.commit()
    return subscriber


def _task(session, org):
    matter = Matter(code="M-W", title="t", kind=MatterKind.other, owner_unit_id=org.city_a.id)
    session.add(matter)
    session.flush()
    task = Task(matter_id=matter.id, unit_id=org.county_a1.id, description="d", deadline=date(2099, 1, 1))
    session.add(task)
    session.commit()
    return task


def test_a_task_state_change_is_queued_in_its_own_transaction(app, db_session, org):
    _subscriber(db_session)
    task = _task(db_session, org)  # the new task counts as entering "dispatched"
    task.state = TaskState.signed
    db_session.commit()
    task.state = TaskState.reported
    db_session.rollback()  # never committed: never sent
    payloads = [d.payload["data"] for d in db_session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]
    assert [(p["from"], p["to"]) for p in payloads] == [(None, "dispatched"), ("dispatched", "signed")]
    assert payloads[1]["task_id"] == task.id


def test_deliveries_are_signed_and_retried_with_growing_delays(app, db_session, org):
    subscriber = _subscriber(db_session, ("tip.created",))
    emit(db_session, "tip.created", {"tip_id": 7})
    db_session.commit()
    seen = []
    answers = iter([Sent(None, "connection refused"), Sent(503, "HTTP 503"), Sent(200)])

    def send(url, body, headers):
        seen.append((url, body, headers))
        return next(answers)

    now = utcnow().replace(tzinfo=None)  # as SQLite gives times back
    assert deliver_due(db_session, now, send=send) == (0, 1)
    delivery = db_session.scalar(select(WebhookDelivery))
    first_wait = delivery.next_attempt_at.replace(tzinfo=None) - now
    assert deliver_due(db_session, now, send=send) == (0, 0)  # not due yet
    assert deliver_due(db_session, now + first_wait, send=send) == (0, 1)
    second_wait = delivery.next_attempt_at.replace(tzinfo=None) - (now + first_wait)
    assert second_wait > first_wait
    assert deliver_due(db_session, now + timedelta(days=1), send=send) == (1, 0)
    assert delivery.state == DeliveryState.delivered and delivery.attempts == 3
    _url, body, headers = seen[-1]
    expected = hmac.new(subscriber.secret.encode(), headers["X-Duban-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert headers["X-Duban-Signature"] == "sha256=" + expected
    assert json.loads(body)["data"] == {"tip_id": 7} and headers["X-Duban-Event"] == "tip.created"


def test_a_delivery_is_given_up_after_the_last_attempt(app, db_session, org):
    _subscriber(db_session, ("circular.published",))
    emit(db_session, "circular.published", {"circular_id": 1})
    db_session.commit()
    later = utcnow()
    for _ in range(MAX_ATTEMPTS):
        later += timedelta(days=1)
        deliver_due(db_session, later, send=lambda *_: Sent(500, "HTTP 500"))
    delivery = db_session.scalar(select(WebhookDelivery))
    assert delivery.state == DeliveryState.failed and delivery.attempts == MAX_ATTEMPTS


def test_only_subscribed_events_are_queued_and_bad_addresses_refused(app, db_session):
    import pytest

    from core.errors import ValidationError

    _subscriber(db_session, ("tip.created",))
    assert emit(db_session, "circular.published", {}) == 0
    with pytest.raises(ValidationError):
        save_subscriber(db_session, WebhookSubscriber(secret=""), name="x", url="file:///etc/passwd",
                        events=["tip.created"])
