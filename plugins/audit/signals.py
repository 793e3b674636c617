"""Turning findings into signals about units, refreshed after imports and by ``duban tick``.

One signal per unit and kind, with the reference ``unit:<id>:<kind>``, so a
refresh updates the stored value instead of piling up new ones.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.signals import Signal, record_signal
from plugins.audit.models import Finding, Severity, Status

SOURCE = "audit"
KINDS = ("open_findings", "severe_findings", "amount_involved", "rectification_overdue_days", "repeat_findings")


def unit_figures(session: Session, today: date, unit_ids: Iterable[int] | None = None) -> dict[int, dict[str, float]]:
    """Each unit's figures (open and severe findings, amount, overdue days, repeats), in SQL."""
    open_ = Finding.status != Status.done
    overdue_days = case((open_ & (Finding.due < today), Finding.due), else_=None)
    stmt = select(
        Finding.unit_id,
        func.sum(case((open_, 1), else_=0)),
        func.sum(case((open_ & (Finding.severity == Severity.severe), 1), else_=0)),
        func.sum(case((open_, func.coalesce(Finding.amount, 0)), else_=0)),
        func.min(overdue_days),
    ).group_by(Finding.unit_id)
    repeats = select(Finding.unit_id, Finding.category, func.count().label("n")).group_by(
        Finding.unit_id, Finding.category)
    if unit_ids is not None:
        wanted = list(set(unit_ids))
        stmt = stmt.where(Finding.unit_id.in_(wanted))
        repeats = repeats.where(Finding.unit_id.in_(wanted))
    figures: dict[int, dict[str, float]] = {}
    for unit_id, open_count, severe, amount, oldest_due in session.execute(stmt):
        overdue = (today - _as_date(oldest_due)).days if oldest_due is not None else 0
        figures[unit_id] = {"open_findings": float(open_count or 0), "severe_findings": float(severe or 0),
                            "amount_involved": float(amount or 0), "rectification_overdue_days": float(overdue),
                            "repeat_findings": 0.0}
    for unit_id, _category, count in session.execute(repeats.subquery().select()):
        if count > 1 and unit_id in figures:
            figures[unit_id]["repeat_findings"] += count - 1
    return figures


def _as_date(value: object) -> date:
    # SQLite hands MIN() over a date column back as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def refresh_signals(session: Session, today: date, unit_ids: Iterable[int] | None = None) -> int:
    """Record the current figures of ``unit_ids`` (every unit with findings when None); returns changes."""
    figures = unit_figures(session, today, unit_ids)
    if unit_ids is not None:
        # A unit whose last finding moved elsewhere keeps a signal: set it to zero.
        for unit_id in set(unit_ids) - set(figures):
            figures[unit_id] = dict.fromkeys(KINDS, 0.0)
    stored = {(signal.unit_id, signal.kind): signal.value for signal in session.scalars(
        select(Signal).where(Signal.source == SOURCE, Signal.unit_id.in_(list(figures))))} if figures else {}
    changed = 0
    for unit_id, values in figures.items():
        for kind, value in values.items():
            if stored.get((unit_id, kind)) == value:
                continue
            _signal, did_change = record_signal(session, source=SOURCE, kind=kind, ref=f"unit:{unit_id}:{kind}",
                                                unit_id=unit_id, value=value, observed_on=today)
            changed += int(did_change)
    return changed
