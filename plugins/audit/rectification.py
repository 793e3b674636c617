"""The rectification of a finding (整改): the unit files evidence, staff verify it or send it back."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.access.models import User
from core.db import utcnow
from core.errors import ValidationError
from plugins.audit.models import Finding, RectificationStep, Status, StepKind
from plugins.audit.signals import refresh_signals

MAX_NOTE = 5000


def _note(text: str, required: bool = True) -> str:
    note = (text or "").strip()
    if required and not note:
        raise ValidationError("Please describe what was done.")
    if len(note) > MAX_NOTE:
        raise ValidationError("At most %(limit)s characters, please.", limit=MAX_NOTE)
    return note


def file_evidence(session: Session, finding: Finding, *, note: str, user: User, today: date) -> RectificationStep:
    """The unit reports what it did to rectify ``finding``; the finding is then in progress."""
    if finding.status == Status.done:
        raise ValidationError("This finding's rectification has already been verified.")
    step = RectificationStep(finding=finding, kind=StepKind.evidence, note=_note(note), actor_id=user.id)
    session.add(step)
    finding.status = Status.in_progress
    finding.updated_at = utcnow()
    session.flush()
    refresh_signals(session, today, [finding.unit_id])
    return step


def verify(session: Session, finding: Finding, *, accept: bool, note: str, user: User,
           today: date) -> RectificationStep:
    """Staff confirm the rectification (the finding is done) or send it back to the unit."""
    if finding.status == Status.done:
        raise ValidationError("This finding's rectification has already been verified.")
    if not accept and not (note or "").strip():
        raise ValidationError("Say what is missing when you send a rectification back.")
    kind = StepKind.verified if accept else StepKind.returned
    step = RectificationStep(finding=finding, kind=kind, note=_note(note, required=False), actor_id=user.id)
    session.add(step)
    now = utcnow()
    if accept:
        finding.status, finding.verified_at, finding.verified_by_id = Status.done, now, user.id
        finding.rectified_on = max(today, finding.found_on)
    else:
        finding.status = Status.in_progress
    finding.updated_at = now
    session.flush()
    refresh_signals(session, today, [finding.unit_id])
    return step
