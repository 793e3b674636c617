"""What staff do to a survey: create it from an XLSForm, link it, publish, invite, set quotas."""
from __future__ import annotations

import csv
import io
import secrets
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.apitypes import RowsRejected
from core.errors import ValidationError
from core.i18n import N_, message
from core.importing import Column, FileRejected, MappedRow, MappedTable, email_address, map_rows, read_table
from core.importing.parsers import shown
from core.ledger.models import Matter
from core.org.models import Unit
from plugins.survey.definition import walk
from plugins.survey.models import (
    EMAIL_LENGTH,
    Access,
    Survey,
    SurveyInvitation,
    SurveyMatter,
    SurveyQuota,
    SurveyStatus,
    SurveyUnit,
)
from plugins.survey.tokens import hash_token, invitation_token, new_invitation_nonce
from plugins.survey.xlsform import convert

INDICATOR_KINDS = ("satisfaction", "awareness", "not_delivered")
MAX_INVITEES = 20_000


def new_slug() -> str:
    """A short, unguessable public name for a survey's link."""
    return secrets.token_urlsafe(6).replace("-", "x").replace("_", "y").lower()


def create_survey(session: Session, data: bytes, *, owner_unit_id: int, source_name: str = "",
                  publish: bool = False) -> Survey:
    """Store a new survey from XLSForm bytes; raises ``FormRejected`` with pyxform's message."""
    slug = new_slug()
    form = convert(data, form_id=f"duban_{slug}", filename=source_name)
    survey = Survey(slug=slug, title=form.title[:300], owner_unit_id=owner_unit_id, definition=form.definition,
                    xform=form.xform, source_name=source_name[:200], collect_token=secrets.token_urlsafe(24),
                    status=SurveyStatus.published if publish else SurveyStatus.draft, indicators=[])
    session.add(survey)
    session.flush()
    return survey


def set_status(survey: Survey, status: SurveyStatus) -> None:
    """Publish, close or reopen ``survey``."""
    survey.status = status


def update_settings(survey: Survey, *, title: str, access: Access, opens_on: date | None, closes_on: date | None,
                    unit_field: str) -> None:
    """Change a survey's title, access and dates; the unit question must exist in the form."""
    if opens_on and closes_on and closes_on < opens_on:
        raise ValidationError(N_("The closing date is before the opening date."))
    if unit_field and unit_field not in field_names(survey):
        raise ValidationError(N_("The form has no question named %(name)s."), name=unit_field)
    survey.title, survey.access, survey.opens_on, survey.closes_on = title, access, opens_on, closes_on
    survey.unit_field = unit_field


def field_names(survey: Survey) -> list[str]:
    """Names of the questions in ``survey``'s form, in order."""
    return [node["name"] for node in walk(survey.definition["nodes"]) if node["kind"] == "question"]


def question(survey: Survey, name: str) -> dict[str, Any] | None:
    """The question node called ``name``."""
    return next((node for node in walk(survey.definition["nodes"])
                 if node["kind"] == "question" and node["name"] == name), None)


def link_matter(session: Session, survey: Survey, matter: Matter) -> None:
    """Say that ``survey`` speaks about ``matter`` (twice is once)."""
    if all(link.matter_id != matter.id for link in survey.matter_links):
        survey.matter_links.append(SurveyMatter(matter_id=matter.id))


def link_unit(session: Session, survey: Survey, unit: Unit) -> None:
    """Say that ``survey`` speaks about ``unit`` (twice is once)."""
    if all(link.unit_id != unit.id for link in survey.unit_links):
        survey.unit_links.append(SurveyUnit(unit_id=unit.id))


def set_quota(survey: Survey, field: str, value: str, limit: int) -> None:
    """At most ``limit`` answers with ``field`` = ``value``."""
    if question(survey, field) is None:
        raise ValidationError(N_("The form has no question named %(name)s."), name=field)
    if limit < 1:
        raise ValidationError(N_("A quota must allow at least one answer."))
    for quota in survey.quotas:
        if quota.field == field and quota.value == value:
            quota.limit = limit
            return
    survey.quotas.append(SurveyQuota(field=field, value=value, limit=limit, filled=0))


def set_indicator(survey: Survey, kind: str, field: str, values: list[str], target: float) -> None:
    """Turn the share of answers in ``values`` to ``field`` into a ``kind`` signal with a target."""
    node = question(survey, field)
    if kind not in INDICATOR_KINDS or node is None:
        raise ValidationError(N_("The form has no question named %(name)s."), name=field)
    known = {choice["name"] for choice in node.get("choices", [])}
    unknown = [value for value in values if known and value not in known]
    if not values or unknown:
        raise ValidationError(N_("Name answers the question offers: %(choices)s."), choices=", ".join(sorted(known)))
    if not 0 <= target <= 1:
        raise ValidationError(N_("The target is a share between 0 and 1."))
    kept = [item for item in survey.indicators if item.get("kind") != kind]
    survey.indicators = [*kept, {"kind": kind, "field": field, "values": values, "target": target}]


INVITEE_COLUMNS = (
    Column("email", "邮箱", parse=email_address, aliases=("e-mail",)),
    Column("name", "姓名"),
    Column("unit_code", "单位代码"),
)
MAX_EMAIL = EMAIL_LENGTH  # the longest address the column holds


def invite(session: Session, survey: Survey, data: bytes, filename: str, today: date, *,
           secret: str) -> list[tuple[SurveyInvitation, str]]:
    """Create one single-use invitation per row of a CSV/XLSX of invitees.

    Columns: ``email`` 邮箱 (optional), ``name`` 姓名 (optional), ``unit_code`` 单位代码 (optional).
    Every row is checked before any is stored, as in every import: an address mail cannot go
    to, an address twice in the file or already invited to ``survey``, or an unknown unit code
    raises :class:`~core.apitypes.RowsRejected` naming each bad row, and nothing is stored.
    Returns each invitation with its token, which is never stored: each token is derived from
    a stored nonce and the instance's ``secret`` key, so reminders can send it again.
    """
    mapped = map_rows(read_table(data, filename), INVITEE_COLUMNS)
    if not mapped.present:
        raise FileRejected(N_("The invitee list needs an email, name or unit_code column."))
    rows = [row for row in mapped.rows if any(row.values())]
    if len(rows) > MAX_INVITEES:
        raise ValidationError(N_("At most %(count)s invitees per list."), count=MAX_INVITEES)
    units = {unit.code: unit.id for unit in session.scalars(select(Unit))}
    _check_invitees(session, survey, rows, units, mapped)
    if mapped.errors:
        raise RowsRejected(mapped.errors)
    made = []
    for row in rows:
        nonce = new_invitation_nonce()
        token = invitation_token(secret, nonce)
        invitation = SurveyInvitation(survey_id=survey.id, token_hash=hash_token(token), token_nonce=nonce,
                                      email=row["email"] or "", name=(row["name"] or "")[:200],
                                      unit_id=units.get(row["unit_code"]), invited_on=today)
        session.add(invitation)
        made.append((invitation, token))
    session.flush()
    return made


def _check_invitees(session: Session, survey: Survey, rows: list[MappedRow], units: dict[str, int],
                    mapped: MappedTable) -> None:
    """Add to ``mapped`` a problem for each unknown unit and each address that would be invited twice.

    Addresses are compared ignoring case: mail servers treat ``Zhang@`` and ``zhang@`` as one mailbox.
    """
    invited = {email.casefold() for email in session.scalars(
        select(SurveyInvitation.email).where(SurveyInvitation.survey_id == survey.id, SurveyInvitation.email != ""))}
    first_line: dict[str, int] = {}
    for row in rows:
        if row["unit_code"] and row["unit_code"] not in units:
            mapped.add_error(row.line, "unit_code", message("No unit has the code %(code)s.",
                                                            code=shown(row["unit_code"])))
        email = row["email"]
        if not email:
            continue
        key = email.casefold()
        if len(email) > MAX_EMAIL:
            mapped.add_error(row.line, "email", message("The address is longer than %(count)s characters.",
                                                        count=MAX_EMAIL))
        elif key in first_line:
            mapped.add_error(row.line, "email", message("The address %(value)s already appears on row %(first)s.",
                                                        value=shown(email), first=first_line[key]))
        elif key in invited:
            mapped.add_error(row.line, "email", message("The address %(value)s is already invited to this survey.",
                                                        value=shown(email)))
        first_line.setdefault(key, row.line)
    mapped.errors.sort(key=lambda error: error.line or 0)


def links_csv(made: list[tuple[SurveyInvitation, str]], base_url: str) -> str:
    """The invitee list with each one's link, for the office to send out."""
    from core.importing import safe_cell

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "name", "link"])
    for invitation, token in made:
        writer.writerow([safe_cell(invitation.email), safe_cell(invitation.name), f"{base_url}?t={token}"])
    return "\ufeff" + out.getvalue()

