"""Sending pending notifications by e-mail through an SMTP server.

Configuration (the application's config mapping): ``MAIL_SERVER``, ``MAIL_PORT``,
``MAIL_SENDER``, and optionally ``MAIL_USERNAME``/``MAIL_PASSWORD``,
``MAIL_USE_TLS`` (STARTTLS), ``MAIL_USE_SSL``, ``MAIL_TIMEOUT`` (seconds) and
``BASE_URL`` (to turn a notification's link into a full address).

Plugins that write to addresses of their own (survey reminders to invitees) open a
connection with :func:`mail_connection` and send with :func:`send_plain`.
"""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core.db import utcnow
from core.i18n import DEFAULT_LOCALE, LOCALES, N_, translation_dirs, translator
from core.notify.messages import load_message
from core.notify.models import EmailState, Notification

log = logging.getLogger("duban.notify")

MAX_ATTEMPTS = 5
BATCH = 200


@dataclass
class DeliveryResult:
    """What one delivery run did."""

    sent: int = 0
    failed: int = 0
    error: str | None = None  # set when the mail server could not be reached at all


def deliver_email(session: Session, config: Mapping[str, Any], *, limit: int = 1000) -> DeliveryResult:
    """Send up to ``limit`` pending notification e-mails; commits after each one.

    Each sent message is committed at once so that a crash midway never sends it
    again. A message the server refuses is retried on later runs and marked
    failed after a few attempts. When the server cannot be reached nothing is
    marked and :attr:`DeliveryResult.error` says why.
    """
    result = DeliveryResult()
    pending = _pending(session, min(limit, BATCH), after=0)
    if not pending:
        return result
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("mail server unreachable: %s", error)
        session.rollback()
        result.error = str(error)
        return result
    dirs = mail_translation_dirs(config)
    try:
        attempted = 0
        while pending:
            for notification in pending:
                last_id = notification.id
                _send_one(session, smtp, notification, config, dirs, result)
                session.commit()
                attempted += 1
            # Walk forward by id, so a message refused this run is not retried in it.
            pending = _pending(session, min(limit - attempted, BATCH), after=last_id)
    finally:
        _quit(smtp)
    return result


def _pending(session: Session, limit: int, after: int) -> list[Notification]:
    if limit <= 0:
        return []
    stmt = (select(Notification).options(joinedload(Notification.user))
            .where(Notification.email_state == EmailState.pending, Notification.id > after)
            .order_by(Notification.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        # Two ticks running at once must not send the same message twice.
        stmt = stmt.with_for_update(skip_locked=True, of=Notification)
    return list(session.scalars(stmt).unique())


@contextmanager
def mail_connection(config: Mapping[str, Any]) -> Iterator[smtplib.SMTP]:
    """A connection to the configured mail server, closed on leaving.

    Raises ``OSError`` or ``smtplib.SMTPException`` when the server cannot be reached.
    """
    smtp = _connect(config)
    try:
        yield smtp
    finally:
        _quit(smtp)


def send_plain(smtp: smtplib.SMTP, config: Mapping[str, Any], to: str, subject: str, text: str) -> None:
    """Send one plain-text message to the address ``to`` over ``smtp``.

    Returns once the server has taken it; raises ``smtplib.SMTPException`` when it refuses
    it (see :func:`address_refused`) and ``OSError`` when the connection is lost.
    """
    email = EmailMessage()
    email["From"] = str(config.get("MAIL_SENDER") or "duban@localhost")
    email["To"] = to
    email["Subject"] = subject
    email["Date"] = formatdate(localtime=True)
    email["Message-ID"] = make_msgid(domain="duban")
    email.set_content(text)
    smtp.send_message(email)


def address_refused(error: BaseException) -> bool:
    """True when sending failed for good because of the recipient's address.

    A 5xx reply to the address, or a server that cannot take it (a non-ASCII address
    without SMTPUTF8); any other failure may pass.
    """
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return True
    if not isinstance(error, smtplib.SMTPRecipientsRefused):
        return False
    codes = [code for code, _text in error.recipients.values()]
    return bool(codes) and all(code >= 500 for code in codes)


def connection_lost(error: BaseException) -> bool:
    """True when a failure while sending means the connection to the server is gone."""
    return isinstance(error, smtplib.SMTPServerDisconnected) or (
        isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException))


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        pass


def _connect(config: Mapping[str, Any]) -> smtplib.SMTP:
    host = str(config.get("MAIL_SERVER") or "localhost")
    port = int(config.get("MAIL_PORT") or 25)
    timeout = float(config.get("MAIL_TIMEOUT") or 10)
    smtp: smtplib.SMTP
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(str(config["MAIL_USERNAME"]), str(config.get("MAIL_PASSWORD") or ""))
    return smtp


def mail_translation_dirs(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The catalogue folders e-mail is translated with (core's and every plugin's)."""
    configured = config.get("BABEL_TRANSLATION_DIRECTORIES")
    if configured:
        return tuple(part for part in str(configured).split(";") if part)
    return tuple(translation_dirs())


def _send_one(session: Session, smtp: smtplib.SMTP, notification: Notification, config: Mapping[str, Any],
              dirs: tuple[str, ...], result: DeliveryResult) -> None:
    user = notification.user
    if not user.email or not user.active:
        notification.email_state = EmailState.none
        return
    locale = user.locale if user.locale in LOCALES else DEFAULT_LOCALE
    gettext = translator(locale, dirs)
    text = load_message(notification.body).render(gettext)
    if notification.link:
        base = str(config.get("BASE_URL") or "").rstrip("/")
        link = notification.link if "://" in notification.link else base + notification.link
        text += "\n\n" + gettext(N_("Open in Duban: %(link)s")) % {"link": link}
    notification.email_attempts += 1
    try:
        send_plain(smtp, config, user.email, load_message(notification.subject).render(gettext), text)
    except smtplib.SMTPException as error:
        log.warning("mail to %s refused: %s", user.email, error)
        if notification.email_attempts >= MAX_ATTEMPTS:
            notification.email_state = EmailState.failed
            result.failed += 1
        return
    notification.email_state = EmailState.sent
    notification.emailed_at = utcnow()
    result.sent += 1
