"""Storing a checked response exactly once, with its invitation and quotas, in one transaction.

Responses are written with Core inserts, not through the ORM: they are append-only records
from the public, and recording each in the hash-chained audit log would serialise every
respondent on the chain's lock. Staff changes to surveys still go through the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from core.errors import ValidationError
from core.i18n import N_
from core.org.models import Unit
from plugins.survey.models import AnswerWindow, SurveyInvitation, SurveyQuota, SurveyResponse, SurveyStatus
from plugins.survey.published import REVISION_BY_ID, SURVEYS, PublishedForm, Quota
from plugins.survey.tokens import TokenRejected, hash_token

RESPONSES = SurveyResponse.__table__
QUOTAS = SurveyQuota.__table__
INVITATIONS = SurveyInvitation.__table__
UNITS = Unit.__table__
RESPONSE_FIELDS = ("survey_id", "submission_key", "unit_id", "submitted_on", "submitted_at", "channel", "language",
                   "answers")


def _guarded_insert(dialect_insert: Any) -> Insert:
    """One response, written only while its survey is at ``:revision`` and its key is new.

    ``INSERT … SELECT … WHERE EXISTS (survey at that revision) ON CONFLICT DO NOTHING``: the
    check of the cached form and the exactly-once guard are part of the one statement that
    writes, so storing an answer takes one round trip to the database. Each value carries
    its column's type (PostgreSQL is told it with a cast, as it cannot infer it in a SELECT).
    """
    columns = [RESPONSES.c[name] for name in RESPONSE_FIELDS]
    values = {name: bindparam(name, type_=RESPONSES.c[name].type) for name in RESPONSE_FIELDS}
    current = select(SURVEYS.c.id).where(SURVEYS.c.id == values["survey_id"],
                                         SURVEYS.c.revision == bindparam("revision"))
    return (dialect_insert(RESPONSES).from_select(columns, select(*values.values()).where(current.exists()))
            .on_conflict_do_nothing(index_elements=["survey_id", "submission_key"])
            .execution_options(preserve_rowcount=True))  # how many it wrote: 0 or 1


# Built once per database kind: every response is stored with the same statement.
INSERT_RESPONSE = {
    "postgresql": _guarded_insert(postgresql.insert),
    "sqlite": _guarded_insert(sqlite.insert),
}


class SurveyClosed(ValidationError):
    """The survey does not take answers today."""

    status = 410


class FormChanged(ValidationError):
    """The survey was changed between checking the answers and storing them."""

    status = 409


class QuotaFull(ValidationError):
    """Enough answers of this kind have come in."""

    status = 409


@dataclass(frozen=True)
class Submission:
    """A response about to be stored."""

    key: str
    answers: dict[str, Any]
    day: date
    at: datetime | None
    channel: str = "web"
    language: str = ""
    invitation: str = ""


def check_open(survey: AnswerWindow, day: date) -> None:
    """Raise :class:`SurveyClosed` unless ``survey`` takes answers on ``day``."""
    if not survey.is_open_on(day):
        if survey.status == SurveyStatus.published and survey.opens_on and day < survey.opens_on:
            raise SurveyClosed(N_("This survey opens on %(day)s."), day=survey.opens_on.isoformat())
        raise SurveyClosed(N_("This survey is closed and no longer takes answers."))


def find_invitation(connection: Connection, survey_id: int, token: str) -> tuple[int, int | None]:
    """The unused invitation ``token`` opens, as (id, unit id); raises :class:`TokenRejected` otherwise."""
    row = connection.execute(select(INVITATIONS.c.id, INVITATIONS.c.unit_id, INVITATIONS.c.responded_on).where(
        INVITATIONS.c.survey_id == survey_id, INVITATIONS.c.token_hash == hash_token(token or ""))).first()
    if row is None:
        raise TokenRejected(N_("This invitation link is not valid for this survey."))
    if row.responded_on is not None:
        raise TokenRejected(N_("This invitation has already been used to answer."))
    return row.id, row.unit_id


def store(session: Session, form: PublishedForm, submission: Submission) -> bool:
    """Store ``submission``, checked against ``form``; returns False when it was stored before.

    Raises :class:`FormChanged` when the survey is no longer at ``form``'s revision: the
    answers must be checked again against the survey as it now is.

    The writes (response, invitation, quotas) form one transaction, which the caller commits,
    or rolls back on any refusal, so nothing is left half-written. What must be read (the
    unit named by code, the invitation) is read first, in a transaction of its own; the
    writing transaction then begins with the response's own statement, which confirms the
    revision and the key as it writes (:data:`INSERT_RESPONSE`). On SQLite that statement
    takes the write lock as it starts, waiting for it if need be, and the lock is held only
    until the commit: for an open survey without quotas, one statement. (A transaction that
    read before writing could not wait for the lock: see ``core.db.WRITE_INTENT``.)
    Responses are written with Core statements on the session's connection: append-only
    rows need none of the ORM's work.
    """
    check_open(form, submission.day)
    unit_id = response_unit(session, form, submission.answers)
    invitation_id = None
    if form.access.value == "invitation":
        found = find_invitation_for_store(session.connection(), form.id, submission)
        if found is None:
            return False
        invitation_id, unit_id = found[0], found[1] or unit_id
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()  # nothing written yet: this only ends a read transaction
    connection = session.connection()
    written = connection.execute(INSERT_RESPONSE[connection.dialect.name], {
        "survey_id": form.id, "revision": form.revision, "submission_key": submission.key, "unit_id": unit_id,
        "submitted_on": submission.day, "submitted_at": None if form.anonymous else submission.at,
        "channel": submission.channel, "language": submission.language[:20], "answers": submission.answers})
    if written.rowcount != 1:
        if connection.scalar(REVISION_BY_ID, {"survey_id": form.id}) != form.revision:
            raise FormChanged(N_("The survey changed while your answers were being saved. Please send them again."))
        # The same render (or instanceID) was stored already: exactly once. Nothing has been
        # written in this transaction, so the caller's commit writes nothing.
        return False
    if invitation_id is not None:
        used = connection.execute(update(INVITATIONS).where(
            INVITATIONS.c.id == invitation_id, INVITATIONS.c.responded_on.is_(None))
            .values(responded_on=submission.day))
        if used.rowcount != 1:
            raise TokenRejected(N_("This invitation has already been used to answer."))
    _fill_quotas(connection, form.quotas, submission.answers)
    return True


def find_invitation_for_store(connection: Connection, survey_id: int,
                              submission: Submission) -> tuple[int, int | None] | None:
    """The invitation to use, or None when this very submission was already stored with it."""
    try:
        return find_invitation(connection, survey_id, submission.invitation)
    except TokenRejected:
        already = connection.scalar(select(RESPONSES.c.id).where(
            RESPONSES.c.survey_id == survey_id, RESPONSES.c.submission_key == submission.key))
        if already is not None:
            return None
        raise


def _fill_quotas(connection: Connection, quotas: tuple[Quota, ...], answers: dict[str, Any]) -> None:
    for quota in quotas:
        answer = str(answers.get(quota.field, ""))
        if quota.value not in answer.split():
            continue
        taken = connection.execute(update(QUOTAS).where(
            and_(QUOTAS.c.id == quota.id, QUOTAS.c.filled < QUOTAS.c.limit))
            .values(filled=QUOTAS.c.filled + 1))
        if taken.rowcount != 1:
            raise QuotaFull(N_("Enough answers like yours have been received; thank you for your time."))


def response_unit(session: Session, form: PublishedForm, answers: dict[str, Any]) -> int | None:
    """The unit a response speaks about: the answer to the survey's unit question, else its only unit.

    The unit question's answer may be a unit code or a region code of a linked unit.
    """
    if form.unit_field:
        answer = str(answers.get(form.unit_field, "")).strip()
        if answer:
            for unit in form.units:
                if answer in (unit.code, unit.region_code):
                    return unit.id
            found = session.scalar(select(UNITS.c.id).where(UNITS.c.code == answer))
            if found is not None:
                return found
    return form.units[0].id if len(form.units) == 1 else None
