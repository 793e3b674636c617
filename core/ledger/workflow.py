"""The task state machine: sign for, report, review, close; urging and delay reasons.

::

    dispatched --sign--> signed --report--> reported --accept--> accepted --close--> closed
                                   ^            |                  |
                                   |         return                | (monthly/quarterly: report again)
                                   +-- returned <-+                 +--> reported

Every function loads the task through the user's :class:`Scope` for writing, so
another unit's task is "not found"; an illegal move raises
:class:`InvalidTransition` with a message the user can read. Nothing commits:
the caller's transaction covers the whole action.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from core.access.scope import Scope
from core.db import utcnow
from core.errors import Forbidden, InvalidTransition, ValidationError
from core.i18n import message
from core.ledger.alerts import notify_followers, notify_unit, task_label
from core.ledger.attachments import DEFAULT_MAX_BYTES, Upload, check_uploads, remove_files, store_file
from core.ledger.models import Cadence, EventKind, Task, TaskState
from core.ledger.report_models import Attachment, ProgressReport, ReviewState
from core.ledger.timeline import record_event

REPORTABLE = (TaskState.signed, TaskState.returned)


def can_act_for_unit(scope: Scope, task: Task) -> bool:
    """True when the user may sign for and report on ``task`` (already write-scoped).

    Unit officers act for their unit (a head for the units below too); staff act
    only for tasks given to their own unit, such as a city's share of a matter.
    """
    if scope.user is None:
        return False
    return scope.can("tasks.report") or scope.user.unit_id == task.unit_id


def can_review(scope: Scope, task: Task) -> bool:
    """True when the user may review, close and urge ``task``: staff above its unit."""
    if scope.user is None or not scope.can("ledger.manage"):
        return False
    # Nobody approves their own unit's report.
    return scope.is_admin or scope.user.unit_id != task.unit_id


def _unit_task(scope: Scope, task_id: int) -> Task:
    task = scope.get(Task, task_id, "write")
    if not can_act_for_unit(scope, task):
        raise Forbidden("Only the responsible unit can do this.")
    return task


def _staff_task(scope: Scope, task_id: int) -> Task:
    task = scope.get(Task, task_id, "write")
    if not can_review(scope, task):
        raise Forbidden("Only the supervising staff can do this.")
    return task


def sign_task(scope: Scope, task_id: int) -> Task:
    """The unit signs for a dispatched task (签收)."""
    task = _unit_task(scope, task_id)
    if task.state == TaskState.closed:
        raise InvalidTransition("This task is closed.")
    if task.state != TaskState.dispatched:
        raise InvalidTransition("This task has already been signed for.")
    task.state, task.signed_at = TaskState.signed, utcnow()
    event = record_event(scope.session, task, EventKind.signed, scope.user)
    notify_followers(scope.session, task, event,
                     message("Signed for: %(task)s", task=task_label(scope.session, task)))
    return task


def file_report(scope: Scope, task_id: int, *, text: str, percent_done: int,
                uploads: Sequence[Upload] = (), attachment_folder: str | None = None,
                max_bytes: int = DEFAULT_MAX_BYTES) -> ProgressReport:
    """The unit reports progress: text, percent done and files (报送进展).

    Attachments are checked before anything is written; their files go under
    ``attachment_folder`` and are removed again if storing the report fails.
    """
    task = _unit_task(scope, task_id)
    if task.state == TaskState.closed:
        raise InvalidTransition("This task is closed; no more reports can be filed on it.")
    if task.state == TaskState.dispatched:
        raise InvalidTransition("Sign for the task before reporting on it.")
    if task.state == TaskState.reported:
        raise InvalidTransition("A report is already waiting for review.")
    if task.state == TaskState.accepted and task.cadence == Cadence.once:
        raise InvalidTransition("The report on this task was accepted; there is nothing more to report.")
    text = text.strip()
    if not text:
        raise ValidationError("Write what has been done.")
    if not 0 <= percent_done <= 100:
        raise ValidationError("Percent done runs from 0 to 100.")
    checked = check_uploads(list(uploads), max_bytes)
    if checked and attachment_folder is None:
        raise ValueError("attachment_folder is needed to store files")
    report = ProgressReport(task_id=task.id, author_id=scope.user.id if scope.user else None,
                            text=text, percent_done=percent_done, submitted_at=utcnow())
    scope.session.add(report)
    stored: list[str] = []
    try:
        scope.session.flush()
        for upload in checked:
            name, digest = store_file(attachment_folder or "", upload.data)
            stored.append(name)
            scope.session.add(Attachment(report_id=report.id, filename=upload.filename,
                                         content_type=upload.content_type, size=len(upload.data),
                                         sha256=digest, storage_name=name))
        task.state, task.percent_done, task.last_report_at = TaskState.reported, percent_done, report.submitted_at
        event = record_event(scope.session, task, EventKind.reported, scope.user, note=text[:500],
                             report_id=report.id, percent_done=percent_done, files=len(checked))
        notify_followers(scope.session, task, event,
                         message("Progress reported: %(task)s", task=task_label(scope.session, task)))
    except BaseException:
        remove_files(attachment_folder or "", stored)
        raise
    return report


def review_report(scope: Scope, report_id: int, *, accept: bool, comment: str = "") -> ProgressReport:
    """Staff accept a report, or send it back with a reason (审核 / 退回)."""
    report = scope.get(ProgressReport, report_id, "write")
    task = _staff_task(scope, report.task_id)
    if report.review_state != ReviewState.pending or task.state != TaskState.reported:
        raise InvalidTransition("There is no report waiting for review.")
    comment = comment.strip()
    if not accept and not comment:
        raise ValidationError("Say why the report is sent back.")
    report.review_state = ReviewState.accepted if accept else ReviewState.returned
    report.reviewer_id = scope.user.id if scope.user else None
    report.reviewed_at, report.review_comment = utcnow(), comment
    label = task_label(scope.session, task)
    if accept:
        task.state = TaskState.accepted
        event = record_event(scope.session, task, EventKind.accepted, scope.user, note=comment,
                             report_id=report.id)
        notify_unit(scope.session, task, event, message("Report accepted: %(task)s", task=label))
    else:
        task.state = TaskState.returned
        task.returned_count += 1
        event = record_event(scope.session, task, EventKind.returned, scope.user, note=comment,
                             report_id=report.id)
        notify_unit(scope.session, task, event, message("Report sent back: %(task)s", task=label),
                    message("Your report was sent back for rework: %(reason)s", reason=comment))
    return report


def close_task(scope: Scope, task_id: int, *, note: str = "") -> Task:
    """Staff close a task whose report they accepted (销号)."""
    task = _staff_task(scope, task_id)
    if task.state == TaskState.closed:
        raise InvalidTransition("This task is already closed.")
    if task.state in (TaskState.dispatched, TaskState.signed):
        raise InvalidTransition("Nobody has reported on this task yet, so it cannot be closed.")
    if task.state == TaskState.reported:
        raise InvalidTransition("A report is waiting for review; accept it before closing the task.")
    if task.state == TaskState.returned:
        raise InvalidTransition("The last report was sent back; a report must be accepted before the task is closed.")
    task.state, task.closed_at, task.percent_done = TaskState.closed, utcnow(), 100
    event = record_event(scope.session, task, EventKind.closed, scope.user, note=note.strip())
    notify_unit(scope.session, task, event, message("Task closed: %(task)s", task=task_label(scope.session, task)))
    return task


def urge_task(scope: Scope, task_id: int, *, text: str) -> Task:
    """Staff send an urging notice (催办) to the task's unit."""
    task = _staff_task(scope, task_id)
    if task.state in (TaskState.accepted, TaskState.closed):
        raise InvalidTransition("This task is finished; there is nothing to urge.")
    text = text.strip()
    if not text:
        raise ValidationError("Write the urging notice.")
    task.last_urged_at = utcnow()
    event = record_event(scope.session, task, EventKind.urged, scope.user, note=text)
    label = task_label(scope.session, task)
    notify_unit(scope.session, task, event, message("Urging notice (催办): %(task)s", task=label),
                message("%(text)s (deadline %(deadline)s)", text=text, deadline=task.deadline.isoformat()))
    return task


def give_delay_reason(scope: Scope, task_id: int, *, reason: str, today: date) -> Task:
    """The unit explains why it missed the deadline (逾期原因)."""
    task = _unit_task(scope, task_id)
    if task.deadline >= today or task.state in (TaskState.accepted, TaskState.closed):
        raise InvalidTransition("This task is not overdue; no reason is needed.")
    reason = reason.strip()
    if not reason:
        raise ValidationError("Write the reason for the delay.")
    task.delay_reason, task.delay_reason_at = reason, utcnow()
    event = record_event(scope.session, task, EventKind.reason_given, scope.user, note=reason)
    notify_followers(scope.session, task, event,
                     message("Reason for delay given: %(task)s", task=task_label(scope.session, task)),
                     message("%(reason)s", reason=reason))
    return task


def pending_report(scope: Scope, task: Task) -> ProgressReport | None:
    """The report of ``task`` waiting for review, if any."""
    return scope.session.scalar(select(ProgressReport).where(
        ProgressReport.task_id == task.id, ProgressReport.review_state == ReviewState.pending)
        .order_by(ProgressReport.id.desc()).limit(1))


def needs_delay_reason(task: Task, today: date) -> bool:
    """True when the unit must still explain a missed deadline."""
    return (task.state in (TaskState.dispatched, TaskState.signed, TaskState.returned, TaskState.reported)
            and task.deadline < today and not task.delay_reason)


__all__ = [
    "can_act_for_unit", "can_review", "close_task", "file_report", "give_delay_reason",
    "needs_delay_reason", "pending_report", "review_report", "sign_task", "urge_task",
]
