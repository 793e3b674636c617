"""Evaluation signals per (matter, unit): weighted score, indicators below target, and the
gap between the unit's self-reported completion and its evaluation."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.ledger.models import Task
from core.signals import record_signal
from plugins.third_party_eval.results import matter_results

SOURCE = "third_party_eval"


def refresh_signals(session: Session, today: date, pairs: Iterable[tuple[int, int]]) -> int:
    """Record the signals of each ``(matter_id, unit_id)``; returns how many changed."""
    wanted: dict[int, set[int]] = {}
    for matter_id, unit_id in pairs:
        wanted.setdefault(matter_id, set()).add(unit_id)
    changed = 0
    for matter_id, unit_ids in wanted.items():
        results = {r.unit_id: r for r in matter_results(session, matter_id).units}
        tasks = {unit_id: (task_id, percent) for task_id, unit_id, percent in session.execute(
            select(Task.id, Task.unit_id, Task.percent_done).where(Task.matter_id == matter_id,
                                                                   Task.unit_id.in_(unit_ids)).order_by(Task.id))}
        for unit_id in unit_ids:
            result = results.get(unit_id)
            if result is None:
                continue
            task_id, percent = tasks.get(unit_id, (None, None))
            values = {"weighted_score": round(result.weighted, 2), "below_target": float(result.below_target)}
            if percent is not None:
                values["self_report_gap"] = round(percent - result.weighted, 2)
            for kind, value in values.items():
                _signal, did = record_signal(session, source=SOURCE, kind=kind,
                                             ref=f"matter:{matter_id}:unit:{unit_id}:{kind}", unit_id=unit_id,
                                             matter_id=matter_id, task_id=task_id, value=value, observed_on=today)
                changed += int(did)
    return changed
