"""A local SMTP server that keeps what it receives."""
from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message as EmailMessage
from email.policy import default
from typing import Any

import pytest


class Inbox:
    """Messages received by the local SMTP server."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, dict[str, Any]]]:
    """An aiosmtpd server on a free loopback port, and the mail settings that reach it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_SENDER": "duban@example.org",
                      "BASE_URL": "https://duban.example.org"}
    finally:
        controller.stop()


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Core on its own: the ledger and notifications must work with every plugin blocked.
    return {"BLOCKED_PLUGINS": ["audit", "survey", "media_tips", "third_party_eval"]}
