"""Notifications: one row per key (the event), one per recipient (what they read)."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ColumnElement, Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.access.models import User
from core.db import Base, utcnow

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class EmailState(str, enum.Enum):
    """Where a notification's e-mail stands."""

    pending = "pending"  # to be sent by the next delivery run
    sent = "sent"
    failed = "failed"  # given up after repeated errors
    none = "none"  # the recipient has no e-mail address


class NotificationKey(Base):
    """A dedupe key already used: a second :func:`core.notify.notify` with it creates nothing."""

    __tablename__ = "notification_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """One message to one user, shown in the app and, when possible, sent by e-mail.

    Subject and body are stored as message ids with parameters and translated
    into the reader's language when shown or sent.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("key_id", "user_id"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_email_state", "email_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("notification_keys.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    subject: Mapped[dict[str, Any]] = mapped_column(JSON)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    link: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    email_state: Mapped[EmailState] = mapped_column(Enum(EmailState, native_enum=False, length=10),
                                                    default=EmailState.pending)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    emailed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    key: Mapped[NotificationKey] = relationship()

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        # Everyone, administrators included, reads only their own notifications.
        return cls.user_id == (scope.user.id if scope.user is not None else -1)
