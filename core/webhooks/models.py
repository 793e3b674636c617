"""Webhook subscribers (configured by administrators) and the outbox of deliveries."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ColumnElement, Enum, ForeignKey, Index, Integer, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class WebhookSubscriber(Base):
    """A URL that receives the events it subscribed to, signed with its secret."""

    __tablename__ = "webhook_subscribers"
    __audit_mask__ = ("secret",)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    # Event names, such as ["task.state_changed", "tip.created"].
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Only administrators see or change subscribers."""
        return true() if scope.can("webhooks.manage") else false()


class DeliveryState(str, enum.Enum):
    """Where a delivery stands."""

    pending = "pending"  # to be sent when ``next_attempt_at`` has come
    delivered = "delivered"
    failed = "failed"  # given up after the last attempt


class WebhookDelivery(Base):
    """One event to be sent to one subscriber."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscribers.id", ondelete="CASCADE"),
                                               index=True)
    event: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[DeliveryState] = mapped_column(Enum(DeliveryState, native_enum=False, length=12),
                                                 default=DeliveryState.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_status: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscriber: Mapped[WebhookSubscriber] = relationship()

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Only administrators see deliveries."""
        return true() if scope.can("webhooks.manage") else false()
