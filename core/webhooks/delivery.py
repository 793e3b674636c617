"""Sending due deliveries: HMAC-SHA256 signed POSTs, retried with growing delays.

The receiver checks ``X-Duban-Signature: sha256=<hex>``, the HMAC-SHA256 of
``<X-Duban-Timestamp>.<raw body>`` under the subscriber's secret, and may refuse
timestamps older than a few minutes (replays).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import outbound
from core.db import utcnow
from core.webhooks.models import DeliveryState, WebhookDelivery, WebhookSubscriber

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10
USER_AGENT = "Duban-Webhooks/1"
MAX_REPLY_BYTES = 64 * 1024
log = logging.getLogger("duban.webhooks")


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failures: 30 s, 1 min, 2 min … capped at 6 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass(frozen=True)
class Sent:
    """What one attempt gave: an HTTP status, or an error text."""

    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


Sender = Callable[[str, bytes, dict[str, str]], Sent]


def http_post(url: str, body: bytes, headers: dict[str, str], allowed_hosts: Collection[str] = ()) -> Sent:
    """POST ``body`` to ``url`` through :func:`core.outbound.send`; redirects are not followed.

    A signed body goes where it was sent. An internal address (unless in ``allowed_hosts``)
    and a failure to connect give the same error text, :data:`core.outbound.UNREACHABLE`.
    """
    try:
        reply = outbound.send("POST", url, body=body, headers=headers, allowed_hosts=allowed_hosts,
                              timeout=TIMEOUT_SECONDS, max_bytes=MAX_REPLY_BYTES)
    except outbound.Unreachable as error:
        log.warning("webhook to %s could not be sent: %s", url, error.reason)
        return Sent(None, outbound.UNREACHABLE)
    except outbound.TooLarge:
        return Sent(None, "the receiver's answer is too large")
    return Sent(reply.status, "" if 200 <= reply.status < 300 else f"HTTP {reply.status}")


def attempt(delivery: WebhookDelivery, subscriber: WebhookSubscriber, now: datetime,
            send: Sender = http_post) -> bool:
    """Try one delivery and record the outcome on it; True when delivered."""
    body = json.dumps({"id": delivery.id, **delivery.payload}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    timestamp = str(int(now.timestamp()))
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "X-Duban-Event": delivery.event, "X-Duban-Delivery": str(delivery.id),
               "X-Duban-Timestamp": timestamp, "X-Duban-Signature": sign(subscriber.secret, timestamp, body)}
    sent = send(subscriber.url, body, headers)
    delivery.attempts += 1
    delivery.last_status = sent.status
    if sent.ok:
        delivery.state = DeliveryState.delivered
        delivery.delivered_at = now
        delivery.last_error = ""
        return True
    delivery.last_error = sent.error or f"HTTP {sent.status}"
    if delivery.attempts >= MAX_ATTEMPTS or not subscriber.active:
        delivery.state = DeliveryState.failed
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    return False


def deliver_due(session: Session, now: datetime | None = None, limit: int = 100,
                send: Sender | None = None, allowed_hosts: Collection[str] = ()) -> tuple[int, int]:
    """Send deliveries that are due, committing after each; returns (delivered, failed attempts).

    ``send`` defaults to :func:`http_post` with the operator's ``allowed_hosts``
    (``OUTBOUND_ALLOWED_HOSTS``).

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several job
    workers never send the same delivery at once.
    """
    now = now or utcnow()
    send = send or partial(http_post, allowed_hosts=allowed_hosts)
    stmt = (select(WebhookDelivery)
            .where(WebhookDelivery.state == DeliveryState.pending, WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(1))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    delivered = failed = 0
    for _ in range(limit):
        delivery = session.scalar(stmt)
        if delivery is None:
            break
        if attempt(delivery, delivery.subscriber, now, send):
            delivered += 1
        else:
            failed += 1
        session.commit()
    return delivered, failed
