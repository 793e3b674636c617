"""Signals: the evidence every cooperating source records about units and matters.

A plugin turns its own data (findings, survey answers, tips, scores) into
signals through :func:`record_signal`; scoring reads only signals and ledger
facts, so a new source needs no change to core.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ColumnElement, Date, Float, ForeignKey, Index, String, UniqueConstraint, select, true
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from core.db import Base, utcnow
from core.org.models import Unit

if TYPE_CHECKING:
    from core.access.scope import Action, Scope


class Signal(Base):
    """One observation from one source: ``value`` of ``kind`` about a unit (and matter)."""

    __tablename__ = "signals"
    __table_args__ = (
        UniqueConstraint("source", "ref"),
        Index("ix_signals_unit_kind", "unit_id", "source", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(60))
    ref: Mapped[str] = mapped_column(String(120))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matters.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    value: Mapped[float] = mapped_column(Float)
    observed_on: Mapped[date] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()

    @classmethod
    def __scope__(cls, scope: Scope, action: Action) -> ColumnElement[bool]:
        if scope.is_admin:
            return true()
        return scope.unit_clause(cls.unit_id, action)


def record_signal(session: Session, *, source: str, kind: str, ref: str, unit_id: int, value: float,
                  observed_on: date, matter_id: int | None = None, task_id: int | None = None,
                  details: dict[str, Any] | None = None) -> tuple[Signal, bool]:
    """Store a signal, or update the one with the same ``(source, ref)``.

    Returns the signal and whether it changed. Calls ``duban_signal_recorded``
    on the plugins for a new or changed signal, inside the caller's transaction.
    """
    signal = session.scalar(select(Signal).where(Signal.source == source, Signal.ref == ref))
    values = {"kind": kind, "unit_id": unit_id, "matter_id": matter_id, "task_id": task_id,
              "value": float(value), "observed_on": observed_on, "details": details or {}}
    if signal is None:
        signal = Signal(source=source, ref=ref, **values)
        session.add(signal)
        changed = True
    else:
        changed = any(getattr(signal, key) != value for key, value in values.items())
        for key, value in values.items():
            setattr(signal, key, value)
    session.flush()
    if changed:
        pm = session.info.get("plugins")
        if pm is not None:
            pm.hook.duban_signal_recorded(session=session, signal=signal)
    return signal, changed
