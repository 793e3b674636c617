"""Outgoing webhooks: other systems told, with a signed POST, when something happens.

Events are written to an outbox (:class:`WebhookDelivery` rows) in the same
transaction as the change that caused them, so a rolled-back change sends nothing
and a crash after commit loses nothing: the delivery job sends pending rows, retries
failures with growing delays, and gives up after :data:`MAX_ATTEMPTS`.

Core emits ``task.state_changed`` itself (see :func:`install`); plugins and other
core modules call :func:`emit` (``tip.created``, ``circular.published``).
"""
from core.webhooks.delivery import MAX_ATTEMPTS, deliver_due, sign
from core.webhooks.models import DeliveryState, WebhookDelivery, WebhookSubscriber
from core.webhooks.outbox import EVENTS, emit, install, save_subscriber

__all__ = ["EVENTS", "MAX_ATTEMPTS", "DeliveryState", "WebhookDelivery", "WebhookSubscriber",
           "deliver_due", "emit", "install", "save_subscriber", "sign"]
