"""Storing a checked response exactly once, with its invitation and quotas, in one transaction.

Responses are written with Core inserts, not through the ORM: they are append-only records
from the public, and recording each in the hash-chained audit log would serialise every
respondent on the chain's lock. Staff changes to surveys still go through the audit log.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, and_, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from core.db import WRITE_INTENT, Database, rowcount, writer_lock
from core.errors import ValidationError
from core.grouped_writes import GroupedWrites
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
    # Sent to the survey's private collect address (``/collect/<token>/submission``): the
    # survey's collect token, which staff hand to their field team, stands in for a
    # per-respondent invitation on an invitation-only survey.
    field_team: bool = False


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


def store(database: Database, form: PublishedForm, submission: Submission) -> bool:
    """Store ``submission``, checked against ``form``; returns False when it was stored before.

    Raises :class:`FormChanged` when the survey is no longer at ``form``'s revision: the
    answers must be checked again against the survey as it now is.

    The writes (response, invitation, quotas) form one transaction, committed here, or
    rolled back on any refusal, so nothing is left half-written. It is a Core transaction
    (``Database.begin``): append-only rows need none of the ORM's work. Its first statement
    is usually the response's own, which confirms the revision and the key as it writes
    (:data:`INSERT_RESPONSE`). It begins as a writer (``WRITE_INTENT``: on SQLite, BEGIN
    IMMEDIATE, waiting for the write lock if need be, where a transaction that read first
    could not wait), and holds the lock only until the commit.

    An answer to an open survey without quotas is that one statement alone, and it is made
    with the other answers waiting in this process, in one transaction committed once
    (:mod:`core.grouped_writes`): when many respondents send at once, each does not pay
    for a transaction of its own. Each answer is still acknowledged only once committed.
    """
    check_open(form, submission.day)
    unit_id, code = known_unit(form, submission.answers)
    invited = form.access.value == "invitation" and not submission.field_team
    values = {"survey_id": form.id, "revision": form.revision, "submission_key": submission.key, "unit_id": unit_id,
              "submitted_on": submission.day, "submitted_at": None if form.anonymous else submission.at,
              "channel": submission.channel, "language": submission.language[:20], "answers": submission.answers}
    if not invited and code is None and not form.quotas and not _writing_already(database):
        return grouped_writes(database).run(partial(_insert_response, values=values))
    with database.begin(**WRITE_INTENT) as connection:
        if code is not None:
            values["unit_id"] = connection.scalar(select(UNITS.c.id).where(UNITS.c.code == code)) or unit_id
        invitation_id = None
        if invited:
            found = find_invitation_for_store(connection, form.id, submission)
            if found is None:
                return False
            invitation_id, values["unit_id"] = found[0], found[1] or values["unit_id"]
        if not _insert_response(connection, values):
            return False
        if invitation_id is not None:
            used = connection.execute(update(INVITATIONS).where(
                INVITATIONS.c.id == invitation_id, INVITATIONS.c.responded_on.is_(None))
                .values(responded_on=submission.day))
            if rowcount(used) != 1:
                raise TokenRejected(N_("This invitation has already been used to answer."))
        _fill_quotas(connection, form.quotas, submission.answers)
    return True


def _insert_response(connection: Connection, values: dict[str, Any]) -> bool:
    """Write one response (True), or find it written before (False); refuse when the survey changed.

    One statement writes; the refusal is raised before anything is written.
    """
    written = connection.execute(INSERT_RESPONSE[connection.dialect.name], values)
    if rowcount(written) == 1:
        return True
    if connection.scalar(REVISION_BY_ID, {"survey_id": values["survey_id"]}) != values["revision"]:
        raise FormChanged(N_("The survey changed while your answers were being saved. Please send them again."))
    return False  # the same render (or instanceID) was stored already: exactly once


_GROUPED: WeakKeyDictionary[Database, GroupedWrites[bool]] = WeakKeyDictionary()
_GROUPED_MADE = threading.Lock()


def _writing_already(database: Database) -> bool:
    """True when this thread holds the process's SQLite write lock: the group's writer would wait for it."""
    lock = writer_lock(database.engine)
    return lock is not None and lock.held_by_this_thread


def grouped_writes(database: Database) -> GroupedWrites[bool]:
    """The process's group of answers being written to ``database``."""
    group = _GROUPED.get(database)
    if group is None:
        with _GROUPED_MADE:
            group = _GROUPED.setdefault(database, GroupedWrites(partial(database.begin, **WRITE_INTENT)))
    return group


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
        if rowcount(taken) != 1:
            raise QuotaFull(N_("Enough answers like yours have been received; thank you for your time."))


def known_unit(form: PublishedForm, answers: dict[str, Any]) -> tuple[int | None, str | None]:
    """The unit a response speaks about, as far as the form tells: (unit id, code to look up).

    The answer to the survey's unit question may be the code or region code of a linked unit
    (known at once) or the code of another unit (to be looked up: the second item). Without
    such an answer, the survey's only linked unit, if it has one.
    """
    only = form.units[0].id if len(form.units) == 1 else None
    if form.unit_field:
        answer = str(answers.get(form.unit_field, "")).strip()
        if answer:
            for unit in form.units:
                if answer in (unit.code, unit.region_code):
                    return unit.id, None
            return only, answer
    return only, None
