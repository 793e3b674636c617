"""Recording what a team found on site; rectifications and look-back visits (回头看).

Every outcome is also stored as a signal of source ``review`` so everything
downstream (scores, circulars, the API) sees it. A confirmed problem can open
a rectification with a deadline; when the unit reports it fixed, a look-back
visit is scheduled, and that visit's outcome verifies the fix or reopens it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.access.models import Role, User
from core.access.scope import Scope
from core.db import utcnow
from core.errors import InvalidTransition, ValidationError
from core.i18n import N_, message
from core.ledger.attachments import DEFAULT_MAX_BYTES, Upload, check_uploads, remove_files, store_file
from core.ledger.models import Task
from core.notify import notify
from core.review.models import (
    Rectification,
    RectificationState,
    ReviewOutcome,
    ReviewPhoto,
    ReviewVisit,
    RoundState,
    Selection,
    Severity,
    VisitState,
)
from core.signals import record_signal

SIGNAL_SOURCE = "review"
SIGNAL_KIND = "problem_found"
SIGNAL_LABEL = N_("On-site review found a problem (1) or none (0)")
LOOKBACK_AFTER_DAYS = 14
ROUND_NOT_STARTED = N_("This round has not started yet: start the round, then record what the visits found.")
PHOTO_TYPES = ("image/png", "image/jpeg")
MAX_TEXT = 20_000


@dataclass(frozen=True)
class OutcomeInput:
    """What the team records on site."""

    visited_on: date
    problem_found: bool
    severity: Severity | None = None
    findings: str = ""
    unit_response: str = ""
    rectification_deadline: date | None = None
    requirement: str = ""
    # For an outcome without a planned visit: the chance the visit had of being chosen (入选概率).
    # A planned visit's outcome takes its visit's inclusion probability instead.
    selection_probability: float | None = None


def record_outcome(scope: Scope, data: OutcomeInput, *, visit_id: int | None = None, task_id: int | None = None,
                   photos: Sequence[Upload] = (), photo_folder: str | None = None,
                   max_bytes: int = DEFAULT_MAX_BYTES) -> ReviewOutcome:
    """Record an on-site outcome for a planned visit or directly for a task; nothing is committed.

    A task the user may not see is "not found". Photos are checked (PNG or
    JPEG, size-capped) before anything is written.
    """
    scope.require("reviews.manage")
    visit = scope.get(ReviewVisit, visit_id, "write") if visit_id is not None else None
    task = scope.get(Task, visit.task_id if visit else task_id)
    if visit is not None and visit.state != VisitState.planned:
        raise InvalidTransition("The outcome of this visit is already recorded.")
    if visit is not None and visit.round is not None and visit.round.state == RoundState.planned:
        # A plan may still change (visits drawn again, dropped, added): nobody has gone out yet.
        raise InvalidTransition(ROUND_NOT_STARTED)
    _check(data)
    if visit is not None and data.selection_probability is not None:
        raise ValidationError("A planned visit's outcome takes the visit's own selection probability; leave it out.")
    checked = check_uploads(list(photos), max_bytes)
    if any(photo.content_type not in PHOTO_TYPES for photo in checked):
        raise ValidationError("Photos must be PNG or JPEG images.")
    if checked and photo_folder is None:
        raise ValueError("photo_folder is needed to store photos")
    session = scope.session
    outcome = ReviewOutcome(
        visit_id=visit.id if visit else None, task_id=task.id, unit_id=task.unit_id, matter_id=task.matter_id,
        visited_on=data.visited_on, problem_found=data.problem_found,
        severity=data.severity if data.problem_found else None, findings=data.findings.strip(),
        unit_response=data.unit_response.strip(), selection=visit.selection if visit else Selection.manual,
        selection_probability=visit.inclusion_probability if visit else data.selection_probability,
        recorded_by=scope.user.username if scope.user else "")
    session.add(outcome)
    stored: list[str] = []
    try:
        session.flush()
        for photo in checked:
            name, digest = store_file(photo_folder or "", photo.data)
            stored.append(name)
            session.add(ReviewPhoto(outcome_id=outcome.id, filename=photo.filename, content_type=photo.content_type,
                                    size=len(photo.data), sha256=digest, storage_name=name))
        if visit is not None:
            visit.state = VisitState.done
            _close_lookback(session, visit, outcome)
        if data.problem_found and data.rectification_deadline is not None:
            open_rectification(scope, outcome, data.rectification_deadline, data.requirement)
        record_outcome_signal(session, outcome)
    except BaseException:
        remove_files(photo_folder or "", stored)
        raise
    return outcome


def _check(data: OutcomeInput) -> None:
    if len(data.findings) > MAX_TEXT or len(data.unit_response) > MAX_TEXT or len(data.requirement) > MAX_TEXT:
        raise ValidationError("At most %(count)s characters.", count=MAX_TEXT)
    if data.problem_found and not data.findings.strip():
        raise ValidationError("Describe the problem that was found.")
    if data.problem_found and data.severity is None:
        raise ValidationError("Say how severe the problem is.")
    if data.rectification_deadline is not None and not data.problem_found:
        raise ValidationError("A rectification is only opened for a problem that was found.")
    if data.rectification_deadline is not None and data.rectification_deadline < data.visited_on:
        raise ValidationError("The rectification deadline cannot come before the visit.")
    if data.selection_probability is not None and not 0 < data.selection_probability <= 1:
        raise ValidationError("A selection probability is a number above 0 and at most 1.")


def record_outcome_signal(session: Session, outcome: ReviewOutcome) -> None:
    """Store the outcome as a ``review`` signal (1 problem found, 0 none)."""
    record_signal(session, source=SIGNAL_SOURCE, kind=SIGNAL_KIND, ref=f"outcome:{outcome.id}",
                  unit_id=outcome.unit_id, matter_id=outcome.matter_id, task_id=outcome.task_id,
                  value=1.0 if outcome.problem_found else 0.0, observed_on=outcome.visited_on,
                  details={"severity": outcome.severity.value if outcome.severity else None,
                           "selection": outcome.selection.value})


def open_rectification(scope: Scope, outcome: ReviewOutcome, deadline: date, requirement: str = "") -> Rectification:
    """Require the unit to fix a confirmed problem by ``deadline`` and tell its users."""
    rectification = Rectification(outcome_id=outcome.id, task_id=outcome.task_id, unit_id=outcome.unit_id,
                                  requirement=requirement.strip() or outcome.findings, deadline=deadline)
    scope.session.add(rectification)
    scope.session.flush()
    notify(scope.session, key=f"rectification:{rectification.id}:opened",
           subject=message("Rectification required by %(deadline)s", deadline=deadline.isoformat()),
           body=message("An on-site review found: %(findings)s", findings=outcome.findings[:500]),
           link=f"/review/rectifications/{rectification.id}", unit_id=outcome.unit_id)
    return rectification


def report_fixed(scope: Scope, rectification_id: int, *, note: str, today: date) -> ReviewVisit:
    """The unit reports the problem fixed; a look-back visit is scheduled (回头看)."""
    rectification = scope.get(Rectification, rectification_id, "write")
    if rectification.state != RectificationState.open:
        raise InvalidTransition("This rectification is not waiting for a fix.")
    note = note.strip()
    if not note:
        raise ValidationError("Say what was done to fix the problem.")
    rectification.state = RectificationState.reported_fixed
    rectification.fixed_note, rectification.fixed_reported_at = note[:MAX_TEXT], utcnow()
    task = scope.session.get(Task, rectification.task_id) if rectification.task_id else None
    if task is None:
        raise ValidationError("The task of this rectification no longer exists.")
    from core.review.planning import region_of

    due = today + timedelta(days=LOOKBACK_AFTER_DAYS)
    visit = ReviewVisit(round_id=None, task_id=task.id, unit_id=rectification.unit_id, selection=Selection.lookback,
                        inclusion_probability=1.0, region=region_of(task.unit),
                        due_on=due, rectification_id=rectification.id)
    scope.session.add(visit)
    scope.session.flush()
    staff = scope.session.scalars(select(User.id).where(User.role == Role.supervisor, User.active.is_(True),
                                                        User.username == rectification.outcome.recorded_by))
    notify(scope.session, key=f"rectification:{rectification.id}:fixed",
           subject=message("Reported fixed; look-back visit due by %(day)s", day=due.isoformat()),
           body=message("%(note)s", note=note[:500]), link=f"/review/rectifications/{rectification.id}",
           user_ids=list(staff))
    return visit


def _close_lookback(session: Session, visit: ReviewVisit, outcome: ReviewOutcome) -> None:
    """A look-back's outcome settles its rectification: verified, or failed and open again (再督查)."""
    if visit.selection != Selection.lookback or visit.rectification_id is None:
        return
    rectification = session.get(Rectification, visit.rectification_id)
    if rectification is None:
        return
    rectification.state = RectificationState.failed if outcome.problem_found else RectificationState.verified
