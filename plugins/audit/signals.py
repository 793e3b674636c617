"""Turning findings into signals about units, refreshed after imports, rectifications and by ``duban tick``.

Each unit's figures are series computed from the findings' own dates, so the
figure as it stood on any past day can be read back (scoring a past on-site
visit sees the findings open the day before it, not today's). A finding is
open on day *d* when ``found_on <= d`` and it was not rectified by then
(``rectified_on`` empty or after *d*); it is overdue from the day after its
rectification deadline while open. Per unit and kind the series is stored with
:func:`core.signals.sync_series` under the key ``unit:<id>:<kind>``: one
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

Where some of a unit's findings name the matter they were found on, each
matter the unit has tasks on also gets series of its own, under the key
``unit:<id>:matter:<matter id>:<kind>``: that matter's findings and the
unit's findings that name no matter. A task reads the most specific series
(:mod:`core.scoring.features`), so a finding on one matter does not count
against the unit's other tasks; the unit's series (all its findings) stay what
circulars, rankings and the dashboard report. Matter series begin with the
unit's, at zero when nothing of theirs was open yet.
"""
from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.ledger.models import Task
from core.signals import Series, sync_series
from plugins.audit.models import Finding, Severity, Status

SOURCE = "audit"
KINDS = ("open_findings", "severe_findings", "amount_involved", "rectification_overdue_days", "repeat_findings")
GROWS_DAILY = frozenset({"rectification_overdue_days"})

Figures = dict[str, dict[date, float]]  # kind -> {day: value}


@dataclass(frozen=True)
class _Dated:
    """What the sweep needs of a finding."""

    found_on: date
    rectified_on: date | None
    due: date | None
    severe: bool
    amount: Decimal
    category: str
    matter_id: int | None = None


def series_key(unit_id: int, kind: str, matter_id: int | None = None) -> str:
    """The key of a unit's series of ``kind``, or of its series for one matter (points' refs are ``<key>@<day>``)."""
    return f"unit:{unit_id}:{kind}" if matter_id is None else f"unit:{unit_id}:matter:{matter_id}:{kind}"


def _findings(session: Session, unit_ids: Iterable[int] | None) -> dict[int, list[_Dated]]:
    """Each unit's findings, dated, from one query."""
    stmt = select(Finding.unit_id, Finding.matter_id, Finding.found_on, Finding.rectified_on, Finding.status,
                  Finding.updated_at, Finding.due, Finding.severity, Finding.amount, Finding.category)
    if unit_ids is not None:
        stmt = stmt.where(Finding.unit_id.in_(list(set(unit_ids))))
    by_unit: dict[int, list[_Dated]] = defaultdict(list)
    for (unit_id, matter_id, found_on, rectified_on, status, updated_at, due, severity, amount,
         category) in session.execute(stmt):
        if status != Status.done:
            rectified_on = None
        elif rectified_on is None:  # not expected: every way to complete a rectification dates it
            rectified_on = max(found_on, clock.local_day(updated_at))
        by_unit[unit_id].append(_Dated(found_on, rectified_on, due, severity == Severity.severe,
                                       Decimal(amount or 0), category, matter_id))
    return by_unit


def audit_series(session: Session, until: date, unit_ids: Iterable[int] | None = None) -> list[Series]:
    """The series of ``unit_ids`` (every unit with findings when None) up to ``until``, from their findings.

    Each unit's series over all its findings, and, for a unit some of whose
    findings name a matter, a series per matter it has tasks on: that matter's
    findings and the unit's untied ones (elsewhere the unit's own series say
    the same).
    """
    by_unit = _findings(session, unit_ids)
    series = [Series(series_key(unit_id, kind), kind, unit_id, points)
              for unit_id, findings in by_unit.items() for kind, points in _sweep(findings, until).items()]
    tied = [unit_id for unit_id, findings in by_unit.items() if any(f.matter_id is not None for f in findings)]
    if not tied:
        return series
    # Per tied unit, once: the day its series begin and its findings by the matter they name (None: untied).
    starts = {unit_id: min(finding.found_on for finding in by_unit[unit_id]) for unit_id in tied}
    by_matter: dict[int, dict[int | None, list[_Dated]]] = {unit_id: defaultdict(list) for unit_id in tied}
    for unit_id in tied:
        for finding in by_unit[unit_id]:
            by_matter[unit_id][finding.matter_id].append(finding)
    for unit_id, matter_id in session.execute(select(Task.unit_id, Task.matter_id)
                                              .where(Task.unit_id.in_(tied)).distinct()):
        own = by_matter[unit_id][None] + by_matter[unit_id][matter_id]
        series += [Series(series_key(unit_id, kind, matter_id), kind, unit_id, points, matter_id=matter_id)
                   for kind, points in _sweep(own, until, starts[unit_id]).items()]
    return series


def _sweep(findings: list[_Dated], until: date, start: date | None = None) -> Figures:
    """The figures on every day something changed, in one pass over the findings' dates (from ``start`` if given)."""
    found: dict[date, list[_Dated]] = defaultdict(list)
    closed: dict[date, list[_Dated]] = defaultdict(list)
    days: set[date] = set() if start is None else {start}
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
    series: Figures = {kind: {} for kind in KINDS}
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
    """Record the series of ``unit_ids`` (every unit when None) up to ``today``; returns how many signals changed.

    Written with :func:`core.signals.sync_series`: only points that differ from
    what is stored are written, so a second run changes nothing; points of units
    left without findings and the old one-per-unit snapshots (refs without a
    day) are removed.
    """
    until = today or clock.today()
    wanted = None if unit_ids is None else set(unit_ids)
    return sync_series(session, SOURCE, audit_series(session, until, wanted), until, unit_ids=wanted)
