"""Turning tips into signals per unit and per (unit, matter), as they stood on each day.

``tips_recent``     tips received in the last 90 days
``media_reports``   media tips received in the last 90 days
``cluster_size``    the largest cluster among those tips (public attention)
``verified_share``  share of those tips already decided that were found true
``answers_overdue`` tips handed over whose answer is late (by the unit they were handed to)

Every kind is a time series rebuilt from the tips' own dates, so a history that
arrives by import has a value for every past day, exactly as if it had been
entered day by day:

- a tip counts from its ``received_on`` and leaves the window 90 days later;
- a cluster's size on a day counts its members received by that day;
- a tip counts as decided from the day of its decision (the triage step to
  verified or unfounded, read from the tip's events in the instance's time zone;
  a decision without such a step counts from the tip's ``received_on``);
- an answer is overdue from the day after ``answer_due`` (and not before the
  hand-over, ``handed_at``) until the day of the answer (``answered_at``) or of
  the decision that ended the hand-over.

Each figure is stored through :func:`core.signals.sync_series`: one signal on
each day its value changed, up to today. A refresh reads everything in a few
queries, sweeps the days in Python, and writes only the series that differ from
what is stored, so running ``duban tick`` twice changes nothing.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import clock
from core.ledger.models import Task
from core.signals import Series, change_points, sync_series
from plugins.media_tips.models import Tip, TipEvent, TipSource, TipState

SOURCE = "media_tips"
WINDOW_DAYS = 90
WINDOW = timedelta(days=WINDOW_DAYS)
KINDS = ("tips_recent", "media_reports", "cluster_size", "verified_share", "answers_overdue")
DECIDED = (TipState.verified.value, TipState.unfounded.value)

Key = tuple[int, int | None]  # (unit id, matter id or None for the unit as a whole)
SeriesKey = tuple[str, int, int | None]  # (kind, unit id, matter id or None)
Points = dict[date, float]


@dataclass(frozen=True)
class TipFacts:
    """What the window kinds need of one tip, with its dates as calendar days."""

    received_on: date
    media: bool
    cluster_id: int | None
    decided_on: date | None
    verified: bool


def _after(day: date, delta: timedelta) -> date:
    """``day + delta``, or the calendar's last day (a due date typed as 9999-12-31 is still a date)."""
    return day + delta if day <= date.max - delta else date.max


def compute_series(session: Session, until: date) -> dict[SeriesKey, Points]:
    """Every kind's change points per (unit, matter), up to ``until``; a few queries and a sweep."""
    rows = session.execute(
        select(Tip.id, Tip.unit_id, Tip.matter_id, Tip.received_on, Tip.source, Tip.cluster_id, Tip.outcome,
               Tip.state, Tip.handed_unit_id, Tip.handed_at, Tip.answer_due, Tip.answered_at)
        .where(or_(Tip.unit_id.is_not(None), Tip.handed_unit_id.is_not(None)))).all()
    decided_on: dict[int, date] = {}
    left_handover: dict[int, date] = {}
    for tip_id, state_from, state_to, at in session.execute(
            select(TipEvent.tip_id, TipEvent.state_from, TipEvent.state_to, TipEvent.at)
            .where(or_(TipEvent.state_to.in_(DECIDED), TipEvent.state_from == TipState.handed_over.value))
            .order_by(TipEvent.id)):
        day = clock.local_day(at)
        if state_to in DECIDED:
            decided_on[tip_id] = day
        if state_from == TipState.handed_over.value:
            left_handover[tip_id] = day
    members: dict[int, list[date]] = defaultdict(list)
    for cluster_id, received_on in session.execute(
            select(Tip.cluster_id, Tip.received_on).where(Tip.cluster_id.is_not(None))):
        if cluster_id is not None:  # selected so; this tells the type
            members[cluster_id].append(received_on)
    for days in members.values():
        days.sort()

    by_key: dict[Key, list[TipFacts]] = defaultdict(list)
    overdue: dict[Key, list[tuple[date, date | None]]] = defaultdict(list)
    for (tip_id, unit_id, matter_id, received_on, source, cluster_id, outcome, state, handed_unit_id, handed_at,
         answer_due, answered_at) in rows:
        if unit_id is not None:
            decided = decided_on.get(tip_id, received_on) if outcome else None
            facts = TipFacts(received_on, source == TipSource.media, cluster_id, decided, outcome == "verified")
            for key in _keys(unit_id, matter_id):
                by_key[key].append(facts)
        if handed_unit_id is not None and answer_due is not None:
            span = _overdue_span(received_on if handed_at is None else clock.local_day(handed_at), answer_due,
                                 None if answered_at is None else clock.local_day(answered_at),
                                 left_handover.get(tip_id), still_handed=state == TipState.handed_over)
            if span is not None:
                for key in _keys(handed_unit_id, matter_id):
                    overdue[key].append(span)

    series: dict[SeriesKey, Points] = {}
    for (unit_id, matter_id), key_facts in by_key.items():
        for kind, points in _window_series(key_facts, members, until).items():
            if points:
                series[(kind, unit_id, matter_id)] = points
    for (unit_id, matter_id), spans in overdue.items():
        points = _count_series(spans, until)
        if points:
            series[("answers_overdue", unit_id, matter_id)] = points
    return series


def _keys(unit_id: int, matter_id: int | None) -> list[Key]:
    return [(unit_id, None)] if matter_id is None else [(unit_id, None), (unit_id, matter_id)]


def _overdue_span(handed: date, due: date, answered: date | None, left: date | None, *,
                  still_handed: bool) -> tuple[date, date | None] | None:
    """The days ``[start, end)`` on which the answer was overdue (``end`` None: it still is)."""
    start = max(handed, _after(due, timedelta(days=1)))
    ends = [day for day in (answered, left) if day is not None]
    if not ends and not still_handed:
        return None  # the hand-over ended on a day nothing records: never counted as overdue
    end = min(ends) if ends else None
    return None if end is not None and end <= start else (start, end)


def _count_series(spans: Iterable[tuple[date, date | None]], until: date) -> Points:
    """How many spans hold on each day they start or end, as change points."""
    delta: Counter[date] = Counter()
    for start, end in spans:
        delta[start] += 1
        if end is not None:
            delta[end] -= 1
    running = 0
    values = []
    for day in sorted(delta):
        if day > until:
            break
        running += delta[day]
        values.append((day, float(running)))
    return change_points(values)


def _window_series(tips: list[TipFacts], members: dict[int, list[date]], until: date) -> dict[str, Points]:
    """The 90-day window kinds of one (unit, matter), evaluated on each day one of them may change."""
    tips = sorted(tips, key=lambda tip: tip.received_on)
    days: set[date] = set()
    for tip in tips:
        leaves = _after(tip.received_on, WINDOW)
        days.update((tip.received_on, leaves))
        if tip.decided_on is not None and tip.decided_on < leaves:
            days.add(max(tip.decided_on, tip.received_on))
        if tip.cluster_id is not None:
            arrivals = members.get(tip.cluster_id, [])
            days.update(arrivals[bisect_left(arrivals, tip.received_on):bisect_left(arrivals, leaves)])
    values: dict[str, list[tuple[date, float]]] = {kind: [] for kind in KINDS[:3]}
    shares: list[tuple[date, float | None]] = []
    first = last = 0  # the window is tips[first:last]
    media = singles = 0
    clusters: Counter[int] = Counter()
    for day in sorted(day for day in days if day <= until):
        while last < len(tips) and tips[last].received_on <= day:
            media, singles = _enter(tips[last], +1, clusters, media, singles)
            last += 1
        while first < last and _after(tips[first].received_on, WINDOW) <= day:
            media, singles = _enter(tips[first], -1, clusters, media, singles)
            first += 1
        largest = max((bisect_right(members.get(cluster, []), day) for cluster in clusters), default=0)
        values["tips_recent"].append((day, float(last - first)))
        values["media_reports"].append((day, float(media)))
        values["cluster_size"].append((day, float(max(largest, 1 if singles else 0))))
        decided = [tip.verified for tip in tips[first:last] if tip.decided_on is not None and tip.decided_on <= day]
        shares.append((day, round(sum(decided) / len(decided), 4) if decided else None))
    result = {kind: change_points(points) for kind, points in values.items()}
    result["verified_share"] = _share_points(shares)
    return result


def _enter(tip: TipFacts, step: int, clusters: Counter[int], media: int, singles: int) -> tuple[int, int]:
    """Add (``step`` +1) or remove (-1) a tip from the window's running counts."""
    if tip.cluster_id is None:
        singles += step
    else:
        clusters[tip.cluster_id] += step
        if clusters[tip.cluster_id] == 0:
            del clusters[tip.cluster_id]
    return media + step * tip.media, singles


def _share_points(shares: list[tuple[date, float | None]]) -> Points:
    """Change points of a share that is missing until the first decision, then 0 when none is left."""
    points: Points = {}
    last: float | None = None
    for day, share in shares:
        if share is None:
            if last is None:
                continue
            share = 0.0
        if share != last:
            points[day] = share
            last = share
    return points


def series_key(kind: str, unit_id: int, matter_id: int | None) -> str:
    """The series' name: its signals' refs are ``<kind>:<unit>:<matter or 0>@<YYYY-MM-DD>``."""
    return f"{kind}:{unit_id}:{matter_id or 0}"


def refresh_signals(session: Session, today: date) -> int:
    """Rewrite the stored series to match the tips, up to ``today``; returns how many signals changed.

    Series that no longer hold (a tip relinked to another matter) and signals of
    the former one-per-day form (refs without a date mark) are removed.
    """
    series = compute_series(session, today)
    pairs = {(unit_id, matter_id) for _kind, unit_id, matter_id in series if matter_id is not None}
    tasks: dict[Key, int] = {}
    if pairs:
        for task_id, unit_id, matter_id in session.execute(
                select(Task.id, Task.unit_id, Task.matter_id)
                .where(Task.matter_id.in_({matter_id for _unit, matter_id in pairs})).order_by(Task.id)):
            tasks.setdefault((unit_id, matter_id), task_id)
    return sync_series(session, SOURCE, [
        Series(series_key(kind, unit_id, matter_id), kind, unit_id, points, matter_id,
               tasks.get((unit_id, matter_id)) if matter_id is not None else None, {"window_days": WINDOW_DAYS})
        for (kind, unit_id, matter_id), points in series.items()], today)
