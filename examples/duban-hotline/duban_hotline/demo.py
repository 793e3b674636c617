"""The hotline's part of the demo province: a year of 12345 orders about the ledger's tasks.

Units whose tasks lag draw more complaints, some of them again after an order was closed,
and their callers are less often satisfied; a few orders are still open past the deadline.
"""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.ledger.models import Task, TaskState
from duban_hotline.models import Category, Order, Satisfaction
from duban_hotline.signals import refresh_signals

# How often callers complain about a task, by how it stands.
RATE = {TaskState.returned: 6, TaskState.dispatched: 4, TaskState.signed: 3, TaskState.reported: 3,
        TaskState.accepted: 1, TaskState.closed: 1}
OPENINGS = ["群众来电反映：", "市民来电称：", "来电人反映："]
KINDS = [Category.complaint] * 5 + [Category.report, Category.help, Category.inquiry, Category.suggestion]


def seed(session: Session, today: date) -> None:
    """Add about a year of orders for the demo's tasks and bring the hotline's signals to ``today``."""
    rng = random.Random(12345)  # noqa: S311  (a demo drawn the same way each time, not a secret)
    tasks = list(session.scalars(select(Task).order_by(Task.id)))
    number = 0
    for task in tasks:
        for _ in range(RATE.get(task.state, 2) + rng.randint(0, 3)):
            number += 1
            received = datetime.combine(today - timedelta(days=rng.randint(1, 360)), time(rng.randint(0, 23)),
                                        tzinfo=UTC)
            days_open = rng.choice([2, 5, 9, 14, 20, 40])
            closed = received + timedelta(days=days_open) if received + timedelta(days=days_open) < datetime.now(UTC) \
                and rng.random() < 0.85 else None
            lagging = task.state in (TaskState.returned, TaskState.dispatched)
            rating = None
            if closed is not None and rng.random() < 0.8:
                rating = Satisfaction.dissatisfied if rng.random() < (0.5 if lagging else 0.15) else \
                    rng.choice([Satisfaction.satisfied, Satisfaction.basically_satisfied])
            session.add(Order(
                number=f"12345-{today.year}-{number:05d}", received_at=received, region_code=task.unit.region_code,
                category=rng.choice(KINDS), text=rng.choice(OPENINGS) + task.description, handling_unit_id=task.unit_id,
                satisfaction=rating, closed_at=closed, unit_id=task.unit_id, matter_id=task.matter_id,
                matter_score=None, matter_given=True, imported_by="demo"))
    session.flush()
    refresh_signals(session, today)
