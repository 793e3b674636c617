"""Jobs that failed after every retry, kept for administrators to see and retry."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ColumnElement, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


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

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        """Only those holding ``jobs.view`` (administrators) see failed jobs."""
        return true() if scope.can("jobs.view") else false()
