"""Two sibling counties with a task each, and logins for staff and both counties' officers."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message as EmailMessage
from email.policy import default
from typing import Any

import pytest

from core.access.models import Role
from core.access.scope import Scope
from core.ledger.dispatch import MatterFields, dispatch_task, save_matter
from core.ledger.models import MatterKind


@pytest.fixture
def ledger(db_session: Any, org: Any) -> SimpleNamespace:
    staff = org.user("staff", Role.supervisor, org.province, head=True)
    east = org.user("east", Role.unit_officer, org.county_a1)
    west = org.user("west", Role.unit_officer, org.county_a2)
    scope = Scope(db_session, staff)
    matter = save_matter(scope, None, MatterFields(code="M-2026-01", title="城镇老旧小区改造",
                                                   kind=MatterKind.meeting, source_ref="省政府第12次常务会议"))
    today = date.today()
    east_task = dispatch_task(scope, matter, unit_id=org.county_a1.id, description="河东区改造30个小区",
                              deadline=today + timedelta(days=30), today=today)
    west_task = dispatch_task(scope, matter, unit_id=org.county_a2.id, description="河西区改造20个小区",
                              deadline=today + timedelta(days=30), today=today)
    db_session.commit()
    return SimpleNamespace(staff=staff, east=east, west=west, matter=matter, east_task=east_task,
                           west_task=west_task)


@pytest.fixture
def app_config() -> dict[str, Any]:
    # The ledger is core: it must work with every plugin blocked.
    # UTC, so "today" in the tests and in the app agree.
    return {"BLOCKED_PLUGINS": ["audit", "survey", "media_tips", "third_party_eval"], "BABEL_DEFAULT_TIMEZONE": "UTC"}


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
