"""Turning findings into signals about units, refreshed after imports, rectifications and by ``duban tick``.

Each unit's figures are series computed from the findings' own dates, so the
figure as it stood on any past day can be read back (scoring a past on-site
visit sees the findings open the day before it, not today's). A finding is
open on day *d* when ``found_on <= d`` and it was not rectified by then
(``rectified_on`` empty or after *d*); it is overdue from the day after its
rectification deadline while open. Per unit and kind the series is stored with
:func:`core.signals.record_series` under the key ``unit:<id>:<kind>``: one
signal per day on which the figure changed (a finding found, a deadline
passed, a rectification completed), up to today.

- ``open_findings``, ``severe_findings``: findings open (and severe) that day.
- ``amount_involved``: the amounts of the findings open that day, in yuan.
- ``rectification_overdue_days``: days the oldest overdue open finding is past
  its deadline. The kind grows daily: a point holds the days overdue on the day
  it was recorded, and a new point is recorded only when the oldest overdue
  finding changes (one is rectified, or none was overdue before).
- ``repeat_findings``: findings found by that day in a category the unit had
  already been found at fault in (rectified or not).

A unit's series begin on the day of its first finding.
"""
from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from core import clock
from core.db import utcnow
from core.signals import SERIES_MARK, Signal, record_series
from plugins.audit.models import Finding, Severity, Status

SOURCE = "audit"
KINDS = ("open_findings", "severe_findings", "amount_involved", "rectification_overdue_days", "repeat_findings")
GROWS_DAILY = frozenset({"rectification_overdue_days"})
CHUNK = 500
BULK_FROM = 200  # series to rewrite from which they are written in bulk statements, not point by point

Series = dict[str, dict[date, float]]  # kind -> {day: value}


@dataclass(frozen=True)
class _Dated:
    """What the sweep needs of a finding."""

    found_on: date
    rectified_on: date | None
    due: date | None
    severe: bool
    amount: Decimal
    category: str


def series_key(unit_id: int, kind: str) -> str:
    """The key of a unit's series of ``kind`` (its points' refs are ``<key>@<day>``)."""
    return f"unit:{unit_id}:{kind}"


def unit_series(session: Session, until: date, unit_ids: Iterable[int] | None = None) -> dict[int, Series]:
    """Each unit's figures as change points up to ``until``, from one query over its findings."""
    stmt = select(Finding.unit_id, Finding.found_on, Finding.rectified_on, Finding.status, Finding.updated_at,
                  Finding.due, Finding.severity, Finding.amount, Finding.category)
    if unit_ids is not None:
        stmt = stmt.where(Finding.unit_id.in_(list(set(unit_ids))))
    by_unit: dict[int, list[_Dated]] = defaultdict(list)
    for unit_id, found_on, rectified_on, status, updated_at, due, severity, amount, category in session.execute(stmt):
        if status != Status.done:
            rectified_on = None
        elif rectified_on is None:  # not expected: every way to complete a rectification dates it
            rectified_on = max(found_on, _local_day(updated_at))
        by_unit[unit_id].append(_Dated(found_on, rectified_on, due, severity == Severity.severe,
                                       Decimal(amount or 0), category))
    return {unit_id: _sweep(findings, until) for unit_id, findings in by_unit.items()}


def _local_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(clock.zone()).date()


def _sweep(findings: list[_Dated], until: date) -> Series:
    """The figures on every day something changed, in one pass over the findings' dates."""
    found: dict[date, list[_Dated]] = defaultdict(list)
    closed: dict[date, list[_Dated]] = defaultdict(list)
    days: set[date] = set()
    for finding in findings:
        found[finding.found_on].append(finding)
        days.add(finding.found_on)
        if finding.rectified_on is not None:
            closed[finding.rectified_on].append(finding)
            days.add(finding.rectified_on)
        if finding.due is not None:
            days.add(finding.due + timedelta(days=1))
    open_count = severe = 0
    amount = Decimal(0)
    categories: Counter[str] = Counter()
    repeats = 0
    dues: list[date] = []  # the deadlines of open findings, a heap; rectified ones are taken out lazily
    gone: Counter[date] = Counter()
    series: Series = {kind: {} for kind in KINDS}
    last: dict[str, tuple[date, float]] = {}
    for day in sorted(d for d in days if d <= until):
        for finding in found.get(day, ()):
            open_count += 1
            severe += finding.severe
            amount += finding.amount
            repeats += 1 if categories[finding.category] else 0
            categories[finding.category] += 1
            if finding.due is not None:
                heapq.heappush(dues, finding.due)
        for finding in closed.get(day, ()):
            open_count -= 1
            severe -= finding.severe
            amount -= finding.amount
            if finding.due is not None:
                gone[finding.due] += 1
        while dues and gone[dues[0]]:
            gone[heapq.heappop(dues)] -= 1
        overdue = (day - dues[0]).days if dues and dues[0] < day else 0
        values = {"open_findings": open_count, "severe_findings": severe, "amount_involved": float(amount),
                  "rectification_overdue_days": overdue, "repeat_findings": repeats}
        for kind, value in values.items():
            previous = last.get(kind)
            if previous is not None and _expected(kind, previous, day) == value:
                continue
            series[kind][day] = float(value)
            last[kind] = (day, float(value))
    return series


def _expected(kind: str, previous: tuple[date, float], day: date) -> float:
    """The value a series holds on ``day`` without a new point (days overdue go on growing)."""
    since, value = previous
    if kind in GROWS_DAILY and value > 0:
        return value + (day - since).days
    return value


def refresh_signals(session: Session, today: date | None = None, unit_ids: Iterable[int] | None = None) -> int:
    """Record the series of ``unit_ids`` (every unit with findings or audit signals when None) up to ``today``.

    Only series that differ from what is stored are rewritten, so a second run
    changes nothing. Points of units left without findings and the old
    one-per-unit snapshots (refs without a date) are removed. Returns how many
    signals changed.
    """
    until = today or clock.today()
    wanted_units = None if unit_ids is None else set(unit_ids)
    computed = unit_series(session, until, wanted_units)
    stored, stale = _stored(session, wanted_units)
    rewrite = [(unit_id, kind, points) for unit_id, series in computed.items() for kind, points in series.items()
               if {day: value for day, (_id, value) in stored.get(series_key(unit_id, kind), {}).items()} != points]
    changed = 0
    if len(rewrite) < BULK_FROM:
        for unit_id, kind, points in rewrite:
            changed += record_series(session, source=SOURCE, kind=kind, key=series_key(unit_id, kind),
                                     unit_id=unit_id, points=points, until=until)
    else:
        changed += _write_in_bulk(session, rewrite, stored)
    for key in stored.keys() - {series_key(u, k) for u in computed for k in KINDS}:
        stale.extend(signal_id for signal_id, _value in stored[key].values())
    _delete(session, stale)
    return changed + len(stale)


def _stored(session: Session, unit_ids: set[int] | None) -> tuple[dict[str, dict[date, tuple[int, float]]], list[int]]:
    """Stored points (id, value) by series key and day, and the ids of old snapshots (refs without a day)."""
    stmt = select(Signal.id, Signal.ref, Signal.value).where(Signal.source == SOURCE)
    if unit_ids is not None:
        stmt = stmt.where(Signal.unit_id.in_(list(unit_ids)))
    stored: dict[str, dict[date, tuple[int, float]]] = defaultdict(dict)
    stale: list[int] = []
    for signal_id, ref, value in session.execute(stmt):
        key, mark, day = ref.rpartition(SERIES_MARK)
        if not mark:
            stale.append(signal_id)
            continue
        stored[key][date.fromisoformat(day)] = (signal_id, value)
    return stored, stale


def _delete(session: Session, ids: list[int]) -> None:
    for start in range(0, len(ids), CHUNK):
        session.execute(delete(Signal).where(Signal.id.in_(ids[start:start + CHUNK])))


def _write_in_bulk(session: Session, rewrite: list[tuple[int, str, dict[date, float]]],
                   stored: dict[str, dict[date, tuple[int, float]]]) -> int:
    """What :func:`record_series` does for each series, in a few statements for many series at once.

    Writing the first history of every unit (after an upgrade, or a file of
    thousands of findings) point by point costs a query and a flush per point;
    here new points are inserted, changed ones updated and stale ones deleted
    with ``executemany``. ``duban_signal_recorded`` is still called on every
    new or changed signal.
    """
    now = utcnow()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    stale: list[int] = []
    for unit_id, kind, points in rewrite:
        key = series_key(unit_id, kind)
        have = stored.get(key, {})
        for day, value in points.items():
            if day not in have:
                inserts.append({"source": SOURCE, "kind": kind, "ref": f"{key}{SERIES_MARK}{day.isoformat()}",
                                "unit_id": unit_id, "matter_id": None, "task_id": None, "value": value,
                                "observed_on": day, "details": {}, "recorded_at": now})
            elif have[day][1] != value:
                updates.append({"b_id": have[day][0], "value": value, "recorded_at": now})
        stale.extend(signal_id for day, (signal_id, _value) in have.items() if day not in points)
    table = Signal.__table__
    if inserts:
        session.execute(insert(table), inserts)
    if updates:
        session.execute(update(table).where(table.c.id == bindparam("b_id")).values(
            value=bindparam("value"), recorded_at=bindparam("recorded_at")), updates)
        updated = {row["b_id"] for row in updates}
        for signal in [o for o in session.identity_map.values() if isinstance(o, Signal) and o.id in updated]:
            session.expire(signal)
    _delete(session, stale)
    _announce(session, [row["ref"] for row in inserts], [row["b_id"] for row in updates])
    return len(inserts) + len(updates) + len(stale)


def _announce(session: Session, refs: list[str], ids: list[int]) -> None:
    """Call ``duban_signal_recorded`` on the signals written in bulk, when a plugin listens."""
    pm = session.info.get("plugins")
    if pm is None or not pm.hook.duban_signal_recorded.get_hookimpls():
        return
    for column, values in ((Signal.ref, refs), (Signal.id, ids)):
        for start in range(0, len(values), CHUNK):
            condition = column.in_(values[start:start + CHUNK])
            for signal in session.scalars(select(Signal).where(Signal.source == SOURCE, condition)):
                pm.hook.duban_signal_recorded(session=session, signal=signal)
