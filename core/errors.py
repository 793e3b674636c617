"""Errors a user can cause, carrying a translatable message."""
from __future__ import annotations

from typing import Any

from core.i18n import Message


class DubanError(Exception):
    """Base for errors shown to users: ``message`` is translated where it is displayed."""

    status = 400

    def __init__(self, msgid: str, **params: Any) -> None:
        self.message = Message(msgid, params)
        super().__init__(str(self.message))


class NotFound(DubanError):
    """The object does not exist, or the user may not know that it does."""

    status = 404


class Forbidden(DubanError):
    """The user may see the object but not do this to it."""

    status = 403


class InvalidTransition(DubanError):
    """A state machine refused a move."""

    status = 409


class ValidationError(DubanError):
    """Input that cannot be accepted."""

    status = 400
