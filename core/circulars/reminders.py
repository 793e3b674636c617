"""What ``duban tick`` does for circulars: remind criticised units of the answers they owe.

Like the ledger's reminders, each carries a dedupe key naming the explanation,
the kind of reminder and the due date, so a second tick sends nothing new and a
new due date (after an answer is sent back) earns a fresh reminder.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core.circulars.models import EXPLANATION_OPEN, Circular, CircularState, Explanation
from core.circulars.workflow import circular_link
from core.i18n import message
from core.notify import NotificationKey, notify

DEFAULT_WARNING_DAYS = 3


def send_explanation_reminders(session: Session, today: date,
                               warning_days: int = DEFAULT_WARNING_DAYS) -> list[str]:
    """Remind units whose explanation is due soon or overdue; returns a summary line."""
    stmt = (select(Explanation).options(joinedload(Explanation.circular))
            .join(Circular, Circular.id == Explanation.circular_id)
            .where(Circular.state == CircularState.published, Explanation.state.in_(EXPLANATION_OPEN),
                   Explanation.due <= today + timedelta(days=warning_days))
            .order_by(Explanation.id))
    owed = list(session.scalars(stmt))
    keys = {e.id: _key(e, today) for e in owed}
    used = set(session.scalars(select(NotificationKey.key).where(NotificationKey.key.in_(keys.values())))) \
        if keys else set()
    soon = late = 0
    for explanation in owed:
        if keys[explanation.id] in used:
            continue
        title = explanation.circular.title
        if explanation.due < today:
            subject = message("Explanation overdue: %(title)s", title=title)
            body = message("Your unit's reasons and improvement plan on \"%(title)s\" were due on %(due)s. "
                           "Submit them now.", title=title, due=explanation.due.isoformat())
            late += 1
        else:
            subject = message("Explanation due on %(due)s: %(title)s", due=explanation.due.isoformat(), title=title)
            body = message("Submit your unit's reasons and improvement plan on \"%(title)s\" by %(due)s.",
                           title=title, due=explanation.due.isoformat())
            soon += 1
        notify(session, key=keys[explanation.id], subject=subject, body=body,
               link=circular_link(explanation.circular), unit_id=explanation.unit_id)
    return [f"circulars: {soon} explanation reminders, {late} overdue notices"]


def _key(explanation: Explanation, today: date) -> str:
    kind = "overdue" if explanation.due < today else "due-soon"
    return f"explanation:{explanation.id}:{kind}:{explanation.due.isoformat()}"
