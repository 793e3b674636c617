"""Traffic lights and the reminders ``duban tick`` sends: each once, a moved deadline earns a new one."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from core.access.scope import Scope
from core.ledger.deadlines import light
from core.ledger.models import Cadence, Task, TaskState
from core.ledger.queries import LedgerFilter, light_counts, overdue_units
from core.ledger.reminders import period_bounds, send_reminders
from core.notify import Notification, NotificationKey


def _keys(session):
    return set(session.scalars(select(NotificationKey.key).where(NotificationKey.key.like("task:%"))))


def test_lights_follow_the_deadline_and_returns(ledger, today):
    task = ledger.east_task
    assert light(task, today) == "green"
    assert light(task, task.deadline - timedelta(days=3)) == "yellow"
    assert light(task, task.deadline + timedelta(days=1)) == "red"
    task.state = TaskState.returned
    assert light(task, today) == "yellow"
    task.state = TaskState.closed
    assert light(task, task.deadline + timedelta(days=30)) == "green"


def test_light_counts_agree_with_the_lights(db_session, ledger, today):
    ledger.west_task.deadline = today - timedelta(days=1)
    ledger.east_task.deadline = today + timedelta(days=2)
    db_session.flush()
    counts = light_counts(ledger.scope(ledger.staff), LedgerFilter(), today)
    assert counts == {"green": 0, "yellow": 1, "red": 1}
    units = overdue_units(ledger.scope(ledger.staff), LedgerFilter(), today)
    assert [(row.code, row.overdue, row.days, row.without_reason) for row in units] == [("A2", 1, 1, 1)]


def test_reminders_go_out_once_and_again_when_the_deadline_moves(db_session, ledger, today):
    ledger.east_task.deadline = today + timedelta(days=2)
    ledger.west_task.deadline = today - timedelta(days=1)
    db_session.flush()
    first = send_reminders(db_session, today)
    again = send_reminders(db_session, today)
    assert "1 due-soon reminders, 1 overdue notices" in first[0]
    assert "0 due-soon reminders, 0 overdue notices" in again[0]
    ledger.west_task.deadline = today - timedelta(days=3)  # a corrected deadline is a new event
    db_session.flush()
    assert "1 overdue notices" in send_reminders(db_session, today)[0]
    assert {f"task:{ledger.east_task.id}:due-soon:{ledger.east_task.deadline}",
            f"task:{ledger.west_task.id}:overdue:{ledger.west_task.deadline}"} <= _keys(db_session)


def test_monthly_tasks_are_reminded_near_the_end_of_the_month(db_session, ledger):
    from core.ledger.workflow import sign_task

    sign_task(ledger.scope(ledger.west), ledger.west_task.id)  # monthly cadence
    ledger.west_task.deadline = date(2026, 12, 31)
    db_session.flush()
    assert "1 periodic" in send_reminders(db_session, date(2026, 3, 29))[0]
    assert "0 periodic" in send_reminders(db_session, date(2026, 3, 30))[0]
    assert "0 periodic" in send_reminders(db_session, date(2026, 4, 10))[0]  # not yet near April's end
    assert period_bounds(date(2026, 5, 20), Cadence.quarterly) == (date(2026, 4, 1), date(2026, 6, 30))


def test_a_sibling_county_sees_none_of_the_others_tasks(db_session, ledger, today):
    west = Scope(db_session, ledger.west)
    visible = set(db_session.scalars(west.select(Task).with_only_columns(Task.id)))
    assert visible == {ledger.west_task.id}
    assert db_session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == ledger.west.id)) == 1
