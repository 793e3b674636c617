"""Storing :class:`core.i18n.Message` objects as JSON and reading them back."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core.i18n import Message


def dump_message(msg: Message) -> dict[str, Any]:
    """``msg`` as plain JSON: ``{"msgid": ..., "params": {...}}`` (nested messages kept)."""
    return {"msgid": msg.msgid, "params": {key: _dump(value) for key, value in msg.params.items()}}


def load_message(data: dict[str, Any]) -> Message:
    """The :class:`Message` that :func:`dump_message` stored."""
    params = {key: _load(value) for key, value in (data.get("params") or {}).items()}
    return Message(str(data.get("msgid", "")), params)


def _dump(value: Any) -> Any:
    if isinstance(value, Message):
        return {"__message__": dump_message(value)}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _load(value: Any) -> Any:
    if isinstance(value, dict) and "__message__" in value:
        return load_message(value["__message__"])
    return value
