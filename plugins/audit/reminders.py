"""What ``duban tick`` does for audit findings: rectification reminders and fresh signals.

Each reminder's dedupe key names the finding, the kind of reminder and the
deadline, so running the tick twice sends nothing new and a moved deadline earns
a fresh reminder.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.i18n import message
from plugins.audit.models import Finding, Status
from plugins.audit.signals import refresh_signals
from web.plugin_api import logger

log = logger("audit")

WARNING_DAYS = 7
CHUNK = 500


def send_reminders(session: Session, today: date) -> tuple[int, int]:
    """Notify units of rectifications due within a week and of overdue ones; returns (soon, overdue)."""
    from core.notify import NotificationKey, notify

    soon = overdue = 0
    stmt = select(Finding).where(Finding.status != Status.done, Finding.due.is_not(None),
                                 Finding.due <= today + timedelta(days=WARNING_DAYS))
    last = 0
    while True:
        chunk = list(session.scalars(stmt.where(Finding.id > last).order_by(Finding.id).limit(CHUNK)))
        if not chunk:
            break
        last = chunk[-1].id
        keys = {finding.id: _key(finding, today) for finding in chunk}
        used = set(session.scalars(select(NotificationKey.key).where(NotificationKey.key.in_(keys.values()))))
        for finding in chunk:
            key = keys[finding.id]
            if key in used:
                continue
            assert finding.due is not None  # noqa: S101  (narrows the type: the query selects findings with a due day)
            if finding.due < today:
                subject = message("Rectification overdue: audit finding %(ref)s", ref=finding.ref)
                body = message("The rectification of \"%(category)s\" (%(ref)s) was due on %(due)s. "
                               "File the evidence of rectification now.",
                               category=finding.category, ref=finding.ref, due=finding.due.isoformat())
                overdue += 1
            else:
                subject = message("Rectification due on %(due)s: audit finding %(ref)s",
                                  due=finding.due.isoformat(), ref=finding.ref)
                body = message("The rectification of \"%(category)s\" (%(ref)s) is due on %(due)s. "
                               "Please file the evidence of rectification on time.",
                               category=finding.category, ref=finding.ref, due=finding.due.isoformat())
                soon += 1
            notify(session, key=key, subject=subject, body=body, link=f"/findings/{finding.id}",
                   unit_id=finding.unit_id)
    return soon, overdue


def _key(finding: Finding, today: date) -> str:
    assert finding.due is not None  # noqa: S101  (narrows the type: called for findings with a due day)
    kind = "overdue" if finding.due < today else "due-soon"
    return f"audit:finding:{finding.id}:{kind}:{finding.due.isoformat()}"


def tick(session: Session, today: date) -> list[str]:
    """Reminders, then every unit's signals (overdue days grow by themselves)."""
    soon, overdue = send_reminders(session, today)
    if soon or overdue:
        log.info("%s rectification reminder(s) and %s overdue notice(s) written for %s", soon, overdue, today)
    changed = refresh_signals(session, today)
    return [f"audit: {soon} rectification reminders, {overdue} overdue notices, {changed} signal(s) updated"]
