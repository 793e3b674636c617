"""Progress reports (进展报送) on tasks, their review by staff, and their attachments."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Enum, ForeignKey, Index, Integer, String, Text, select, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.access.models import User
from core.db import Base, utcnow
from core.ledger.models import Task

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class ReviewState(str, enum.Enum):
    """What staff made of a report."""

    pending = "pending"
    accepted = "accepted"
    returned = "returned"


class ProgressReport(Base):
    """What a unit reported on a task: text, percent done, files; and the review."""

    __tablename__ = "progress_reports"
    __table_args__ = (Index("ix_progress_reports_task_submitted", "task_id", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    percent_done: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    review_state: Mapped[ReviewState] = mapped_column(Enum(ReviewState, native_enum=False, length=10),
                                                      default=ReviewState.pending)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str] = mapped_column(Text, default="")

    task: Mapped[Task] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    attachments: Mapped[list[Attachment]] = relationship(back_populates="report", order_by="Attachment.id")

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Visible (and changeable) with its task."""
        if scope.is_admin:
            return true()
        return cls.task_id.in_(select(Task.id).where(Task.__scope__(scope, action)))


class Attachment(Base):
    """A file filed with a report, kept in the instance folder under ``storage_name``."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(120), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[ProgressReport] = relationship(back_populates="attachments")

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Visible with its report's task."""
        if scope.is_admin:
            return true()
        visible_tasks = select(Task.id).where(Task.__scope__(scope, action))
        return cls.report_id.in_(select(ProgressReport.id).where(ProgressReport.task_id.in_(visible_tasks)))
