"""Turning tips into signals per unit and per (unit, matter) over recent windows.

``tips_recent``    tips received in the last 90 days
``cluster_size``   the largest cluster among those tips (public attention)
``verified_share`` share of decided tips found true (only where some were decided)
``answers_overdue`` tips handed over whose answer is late
``media_reports``  media tips in the last 90 days

One signal per kind, unit, matter and day (``ref`` carries the date), so running
``duban tick`` twice a day changes nothing and the history stays readable.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.ledger.models import Task
from core.signals import record_signal
from plugins.media_tips.models import Tip, TipCluster, TipSource

SOURCE = "media_tips"
WINDOW_DAYS = 90

Key = tuple[int, int | None]  # (unit id, matter id or None for the unit as a whole)


def compute(session: Session, today: date) -> dict[str, dict[Key, float]]:
    """Signal values by kind, then by (unit, matter); aggregated in SQL."""
    since = today - timedelta(days=WINDOW_DAYS)
    values: dict[str, dict[Key, float]] = defaultdict(dict)
    rows = session.execute(
        select(Tip.unit_id, Tip.matter_id, func.count(Tip.id),
               func.sum(case((Tip.source == TipSource.media, 1), else_=0)),
               func.max(func.coalesce(TipCluster.size, 1)))
        .outerjoin(TipCluster, TipCluster.id == Tip.cluster_id)
        .where(Tip.unit_id.is_not(None), Tip.received_on >= since)
        .group_by(Tip.unit_id, Tip.matter_id))
    for unit_id, matter_id, count, media, cluster in rows:
        for key in _keys(unit_id, matter_id):
            values["tips_recent"][key] = values["tips_recent"].get(key, 0) + count
            values["media_reports"][key] = values["media_reports"].get(key, 0) + (media or 0)
            values["cluster_size"][key] = max(values["cluster_size"].get(key, 0), cluster or 1)
    decided: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for unit_id, matter_id, verified, total in session.execute(
            select(Tip.unit_id, Tip.matter_id,
                   func.sum(case((Tip.outcome == "verified", 1), else_=0)), func.count(Tip.id))
            .where(Tip.unit_id.is_not(None), Tip.outcome != "", Tip.received_on >= since)
            .group_by(Tip.unit_id, Tip.matter_id)):
        for key in _keys(unit_id, matter_id):
            decided[key][0] += verified or 0
            decided[key][1] += total
    for key, (verified, total) in decided.items():
        values["verified_share"][key] = round(verified / total, 4)
    for unit_id, matter_id, count in session.execute(
            select(Tip.handed_unit_id, Tip.matter_id, func.count(Tip.id))
            .where(Tip.answer_overdue(today), Tip.handed_unit_id.is_not(None))
            .group_by(Tip.handed_unit_id, Tip.matter_id)):
        for key in _keys(unit_id, matter_id):
            values["answers_overdue"][key] = values["answers_overdue"].get(key, 0) + count
    return values


def _keys(unit_id: int, matter_id: int | None) -> list[Key]:
    return [(unit_id, None)] if matter_id is None else [(unit_id, None), (unit_id, matter_id)]


def refresh_signals(session: Session, today: date) -> int:
    """Record today's signals through :func:`core.signals.record_signal`; returns how many changed."""
    values = compute(session, today)
    pairs = {key for by_key in values.values() for key in by_key if key[1] is not None}
    tasks: dict[Key, int] = {}
    if pairs:
        matter_ids = {matter_id for _unit, matter_id in pairs}
        for task_id, unit_id, matter_id in session.execute(
                select(Task.id, Task.unit_id, Task.matter_id).where(Task.matter_id.in_(matter_ids))
                .order_by(Task.id)):
            tasks.setdefault((unit_id, matter_id), task_id)
    changed = 0
    for kind, by_key in sorted(values.items()):
        for (unit_id, matter_id), value in sorted(by_key.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
            _signal, did_change = record_signal(
                session, source=SOURCE, kind=kind, ref=f"{kind}:{unit_id}:{matter_id or 0}:{today.isoformat()}",
                unit_id=unit_id, matter_id=matter_id, task_id=tasks.get((unit_id, matter_id)) if matter_id else None,
                value=value, observed_on=today, details={"window_days": WINDOW_DAYS})
            changed += did_change
    return changed
