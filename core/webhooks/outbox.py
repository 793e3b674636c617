"""Writing events to the outbox, in the transaction of the change they report."""
from __future__ import annotations

import secrets
from collections.abc import Collection
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from core.db import utcnow
from core.errors import ValidationError
from core.i18n import N_
from core.ledger.models import Task, TaskState
from core.outbound import check_address
from core.webhooks.models import WebhookDelivery, WebhookSubscriber

# Event name → label (msgid), for the subscriber form.
EVENTS: dict[str, str] = {
    "task.state_changed": N_("A task changed state"),
    "tip.created": N_("A new tip arrived"),
    "circular.published": N_("A circular was published"),
}


def emit(session: Session, event_name: str, payload: dict[str, Any]) -> int:
    """Queue ``event_name`` for every active subscriber of it; returns how many.

    Called inside the transaction of the change, so the event is sent only when
    the change is committed. Never commits.
    """
    if event_name not in EVENTS:
        raise ValueError(f"unknown webhook event {event_name!r}")
    with session.no_autoflush:
        subscribers = [s for s in session.scalars(select(WebhookSubscriber).where(WebhookSubscriber.active))
                       if event_name in (s.events or ())]
    body = {"event": event_name, "at": utcnow().isoformat(timespec="seconds"), "data": payload}
    for subscriber in subscribers:
        session.add(WebhookDelivery(subscriber_id=subscriber.id, event=event_name, payload=body))
    if subscribers:
        session.info["webhooks_emitted"] = True  # the web layer queues a delivery job on commit
    return len(subscribers)


def save_subscriber(session: Session, subscriber: WebhookSubscriber, *, name: str, url: str,
                    events: list[str], active: bool = True, allowed_hosts: Collection[str] = ()) -> WebhookSubscriber:
    """Validate and store a subscriber; a new one gets a random signing secret.

    An internal address is refused unless its host is in ``allowed_hosts`` (the operator's
    ``OUTBOUND_ALLOWED_HOSTS``; see :func:`core.outbound.check_address`).
    """
    parts = urlsplit(check_address(url, allowed_hosts))
    unknown = [name for name in events if name not in EVENTS]
    if unknown or not events:
        raise ValidationError("Choose at least one event.")
    subscriber.name = name.strip()[:100] or parts.netloc
    subscriber.url = url.strip()
    subscriber.events = list(events)
    subscriber.active = active
    if not subscriber.secret:
        subscriber.secret = secrets.token_hex(32)
    session.add(subscriber)
    session.flush()
    return subscriber


def _task_changes(session: Session) -> list[dict[str, Any]]:
    changes = []
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Task):
            continue
        history = inspect(obj).attrs.state.history
        if obj in session.new:
            # A new task enters its first state, usually by the column default.
            old, new = None, obj.state or TaskState.dispatched
        elif not history.added:
            continue
        else:
            old = history.deleted[0] if history.deleted else None
            new = history.added[0]
        if old == new:
            continue
        changes.append({"task_id": obj.id, "matter_id": obj.matter_id, "unit_id": obj.unit_id,
                        "from": getattr(old, "value", old), "to": getattr(new, "value", new)})
    return changes


def _collect(session: Session, _context: Any) -> None:
    # History is still readable here and ids are assigned; the outbox rows are
    # added after the flush, where the session may be changed again.
    changes = _task_changes(session)
    if changes:
        session.info.setdefault("webhook_task_changes", []).extend(changes)


def _queue(session: Session, _context: Any) -> None:
    changes = session.info.pop("webhook_task_changes", None)
    for change in changes or ():
        emit(session, "task.state_changed", change)


def install(factory: sessionmaker[Session]) -> None:
    """Queue ``task.state_changed`` for every task state change made through ``factory``."""
    if not event.contains(factory, "after_flush", _collect):
        event.listen(factory, "after_flush", _collect)
        event.listen(factory, "after_flush_postexec", _queue)
