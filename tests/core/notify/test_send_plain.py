"""Sending one plain message to an address, as plugins do with the instance's mail settings."""
from __future__ import annotations

import smtplib

import pytest

from core.notify.delivery import (
    address_refused,
    connection_lost,
    mail_connection,
    send_plain,
)
from tests.conftest import _free_port


def test_a_plain_message_reaches_the_address(smtp_server) -> None:
    inbox, mail = smtp_server
    with mail_connection(mail) as smtp:
        send_plain(smtp, mail, "zhang@example.cn", "提醒：请填写问卷", "您好\n\nhttps://duban.example.org/s/x?t=y\n")
    [message] = inbox.messages
    assert (message["To"], message["From"], message["Subject"]) == ("zhang@example.cn", "duban@example.org",
                                                                    "提醒：请填写问卷")
    assert "https://duban.example.org/s/x?t=y" in message.get_content()


def test_an_unreachable_server_raises_when_connecting() -> None:
    with pytest.raises(OSError) as caught, mail_connection({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": _free_port(),
                                                             "MAIL_TIMEOUT": 2}):
        pass
    assert connection_lost(caught.value)


def test_failures_are_told_apart() -> None:
    assert address_refused(smtplib.SMTPRecipientsRefused({"a@e.cn": (550, b"no such mailbox")}))
    assert not address_refused(smtplib.SMTPRecipientsRefused({"a@e.cn": (451, b"later")}))
    assert not address_refused(smtplib.SMTPDataError(451, b"later"))
    assert connection_lost(smtplib.SMTPServerDisconnected("gone")) and connection_lost(ConnectionResetError())
    assert not connection_lost(smtplib.SMTPDataError(451, b"later"))
