"""Evaluation signals per (matter, unit), one per evaluation: weighted score, indicators below
target, and the gap between the unit's self-reported completion and its evaluation.

Every batch (evaluation period) of a (matter, unit) counts, dated on the day
the unit was evaluated in it (see :func:`evaluation_history`); a corrected
version of a batch replaces that batch's point, never another period's. Each
kind is stored with :func:`core.signals.sync_series` under the key
``matter:<m>:unit:<u>:<kind>``, so scoring a past day sees the evaluations
made by then. The self-reported percent compared is the one the unit's task
stood at on the evaluation day: its last progress report filed by the end of
that day (100 once closed); a task that never filed a report is compared with
its percent as the ledger holds it now (it has no dated history).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.ledger.models import Task
from core.ledger.report_models import ProgressReport
from core.signals import Series, sync_series
from plugins.third_party_eval.models import Batch, BatchState, Score
from plugins.third_party_eval.results import evaluation_history

SOURCE = "third_party_eval"
KINDS = ("weighted_score", "below_target", "self_report_gap")

Pair = tuple[int, int]  # matter id, unit id


def series_key(matter_id: int, unit_id: int, kind: str) -> str:
    """The key of a (matter, unit)'s series of ``kind`` (its points' refs are ``<key>@<day>``)."""
    return f"matter:{matter_id}:unit:{unit_id}:{kind}"


def refresh_signals(session: Session, today: date | None, pairs: Iterable[Pair]) -> int:
    """Record the series of the units of ``pairs`` (every matter they were scored on) up to ``today``.

    Written with :func:`core.signals.sync_series` for those units: points equal
    to what is stored are left alone, so refreshing twice changes nothing; points
    no current batch holds any more and the old undated signals
    (``matter:<m>:unit:<u>:<kind>``) are removed. Returns how many signals changed.
    """
    units = {unit_id for _matter_id, unit_id in pairs}
    if not units:
        return 0
    scored = select(Batch.matter_id, Score.unit_id).join(Batch, Batch.id == Score.batch_id).where(
        Batch.state == BatchState.current, Score.unit_id.in_(units)).distinct()
    wanted = set(pairs) | {(matter_id, unit_id) for matter_id, unit_id in session.execute(scored)}
    return _sync(session, today or clock.today(), wanted, units)


def refresh_all(session: Session, today: date | None = None) -> int:
    """Refresh every (matter, unit) with current scores; evaluation signals of any other are removed."""
    scored = select(Batch.matter_id, Score.unit_id).join(Batch, Batch.id == Score.batch_id).where(
        Batch.state == BatchState.current).distinct()
    wanted = {(matter_id, unit_id) for matter_id, unit_id in session.execute(scored)}
    return _sync(session, today or clock.today(), wanted, None)


def _sync(session: Session, until: date, pairs: set[Pair], units: set[int] | None) -> int:
    history = evaluation_history(session, pairs)
    tasks = _tasks(session, pairs)
    percents = _percent_history(session, [task_id for task_id, _percent in tasks.values()])
    series: list[Series] = []
    for matter_id, unit_id in sorted(pairs):
        task_id, current = tasks.get((matter_id, unit_id), (None, None))
        points: dict[str, dict[date, float]] = {kind: {} for kind in KINDS}
        for day, result in history.get((matter_id, unit_id), {}).items():
            points["weighted_score"][day] = round(result.weighted, 2)
            points["below_target"][day] = float(result.below_target)
            percent = _percent_on(percents.get(task_id), current, day) if task_id is not None else None
            if percent is not None:
                points["self_report_gap"][day] = round(percent - result.weighted, 2)
        series.extend(Series(series_key(matter_id, unit_id, kind), kind, unit_id, values, matter_id, task_id)
                      for kind, values in points.items())
    return sync_series(session, SOURCE, series, until, unit_ids=units)


def _tasks(session: Session, pairs: set[Pair]) -> dict[Pair, tuple[int, int]]:
    """The (first) task of each pair, with its percent done as the ledger holds it."""
    found: dict[Pair, tuple[int, int]] = {}
    stmt = (select(Task.matter_id, Task.unit_id, Task.id, Task.percent_done)
            .where(Task.matter_id.in_({m for m, _u in pairs}), Task.unit_id.in_({u for _m, u in pairs}))
            .order_by(Task.id))
    for matter_id, unit_id, task_id, percent in session.execute(stmt):
        if (matter_id, unit_id) in pairs:
            found.setdefault((matter_id, unit_id), (task_id, percent))
    return found


def _percent_history(session: Session, task_ids: list[int]) -> dict[int, list[tuple[datetime, int]]]:
    """Every task's self-reported percents in the order filed, closing counting as 100."""
    history: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    if not task_ids:
        return history
    for task_id, at, percent in session.execute(
            select(ProgressReport.task_id, ProgressReport.submitted_at, ProgressReport.percent_done)
            .where(ProgressReport.task_id.in_(task_ids))):
        history[task_id].append((_aware(at), percent))
    for task_id, closed_at in session.execute(select(Task.id, Task.closed_at).where(
            Task.id.in_(task_ids), Task.closed_at.is_not(None))):
        if closed_at is not None:  # selected so; this tells the type
            history[task_id].append((_aware(closed_at), 100))
    for reports in history.values():
        reports.sort()
    return history


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _percent_on(reports: list[tuple[datetime, int]] | None, current: int | None, day: date) -> float | None:
    """The percent the task stood at by the end of ``day`` in the instance's time zone."""
    if not reports:
        return None if current is None else float(current)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=clock.zone())
    before = [percent for at, percent in reports if at < end]
    return float(before[-1]) if before else 0.0
