"""Turning orders into signals per unit and per (unit, matter), as they stood on each day.

``complaints``          complaints and reports of wrongdoing received in the last 90 days
``repeat_complaints``   of those, the ones received within 90 days after an earlier order about the
                        same unit and matter was closed: the problem came back
``dissatisfied_share``  share of the orders rated in the last 90 days (by the day they were closed)
                        that the caller rated dissatisfied
``overdue``             orders open longer than ``overdue_after_days`` (a setting, 15 by default),
                        counted from that day until the day they were closed

A call the tips plugin already holds as a tip (a tip of source ``hotline`` whose ref is the order
number, :func:`core.plugins.refs_held`) is counted there: it is left out of ``complaints`` and
``repeat_complaints`` here. How it was handled (rating, closing late) still counts, since a tip
measures neither. Each figure is a time series rebuilt from the orders' own dates and stored
through :func:`core.signals.sync_series`, so refreshing twice changes nothing.
"""
from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.ledger.models import Task
from core.plugins import refs_held
from core.signals import Series, change_points, sync_series
from duban_hotline.models import COMPLAINTS, Order, Satisfaction

SOURCE = "hotline_orders"
#: The channel tips from the 12345 hotline carry (the tips plugin's source ``hotline``).
CHANNEL = "hotline"
WINDOW = timedelta(days=90)
OVERDUE_AFTER_DAYS = 15
KINDS = ("complaints", "repeat_complaints", "dissatisfied_share", "overdue")

Key = tuple[int, int | None]  # (unit id, matter id or None for the unit as a whole)
Points = dict[date, float]


@dataclass(frozen=True)
class Facts:
    """What the series need of one order, its times as the instance's calendar days."""

    number: str
    received_at: datetime
    received_on: date
    complaint: bool
    closed_at: datetime | None
    closed_on: date | None
    dissatisfied: bool | None  # None: not rated


def overdue_after_days() -> int:
    """The instance's ``overdue_after_days`` where Duban runs the plugin, else its default."""
    try:
        from web.plugin_api import settings

        return settings(SOURCE).typed("overdue_after_days", int)
    except RuntimeError:  # no application (a script building the series on its own)
        return OVERDUE_AFTER_DAYS


def held_as_tips(session: Session, numbers: Iterable[str]) -> set[str]:
    """The order numbers another plugin already holds as hotline tips (counted there, not here)."""
    pm = session.info.get("plugins")
    return refs_held(pm, session, CHANNEL, numbers) if pm is not None else set()


def compute_series(session: Session, until: date, overdue_days: int) -> dict[tuple[str, int, int | None], Points]:
    """Every kind's change points per (unit, matter), up to ``until``."""
    rows = session.execute(select(Order.number, Order.unit_id, Order.matter_id, Order.received_at, Order.category,
                                  Order.closed_at, Order.satisfaction)).all()
    held = held_as_tips(session, [row.number for row in rows])
    by_key: dict[Key, list[Facts]] = defaultdict(list)
    for number, unit_id, matter_id, received_at, category, closed_at, satisfaction in rows:
        facts = Facts(number, received_at, clock.local_day(received_at), category in COMPLAINTS, closed_at,
                      clock.local_day(closed_at) if closed_at is not None else None,
                      None if satisfaction is None else satisfaction == Satisfaction.dissatisfied)
        keys: list[Key] = [(unit_id, None)] if matter_id is None else [(unit_id, None), (unit_id, matter_id)]
        for key in keys:
            by_key[key].append(facts)
    series: dict[tuple[str, int, int | None], Points] = {}
    for (unit_id, matter_id), orders in by_key.items():
        for kind, points in _key_series(orders, held, until, overdue_days).items():
            if points:
                series[(kind, unit_id, matter_id)] = points
    return series


def _key_series(orders: list[Facts], held: set[str], until: date, overdue_days: int) -> dict[str, Points]:
    orders = sorted(orders, key=lambda order: order.received_at)
    counted = [order for order in orders if order.complaint and order.number not in held]
    complaints = _window_counts(order.received_on for order in counted)
    closings = sorted(order.closed_at for order in orders if order.closed_at is not None)
    repeats = _window_counts(order.received_on for order in counted if _is_repeat(order.received_at, closings))
    rated = [order for order in orders if order.dissatisfied is not None]
    share = _window_share([(order.closed_on or order.received_on, bool(order.dissatisfied)) for order in rated])
    late = timedelta(days=overdue_days)
    spans = [(order.received_on + late, order.closed_on) for order in orders
             if order.closed_on is None or order.closed_on > order.received_on + late]
    overdue = _span_counts(spans)
    return {kind: {day: value for day, value in points.items() if day <= until}
            for kind, points in (("complaints", complaints), ("repeat_complaints", repeats),
                                 ("dissatisfied_share", share), ("overdue", overdue))}


def _is_repeat(received_at: datetime, closings: list[datetime]) -> bool:
    """An order about the same unit and matter was closed within the 90 days before this one came in."""
    return bisect_left(closings, received_at) > bisect_left(closings, received_at - WINDOW)


def _window_counts(days: Iterable[date]) -> Points:
    """How many of ``days`` fall in the 90 days up to each day, as change points."""
    return _span_counts((day, day + WINDOW) for day in days)


def _span_counts(spans: Iterable[tuple[date, date | None]]) -> Points:
    """How many spans ``[start, end)`` hold on each day one starts or ends, as change points."""
    delta: Counter[date] = Counter()
    for start, end in spans:
        delta[start] += 1
        if end is not None:
            delta[end] -= 1
    running = 0
    values = []
    for day in sorted(delta):
        running += delta[day]
        values.append((day, float(running)))
    return change_points(values)


def _window_share(ratings: list[tuple[date, bool]]) -> Points:
    """The share of ratings in the last 90 days that were dissatisfied; 0 once none is left in the window."""
    rated: Counter[date] = Counter()
    bad: Counter[date] = Counter()
    for day, dissatisfied in ratings:
        rated[day] += 1
        rated[day + WINDOW] -= 1
        if dissatisfied:
            bad[day] += 1
            bad[day + WINDOW] -= 1
    points: Points = {}
    count = worse = 0
    last: float | None = None
    for day in sorted(set(rated) | set(bad)):
        count += rated[day]
        worse += bad[day]
        share = round(worse / count, 4) if count else 0.0
        if share != last:
            points[day] = share
            last = share
    return points


def series_key(kind: str, unit_id: int, matter_id: int | None) -> str:
    """The series' name: its signals' refs are ``<kind>:<unit>:<matter or 0>@<YYYY-MM-DD>``."""
    return f"{kind}:{unit_id}:{matter_id or 0}"


def refresh_signals(session: Session, today: date | None = None) -> int:
    """Rewrite the hotline's stored series to match the orders, up to ``today``; returns how many signals changed."""
    today = today or clock.today()
    series = compute_series(session, today, overdue_after_days())
    matter_ids = {matter_id for _kind, _unit, matter_id in series if matter_id is not None}
    tasks: dict[Key, int] = {}
    if matter_ids:
        for task_id, unit_id, matter_id in session.execute(
                select(Task.id, Task.unit_id, Task.matter_id).where(Task.matter_id.in_(matter_ids)).order_by(Task.id)):
            tasks.setdefault((unit_id, matter_id), task_id)
    return sync_series(session, SOURCE, [
        Series(series_key(kind, unit_id, matter_id), kind, unit_id, points, matter_id,
               tasks.get((unit_id, matter_id)) if matter_id is not None else None, {"window_days": WINDOW.days})
        for (kind, unit_id, matter_id), points in series.items()], today)
