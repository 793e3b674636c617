"""The job journal (every queued job until it is done) and the jobs given up on."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    or_,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class RunState(str, enum.Enum):
    """Where a queued job stands."""

    queued = "queued"  # waiting for a consumer (first time, or for a retry at ``available_at``)
    running = "running"  # a consumer holds it while ``heartbeat_at`` is within the lease
    done = "done"
    failed = "failed"  # given up: its retries were used up


class JobRun(Base):
    """One queued job, written when it is queued and kept until it is done.

    Huey forgets a message once a consumer takes it; this row does not, so a job
    whose consumer was killed is queued again by ``recover_jobs``. The journal is
    the queue's own bookkeeping, written with plain statements and kept out of the
    audit trail: the user action that queued a job is on the record itself.
    """

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_due", "state", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(100))
    arguments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    state: Mapped[RunState] = mapped_column(Enum(RunState, native_enum=False, length=12),
                                            default=RunState.queued)
    # Starts so far; each start is also the fencing token of the consumer that made it.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a consumer should have it: the time it was queued, or the time of its next retry.
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    # Renewed while the job runs; a running job whose heartbeat is older than the lease is lost.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[Any | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    # How far the running job has got (an import: rows checked of rows in all), when it says.
    progress_done: Mapped[int | None] = mapped_column(Integer)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    # The user whose action queued it (an upload, a click on "train"), who may follow it.
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A capability whose holders may follow it too (the model page's readers see its training).
    audience: Mapped[str | None] = mapped_column(String(60))

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Administrators (``jobs.view``) see every run; a user, the runs they asked for,
        and those whose audience is a capability they hold. Nobody changes runs by hand."""
        if scope.can("jobs.view"):
            return true()
        if scope.user is None or not scope.user.active or action != "read":
            return false()
        held = [name for name in scope.capabilities if scope.can(name)]
        return or_(cls.requested_by == scope.user.id, cls.audience.in_(held))


class FailureReason(str, enum.Enum):
    """Why a job was given up on."""

    error = "error"  # it raised an error on its last try
    lost = "lost"  # its consumer stopped (killed, restarted) during its last try


class JobFailure(Base):
    """A job given up on: its name, arguments and the last error."""

    __tablename__ = "job_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(100))
    job_id: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    retried_at: Mapped[datetime | None]
    # The journal entry of a queued job, so it can be queued again with its arguments;
    # none for periodic jobs, which run again on their schedule.
    run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"))
    reason: Mapped[FailureReason] = mapped_column(Enum(FailureReason, native_enum=False, length=12),
                                                  default=FailureReason.error, server_default="error")

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Only those holding ``jobs.view`` (administrators) see failed jobs."""
        return true() if scope.can("jobs.view") else false()
