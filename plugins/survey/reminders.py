"""Reminding invitees who have not answered: the ``survey_reminders`` job.

An invitation is due for a reminder every ``reminder_every_days`` (a week) its invitee has
not answered, at most ``max_reminders`` times (twice), while the survey takes answers: the
survey plugin's settings (:class:`Cadence`). An invitee with an e-mail
address gets an e-mail in the survey's language with their own link again: the token is
derived from the invitation's stored nonce and the instance's secret key
(:func:`plugins.survey.tokens.invitation_token`), so the database alone still cannot answer
in anyone's name.

Each e-mail is claimed first with a conditional update (due, and not reminded today), then
sent, and the claim is committed only once the mail server has taken the message. Two runs
at once therefore never send the same reminder (on PostgreSQL the second waits for the
first's claim and then finds it no longer due), and a mail server that is down leaves the
reminders due for the next run.

The rest — invitations made before tokens were derived (no nonce), invitees without an
address or with one that is not a valid address (stored before uploads checked them), links
that no longer match because the secret key changed, addresses the mail server refuses for
good, and every invitation when the instance sends no mail (no ``MAIL_SERVER`` or
``BASE_URL``) — are counted as reminded and the survey's owning unit is notified how many are
outstanding, once per survey and day, so staff can remind them through the channel they used
for the links.
"""
from __future__ import annotations

import smtplib
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, or_, select, update

from core.db import rowcount
from core.i18n import N_, message, translator
from core.mail_address import is_mail_address
from core.notify import key_used, notify
from core.notify.delivery import (
    address_refused,
    connection_lost,
    mail_connection,
    mail_translation_dirs,
    send_plain,
)
from plugins.survey.definition import form_locale
from plugins.survey.models import Survey, SurveyInvitation, SurveyStatus
from plugins.survey.tokens import hash_token, invitation_token
from web.plugin_api import logger, settings

if TYPE_CHECKING:
    from core.db import Database
    from core.jobs import JobRuntime

log = logger("survey")

EVERY_DAYS = 7
MAX_REMINDERS = 2
ACTOR = "jobs:survey_reminders"


@dataclass(frozen=True)
class Cadence:
    """How often an invitee is reminded, and how many times at most."""

    every_days: int = EVERY_DAYS
    most: int = MAX_REMINDERS

    @classmethod
    def configured(cls) -> Cadence:
        """The instance's cadence: the settings ``reminder_every_days`` and ``max_reminders``."""
        chosen = settings("survey")
        return cls(every_days=chosen.typed("reminder_every_days", int), most=chosen.typed("max_reminders", int))


@dataclass
class ReminderRun:
    """What one run did."""

    emailed: int = 0  # reminder e-mails the mail server took
    to_staff: int = 0  # reminders counted in the owning units' notices
    error: str | None = None  # the mail server could not be reached or went away: the rest wait


@dataclass(frozen=True)
class _Due:
    id: int
    email: str
    name: str
    token: str | None  # the invitee's token, when a reminder can carry it


def reminders_job(runtime: JobRuntime) -> list[str]:
    """The ``survey_reminders`` job: every due reminder, as of today in the instance's time zone."""
    from core.jobs.tasks import local_today

    run = send_reminders(runtime.db, runtime.config, local_today(runtime), Cadence.configured())
    note = f" (mail server unreachable, will retry: {run.error})" if run.error else ""
    return [f"survey: {run.emailed} reminder e-mail(s) sent, {run.to_staff} left to the owning units{note}"]


def send_reminders(db: Database, config: Mapping[str, Any], today: date, cadence: Cadence = Cadence()) -> ReminderRun:
    """Send the reminders due on ``today`` at ``cadence``; each in a transaction of its own."""
    run = ReminderRun()
    with db.transaction(actor=ACTOR) as session:
        surveys = [survey for survey in session.scalars(select(Survey).where(Survey.status == SurveyStatus.published)
                                                        .order_by(Survey.id))
                   if survey.is_open_on(today)]
    with ExitStack() as stack:
        mailer = _Mailer(config, stack)
        for survey in surveys:
            due = _due(today, cadence)
            for_staff = _remind_survey(db, config, mailer, survey, due, today, run)
            run.to_staff += _notify_owners(db, survey, for_staff, due, today)
    run.error = mailer.error
    return run


def _due(today: date, cadence: Cadence) -> ColumnElement[bool]:
    """Invitations due for a reminder on ``today`` (also the claim's condition)."""
    due_before = today - timedelta(days=cadence.every_days)
    return and_(SurveyInvitation.responded_on.is_(None), SurveyInvitation.reminders_sent < cadence.most,
                SurveyInvitation.invited_on <= due_before,
                or_(SurveyInvitation.last_reminded_on.is_(None), SurveyInvitation.last_reminded_on <= due_before))


def _remind_survey(db: Database, config: Mapping[str, Any], mailer: _Mailer, survey: Survey,
                   due_now: ColumnElement[bool], today: date, run: ReminderRun) -> list[int]:
    """E-mail the invitees of ``survey`` who can be; returns the invitations left to staff."""
    with db.transaction(actor=ACTOR) as session:
        rows = session.execute(select(SurveyInvitation.id, SurveyInvitation.email, SurveyInvitation.name,
                                      SurveyInvitation.token_nonce, SurveyInvitation.token_hash)
                               .where(SurveyInvitation.survey_id == survey.id, due_now)
                               .order_by(SurveyInvitation.id)).all()
    secret = str(config.get("SECRET_KEY") or "")
    due = [_Due(row.id, row.email, row.name, _token(secret, row.token_nonce, row.token_hash)) for row in rows]
    mailable = [item for item in due if mailer.enabled and item.token and is_mail_address(item.email)]
    chosen = {item.id for item in mailable}
    for_staff = [item.id for item in due if item.id not in chosen]
    if not mailable or not mailer.ready():
        return for_staff  # with the mail server unreachable, the e-mails stay due
    gettext = translator(form_locale(survey.definition), mail_translation_dirs(config))
    base = str(config.get("BASE_URL") or "").rstrip("/")
    for item in mailable:
        if mailer.error:
            break  # the server went away: the rest stay due for the next run
        subject, text = _reminder(gettext, survey, item, f"{base}/s/{survey.slug}?t={item.token}")
        outcome = _claim_and_send(db, mailer, item, subject, text, due_now, today)
        if outcome == "sent":
            run.emailed += 1
        elif outcome == "refused":
            for_staff.append(item.id)
    return for_staff


def _token(secret: str, nonce: str | None, token_hash: str) -> str | None:
    """The invitee's token, when it can be derived and still opens the invitation."""
    if not secret or not nonce:
        return None
    token = invitation_token(secret, nonce)
    return token if hash_token(token) == token_hash else None  # the secret key changed since


def _claim_and_send(db: Database, mailer: _Mailer, item: _Due, subject: str, text: str,
                    due_now: ColumnElement[bool], today: date) -> str:
    """Claim ``item``'s reminder, send it and keep the claim once the server took it.

    Returns "sent", "taken" (another run has it, or it is no longer due), "refused" (the
    server refused the address for good) or "failed" (left due for the next run).
    """
    try:
        with db.transaction(actor=ACTOR) as session:
            claimed = rowcount(session.execute(update(SurveyInvitation).where(SurveyInvitation.id == item.id, due_now)
                                               .values(reminders_sent=SurveyInvitation.reminders_sent + 1,
                                                       last_reminded_on=today)))
            if claimed != 1:
                return "taken"
            mailer.send(item.email, subject, text)  # raising undoes the claim
    except (OSError, smtplib.SMTPException) as error:
        if address_refused(error):
            log.warning("survey reminder to %s refused: %s", item.email, error)
            return "refused"
        log.warning("survey reminder to %s not sent: %s", item.email, error)
        if connection_lost(error) or isinstance(error, smtplib.SMTPSenderRefused):
            mailer.error = str(error)  # nothing more can go out in this run
        return "failed"
    return "sent"


def _reminder(gettext: Any, survey: Survey, item: _Due, link: str) -> tuple[str, str]:
    """The reminder's subject and text, in the language ``gettext`` speaks."""
    title = " ".join(survey.title.split())  # one line, as a header must be
    subject = gettext(N_("Reminder: please answer the survey %(title)s")) % {"title": title}
    lines = []
    if item.name:
        lines.append(gettext(N_("Dear %(name)s,")) % {"name": item.name})
    lines.append(gettext(N_("You were invited to answer the survey %(title)s and have not answered yet."))
                 % {"title": survey.title})
    lines.append(gettext(N_("Your own link (it answers once; please do not pass it on):")) + "\n" + link)
    if survey.closes_on is not None:
        lines.append(gettext(N_("The survey takes answers until %(date)s.")) % {"date": survey.closes_on.isoformat()})
    return subject, "\n\n".join(lines) + "\n"


def _notify_owners(db: Database, survey: Survey, ids: list[int], due_now: ColumnElement[bool], today: date) -> int:
    """Count the invitations ``ids`` as reminded and tell the owning unit how many there are."""
    key = f"survey:{survey.id}:reminders:{today.isoformat()}"
    if not ids:
        return 0
    with db.transaction(actor=ACTOR) as session:
        if key_used(session, key):
            return 0  # today's notice is out: these wait for tomorrow's, so every one is announced
        count = rowcount(session.execute(update(SurveyInvitation).where(SurveyInvitation.id.in_(ids), due_now)
                                         .values(reminders_sent=SurveyInvitation.reminders_sent + 1,
                                                 last_reminded_on=today)))
        if count:
            notify(session, key=key,
                   subject=message("Survey invitees to remind: %(title)s", title=survey.title),
                   body=message("%(count)s invitees have not answered the survey %(title)s yet.",
                                count=count, title=survey.title),
                   link=f"/surveys/{survey.id}", unit_id=survey.owner_unit_id)
    return count


class _Mailer:
    """One connection to the mail server for a run, opened when the first reminder needs it."""

    def __init__(self, config: Mapping[str, Any], stack: ExitStack) -> None:
        self.config = config
        # Without a mail server, or the address links start with, reminders go to staff.
        self.enabled = bool(config.get("MAIL_SERVER") and config.get("BASE_URL"))
        self.error: str | None = None  # the server could not be reached, or went away
        self._stack = stack
        self._smtp: smtplib.SMTP | None = None

    def ready(self) -> bool:
        """True when connected; the first call connects."""
        if self._smtp is None and self.error is None:
            try:
                self._smtp = self._stack.enter_context(mail_connection(self.config))
            except (OSError, smtplib.SMTPException) as error:
                log.warning("mail server unreachable: %s", error)
                self.error = str(error)
        return self._smtp is not None and self.error is None

    def send(self, to: str, subject: str, text: str) -> None:
        if self._smtp is None:
            raise RuntimeError("call ready() first")
        send_plain(self._smtp, self.config, to, subject, text)
