"""Notifications in the app and by e-mail, each sent once.

Core and plugins call :func:`notify` with a dedupe ``key`` that names the event
(``task:42:due-soon:2026-03-01``); a key already used creates nothing, so
``duban tick`` can run as often as it likes without sending a reminder twice.
E-mail goes out separately, through :func:`deliver_email`, so a slow or absent
mail server never holds up the action that caused the notification.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.access.models import User
from core.db import rowcount, utcnow
from core.i18n import Gettext, Message
from core.notify.delivery import DeliveryResult, deliver_email
from core.notify.messages import dump_message, load_message
from core.notify.models import EmailState, Notification, NotificationKey

__all__ = [
    "DeliveryResult", "EmailState", "Notification", "NotificationKey", "deliver_email",
    "key_used", "mark_all_read", "mark_read", "notify", "render_body", "render_subject",
    "unread_count",
]


def notify(session: Session, *, key: str, subject: Message, body: Message, link: str | None = None,
           user_ids: Iterable[int] = (), unit_id: int | None = None) -> int:
    """Notify ``user_ids`` and every active user of ``unit_id`` once for the event ``key``.

    Returns the number of notifications created: 0 when ``key`` was used before
    (whoever the recipients were then) or nobody active is addressed. Inactive
    users are left out. Writes in the caller's transaction and never commits.
    """
    if not key or len(key) > 200:
        raise ValueError("a notification key has 1 to 200 characters")
    if key_used(session, key):
        return 0
    recipients = _recipients(session, user_ids, unit_id)
    try:
        # A savepoint, so a concurrent run that took the key first costs only this event.
        with session.begin_nested():
            stored_key = NotificationKey(key=key)
            session.add(stored_key)
            session.flush()
    except IntegrityError:
        return 0
    subject_json, body_json = dump_message(subject), dump_message(body)
    for user_id, email in recipients:
        session.add(Notification(
            key_id=stored_key.id, user_id=user_id, subject=subject_json, body=body_json, link=link,
            email_state=EmailState.pending if email else EmailState.none,
        ))
    session.flush()
    return len(recipients)


def key_used(session: Session, key: str) -> bool:
    """True when a notification with ``key`` was already made."""
    return session.scalar(select(NotificationKey.id).where(NotificationKey.key == key)) is not None


def _recipients(session: Session, user_ids: Iterable[int], unit_id: int | None) -> list[tuple[int, str | None]]:
    wanted = set(user_ids)
    conditions: list[ColumnElement[bool]] = []
    if wanted:
        conditions.append(User.id.in_(wanted))
    if unit_id is not None:
        conditions.append(User.unit_id == unit_id)
    if not conditions:
        return []
    from sqlalchemy import or_

    rows = session.execute(
        select(User.id, User.email).where(User.active.is_(True), or_(*conditions)).order_by(User.id)
    )
    return [(user_id, email) for user_id, email in rows]


def unread_count(session: Session, user_id: int) -> int:
    """How many notifications ``user_id`` has not read."""
    return session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user_id,
                                                  Notification.read_at.is_(None))
    ) or 0


def mark_read(notification: Notification, now: datetime | None = None) -> None:
    """Mark one notification read (a no-op when it already is)."""
    if notification.read_at is None:
        notification.read_at = now or utcnow()


def mark_all_read(session: Session, user_id: int, now: datetime | None = None) -> int:
    """Mark every unread notification of ``user_id`` read; returns how many there were."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
    )
    return rowcount(result)


def render_subject(notification: Notification, gettext: Gettext) -> str:
    """The notification's subject in the language of ``gettext``."""
    return load_message(notification.subject).render(gettext)


def render_body(notification: Notification, gettext: Gettext) -> str:
    """The notification's body in the language of ``gettext``."""
    return load_message(notification.body).render(gettext)
