"""Signals: the evidence every cooperating source records about units and matters.

A plugin turns its own data (findings, survey answers, tips, scores) into
signals through :func:`record_signal`; scoring reads only signals and ledger
facts, so a new source needs no change to core.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    bindparam,
    delete,
    insert,
    select,
    true,
    update,
)
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
        changed = any(getattr(signal, key) != new for key, new in values.items())
        for key, new in values.items():
            setattr(signal, key, new)
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


CHUNK = 500
_COMPARED = ("kind", "unit_id", "matter_id", "task_id", "value", "details")
_COMPARED_DATED = (*_COMPARED, "observed_on")  # a signal matched on its ref may also move to another day


def record_signals(session: Session, rows: Iterable[Mapping[str, Any]]) -> tuple[int, int, int]:
    """Store many signals at once, each matched on ``(source, ref)``: what :func:`record_signal` does, in bulk.

    Each row holds ``source, kind, ref, unit_id, value, observed_on`` and
    optionally ``matter_id, task_id, details``. New signals are inserted and
    changed ones updated with a few statements, so a file of many thousands of
    observations goes in within seconds; ``duban_signal_recorded`` is still
    called for each new or changed one. Returns (created, updated, unchanged).
    """
    wanted = {}
    for row in rows:
        values = {"source": row["source"], "kind": row["kind"], "ref": row["ref"], "unit_id": row["unit_id"],
                  "matter_id": row.get("matter_id"), "task_id": row.get("task_id"), "value": float(row["value"]),
                  "observed_on": row["observed_on"], "details": dict(row.get("details") or {})}
        wanted[(values["source"], values["ref"])] = values
    by_source: dict[str, list[str]] = {}
    for source, ref in wanted:
        by_source.setdefault(source, []).append(ref)
    stored: dict[tuple[str, str], dict[str, Any]] = {}
    for source, refs in by_source.items():
        for start in range(0, len(refs), CHUNK):
            for found in session.execute(select(Signal.id, Signal.source, Signal.ref, *(
                    getattr(Signal, name) for name in _COMPARED_DATED)).where(
                    Signal.source == source, Signal.ref.in_(refs[start:start + CHUNK]))):
                stored[(found.source, found.ref)] = found._asdict()
    now = utcnow()
    inserts, updates = [], []
    for key, values in wanted.items():
        have = stored.get(key)
        if have is None:
            inserts.append({**values, "recorded_at": now})
        elif any(have[name] != values[name] for name in _COMPARED_DATED):
            updates.append({"b_id": have["id"], **{name: values[name] for name in _COMPARED_DATED}, "recorded_at": now})
    _write(session, inserts, updates, [])
    for source in by_source:
        _announce(session, Signal.ref, [row["ref"] for row in inserts if row["source"] == source],
                  Signal.source == source)
    _announce(session, Signal.id, [row["b_id"] for row in updates])
    return len(inserts), len(updates), len(wanted) - len(inserts) - len(updates)


def _write(session: Session, inserts: list[dict[str, Any]], updates: list[dict[str, Any]], stale: list[int]) -> None:
    """Bulk statements on the signals table; ORM copies of touched rows are read again or forgotten."""
    table = Signal.__table__
    if inserts:
        session.execute(insert(table), inserts)
    if updates:
        names = [name for name in updates[0] if name != "b_id"]
        session.execute(update(table).where(table.c.id == bindparam("b_id")).values(
            **{name: bindparam(name) for name in names}), updates)
    for start in range(0, len(stale), CHUNK):
        session.execute(delete(table).where(table.c.id.in_(stale[start:start + CHUNK])))
    if updates or stale:
        changed, gone = {row["b_id"] for row in updates}, set(stale)
        for instance in [o for o in session.identity_map.values() if isinstance(o, Signal)]:
            if instance.id in gone:
                session.expunge(instance)
            elif instance.id in changed:
                session.expire(instance)


@dataclass
class Series:
    """A figure's history for :func:`sync_series`: its value on each day it changed.

    ``key`` names the series within its source (refs are ``<key>@<YYYY-MM-DD>``);
    ``details`` go with every point, ``point_details`` with single days (the
    sample behind a survey share).
    """

    key: str
    kind: str
    unit_id: int
    points: Mapping[date, float]
    matter_id: int | None = None
    task_id: int | None = None
    details: dict[str, Any] | None = None
    point_details: Mapping[date, dict[str, Any]] | None = None

    def row(self, source: str, day: date, value: float) -> dict[str, Any]:
        details = (self.point_details or {}).get(day, self.details) or {}
        return {"source": source, "kind": self.kind, "ref": f"{self.key}{SERIES_MARK}{day.isoformat()}",
                "unit_id": self.unit_id, "matter_id": self.matter_id, "task_id": self.task_id,
                "value": float(value), "observed_on": day, "details": details}


def sync_series(session: Session, source: str, series: Iterable[Series], until: date, *,
                within: str | None = None, unit_ids: Iterable[int] | None = None) -> int:
    """Make a source's stored signals exactly ``series`` up to ``until``; returns how many signals changed.

    The stored signals considered are those of ``source`` whose ref starts with
    ``within`` (one survey, one series) or that are about ``unit_ids``, or all
    of the source's. Points after ``until`` (not yet reached) are left out;
    stored points no series holds any more, and signals of an older form (a
    ref without a date mark), are removed. New points are inserted, changed
    ones updated and stale ones deleted with a few bulk statements, so a first
    history of many thousands of points costs seconds, not a flush per point;
    ``duban_signal_recorded`` is still called for every new or changed signal.
    """
    stmt = select(Signal.id, Signal.ref, Signal.kind, Signal.unit_id, Signal.matter_id, Signal.task_id, Signal.value,
                  Signal.details).where(Signal.source == source)
    if within is not None:
        stmt = stmt.where(Signal.ref.startswith(within, autoescape=True))
    if unit_ids is not None:
        stmt = stmt.where(Signal.unit_id.in_(list(set(unit_ids))))
    stored: dict[str, dict[str, Any]] = {}
    stale: list[int] = []
    for row in session.execute(stmt):
        if SERIES_MARK not in row.ref:
            stale.append(row.id)
        else:
            stored[row.ref] = row._asdict()
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for spec in series:
        for day, value in sorted(spec.points.items()):
            if day > until:
                continue
            wanted = spec.row(source, day, value)
            have = stored.pop(wanted["ref"], None)
            if have is None:
                inserts.append({**wanted, "recorded_at": now})
            elif any(have[name] != wanted[name] for name in _COMPARED):
                updates.append({"b_id": have["id"], **{name: wanted[name] for name in _COMPARED}, "recorded_at": now})
    stale.extend(row["id"] for row in stored.values())
    _write(session, inserts, updates, stale)
    _announce(session, Signal.ref, [row["ref"] for row in inserts], Signal.source == source)
    _announce(session, Signal.id, [row["b_id"] for row in updates])
    return len(inserts) + len(updates) + len(stale)


def _announce(session: Session, column: Any, values: list[Any], *conditions: Any) -> None:
    """Call ``duban_signal_recorded`` on the signals written in bulk (``column`` among ``values``)."""
    pm = session.info.get("plugins")
    if pm is None or not values or not pm.hook.duban_signal_recorded.get_hookimpls():
        return
    for start in range(0, len(values), CHUNK):
        for signal in session.scalars(select(Signal).where(*conditions, column.in_(values[start:start + CHUNK]))):
            pm.hook.duban_signal_recorded(session=session, signal=signal)


def record_series(session: Session, *, source: str, kind: str, key: str, unit_id: int,
                  points: Mapping[date, float], until: date, matter_id: int | None = None,
                  task_id: int | None = None, details: dict[str, Any] | None = None) -> int:
    """Store one figure's history as one signal per day on which it took a new value.

    ``points`` maps each day to the value the figure took that day, computed
    from the source's own dated records; days after ``until`` (not yet
    reached) are left out. Stored points of ``key`` that ``points`` no longer
    holds are removed, so a corrected record rewrites its history. Because
    every point carries the date it happened, the figure as it stood on any
    past day is the latest point up to that day, whether the records arrived
    in one import or day by day. Returns how many signals changed. Many series
    at once: :func:`sync_series`.
    """
    return sync_series(session, source, [Series(key, kind, unit_id, points, matter_id, task_id, details)], until,
                       within=key + SERIES_MARK)
