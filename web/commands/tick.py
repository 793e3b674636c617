"""``duban tick``: what is due now: ledger reminders, each plugin's work, then e-mail.

Core's reminders run first in one transaction, then every plugin's
``duban_tick`` in a transaction of its own (one plugin failing does not undo
another's work), then a signed checkpoint of the audit trail is written (when
it moved), then pending e-mail goes out. Safe to run twice: every
reminder carries a dedupe key.

The command also runs the plugins' jobs marked ``in_tick`` (feed polling), for
instances driven by cron; the ``tick`` job leaves them to their own schedules.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from core import clock
from core.i18n import N_
from core.ledger.reminders import send_reminders
from core.notify import deliver_email
from core.plugins import plugin_jobs
from web.commands.audit import write_checkpoint


def run_tick(now: datetime, *, with_jobs: bool = False) -> tuple[list[str], list[str]]:
    """Do what is due at ``now``; returns (summary lines, failures).

    ``with_jobs`` runs the plugins' jobs marked ``in_tick`` as well.
    """
    db = current_app.extensions["duban.db"]
    pm = current_app.extensions["duban.plugins"]
    lines: list[str] = []
    failures: list[str] = []
    warning_days = int(current_app.config.get("DEADLINE_WARNING_DAYS", 3))
    today = now.astimezone(_local_zone()).date()
    try:
        with db.transaction(actor="tick") as session:
            lines.extend(send_reminders(session, today, warning_days))
    except Exception as error:  # report and carry on with the plugins
        failures.append(f"ledger: {error}")
    for impl in pm.hook.duban_tick.get_hookimpls():
        try:
            with db.transaction(actor=f"tick:{impl.plugin_name}") as session:
                result = impl.function(session=session, now=now)
            lines.extend(result or ())
        except Exception as error:
            failures.append(f"{impl.plugin_name}: {error}")
    if with_jobs:
        _run_tick_jobs(pm, lines, failures)
    try:
        lines.append(write_checkpoint())
    except Exception as error:
        failures.append(f"audit checkpoint: {error}")
    if current_app.config.get("MAIL_SERVER"):
        with db.session() as session:
            result = deliver_email(session, current_app.config)
        # An unreachable mail server is not a failed tick: the mail stays pending for the next one.
        note = f" (server unreachable, will retry: {result.error})" if result.error else ""
        lines.append(f"mail: {result.sent} sent, {result.failed} given up{note}")
    return lines, failures


def _run_tick_jobs(pm: Any, lines: list[str], failures: list[str]) -> None:
    from web.background import RESERVED, job_queue

    runtime = job_queue().runtime
    for name, spec in plugin_jobs(pm, reserved=RESERVED).items():
        if not spec.in_tick:
            continue
        try:
            result = spec.function(runtime)
        except Exception as error:
            failures.append(f"{name}: {error}")
            continue
        if isinstance(result, (list, tuple)):
            lines.extend(str(line) for line in result)
        elif result is not None:
            lines.append(f"{name}: {result}")


def _local_zone() -> ZoneInfo:
    return clock.zone()


@click.command("tick", help=N_("Run what is due now: reminders, overdue notices, plugins' work, e-mail."))
@click.option("--now", "now_text", help=N_("Pretend it is this time (ISO 8601), for catch-up runs and tests."))
@with_appcontext
def tick(now_text: str | None) -> None:
    now = datetime.fromisoformat(now_text) if now_text else datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=_local_zone())
    lines, failures = run_tick(now, with_jobs=True)
    for line in lines:
        click.echo(line)
    for failure in failures:
        click.echo(f"failed: {failure}", err=True)
    if failures:
        raise SystemExit(1)


COMMANDS = [tick]
