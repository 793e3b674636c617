"""Reminding about invitees who have not answered (run by ``duban tick``).

Invitation tokens are kept only as hashes, so a reminder cannot carry the invitee's link
again. Each week an invitee has not answered (at most twice), the invitation is counted as
reminded and the survey's owning unit is notified, once per survey and day, with how many
are outstanding, so staff can send a reminder through the channel they used for the links.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from core.i18n import message
from core.notify import notify
from plugins.survey.models import Survey, SurveyInvitation, SurveyStatus

EVERY = timedelta(days=7)
MAX_REMINDERS = 2


def send_reminders(session: Session, today: date) -> int:
    """Mark due reminders and notify each survey's owners; returns invitations reminded."""
    due_before = today - EVERY
    total = 0
    surveys = session.scalars(select(Survey).where(Survey.status == SurveyStatus.published))
    for survey in surveys:
        if not survey.is_open_on(today):
            continue
        condition = and_(SurveyInvitation.survey_id == survey.id, SurveyInvitation.responded_on.is_(None),
                         SurveyInvitation.reminders_sent < MAX_REMINDERS,
                         SurveyInvitation.invited_on <= due_before,
                         or_(SurveyInvitation.last_reminded_on.is_(None),
                             SurveyInvitation.last_reminded_on <= due_before))
        count = session.execute(update(SurveyInvitation).where(condition).values(
            reminders_sent=SurveyInvitation.reminders_sent + 1, last_reminded_on=today)).rowcount or 0
        if count:
            notify(session, key=f"survey:{survey.id}:reminders:{today.isoformat()}",
                   subject=message("Survey invitees to remind: %(title)s", title=survey.title),
                   body=message("%(count)s invitees have not answered the survey %(title)s yet.",
                                count=count, title=survey.title),
                   link=f"/surveys/{survey.id}", unit_id=survey.owner_unit_id)
        total += count
    return total
