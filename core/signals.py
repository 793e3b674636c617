"""Signals: the evidence every cooperating source records about units and matters.

A plugin turns its own data (findings, survey answers, tips, scores) into
signals through :func:`record_signal`; scoring reads only signals and ledger
facts, so a new source needs no change to core.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
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


SERIES_MARK = "@"  # a series point's ref is ``<key>@<YYYY-MM-DD>``


def change_points(values: Iterable[tuple[date, float]]) -> dict[date, float]:
    """The days on which a figure changed, from its value on chosen days (in any order).

    Leading zeros are dropped (before its first event a figure is missing, not
    zero); later returns to zero are kept.
    """
    points: dict[date, float] = {}
    last: float | None = None
    for day, value in sorted(values):
        if value == last or (last is None and value == 0):
            continue
        points[day] = value
        last = value
    return points


def record_series(session: Session, *, source: str, kind: str, key: str, unit_id: int,
                  points: Mapping[date, float], until: date, matter_id: int | None = None,
                  task_id: int | None = None, details: dict[str, Any] | None = None) -> int:
    """Store a figure's history as one signal per day on which it took a new value.

    ``points`` maps each day to the value the figure took that day, computed
    from the source's own dated records; days after ``until`` (not yet
    reached) are left out. Stored points of ``key`` that ``points`` no longer
    holds are removed, so a corrected record rewrites its history. Because
    every point carries the date it happened, the figure as it stood on any
    past day is the latest point up to that day, whether the records arrived
    in one import or day by day. Returns how many signals changed.
    """
    prefix = key + SERIES_MARK
    wanted = {day: float(value) for day, value in points.items() if day <= until}
    stored = {signal.ref: signal for signal in session.scalars(select(Signal).where(
        Signal.source == source, Signal.ref >= prefix, Signal.ref < key + chr(ord(SERIES_MARK) + 1)))}
    changed = 0
    refs = set()
    for day, value in sorted(wanted.items()):
        ref = prefix + day.isoformat()
        refs.add(ref)
        signal = stored.get(ref)
        if (signal is not None and signal.value == value and signal.kind == kind and signal.unit_id == unit_id
                and signal.matter_id == matter_id and signal.task_id == task_id):
            continue
        _signal, did_change = record_signal(session, source=source, kind=kind, ref=ref, unit_id=unit_id,
                                            value=value, observed_on=day, matter_id=matter_id, task_id=task_id,
                                            details=details)
        changed += int(did_change)
    stale = [signal for ref, signal in stored.items() if ref not in refs]
    for signal in stale:
        session.delete(signal)
    if stale:
        session.flush()
    return changed + len(stale)
