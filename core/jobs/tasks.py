"""The jobs core offers. Each takes the :class:`JobRuntime` and plain arguments.

``tick`` is added by the web layer, which owns ``duban tick``.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from core import clock
from core.jobs.queue import JobRuntime


def local_today(runtime: JobRuntime) -> date:
    """Today in the instance's time zone (deadlines and visits are local dates)."""
    return datetime.now(clock.zone_named(runtime.config.get("BABEL_DEFAULT_TIMEZONE"))).date()


def deliver_webhooks(runtime: JobRuntime) -> str:
    """Send the webhook deliveries that are due."""
    from core.webhooks import deliver_due

    session = runtime.db.session()
    session.info["actor"] = "jobs"
    try:
        delivered, failed = deliver_due(session, allowed_hosts=runtime.config.get("OUTBOUND_ALLOWED_HOSTS") or ())
    finally:
        session.close()
    return f"delivered {delivered}, failed {failed}"


def purge_idempotency_keys(runtime: JobRuntime) -> str:
    """Forget idempotency keys past their keeping time."""
    from core.idempotency import purge

    with runtime.db.transaction(actor="jobs") as session:
        removed = purge(session)
    return f"removed {removed}"


def import_file(runtime: JobRuntime, kind: str, path: str, actor: str, user_id: int | None = None,
                filename: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Run importer ``kind`` on the file at ``path`` (one transaction); returns the report's summary.

    With ``dry_run`` every row is checked and nothing is written: the check of a large
    upload, whose page then offers to import the same file.

    ``filename`` is the name the file was uploaded under (its format follows its
    extension). The summary holds the counts and the first problems
    (:meth:`core.importing.ImportReport.summary`); a file with problems writes
    nothing and is no failure to retry. Safe to run twice: importers match rows on
    their natural keys, so a second run of the same file changes nothing (a
    consumer may die after the commit, before its journal entry is marked done).
    """
    from core.hooktypes import ImportContext
    from core.intake import run_import
    from core.plugins import importers

    importer = importers(runtime.plugins)[kind]
    with open(path, "rb") as handle:
        data = handle.read()
    session = runtime.db.session()
    try:
        report = run_import(session, importer, data, filename or path,
                            ImportContext(actor=actor, user_id=user_id, dry_run=dry_run))
    finally:
        session.close()
    return report.summary()


def train_model(runtime: JobRuntime, trained_by: str = "schedule") -> dict[str, Any]:
    """Train the scoring model on the recorded outcomes, rescore the queue (one short write at the end).

    Too few outcomes is no failure to retry: the result says so, with the message
    to show (``message`` and ``params``), and nothing changes. Safe to run twice:
    a second run trains an equal model on the same outcomes.
    """
    from core.scoring.freshness import refresh
    from core.scoring.model import NotEnoughOutcomes
    from core.scoring.training import retrain

    today = local_today(runtime)
    # Scores up to date first, in a short transaction: the training's own then reads until it stores.
    with runtime.db.transaction(actor="jobs:train_model") as session:
        refresh(session, runtime.plugins, today)
    with runtime.db.transaction(actor="jobs:train_model") as session:
        try:
            row = retrain(session, runtime.plugins, today, trained_by=trained_by)
        except NotEnoughOutcomes as error:
            session.rollback()
            return {"trained": False, "message": error.message.msgid, "params": error.message.params}
        return {"trained": True, "model_id": row.id, "outcomes": row.outcomes, "problems": row.problems,
                "auc": row.metrics.get("auc")}


def export_ledger(runtime: JobRuntime, user_id: int, ledger_filter: dict[str, Any], today: str, locale: str,
                  path: str) -> dict[str, Any]:
    """Write the ledger XLSX for ``user_id`` (their scope, as of now) and ``ledger_filter`` to ``path``.

    ``today`` fixes the lights and overdue days to the day the user asked; ``locale``
    is the language of the state and light labels. The file is written beside
    ``path`` and renamed into place, so a half-written export is never served.
    Safe to run twice: the second run writes the file again.
    """
    from core.access.models import User
    from core.access.scope import Scope
    from core.i18n import translation_dirs, translator
    from core.ledger.export import export_xlsx, filter_from_json
    from core.plugins import capabilities, plugin_translation_dirs

    session = runtime.db.session()
    try:
        scope = Scope(session, session.get(User, user_id), capabilities(runtime.plugins))
        gettext = translator(locale, translation_dirs(plugin_translation_dirs(runtime.plugins)))
        data = export_xlsx(scope, filter_from_json(ledger_filter), date.fromisoformat(today), gettext,
                           warning_days=int(runtime.config.get("DEADLINE_WARNING_DAYS", 3)))
    finally:
        session.close()
    partial = f"{path}.partial"
    with open(partial, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)
    return {"path": path, "bytes": len(data), "filename": f"ledger-{today}.xlsx"}


CORE_JOBS: dict[str, Callable[..., object]] = {
    "deliver_webhooks": deliver_webhooks,
    "purge_idempotency_keys": purge_idempotency_keys,
    "import_file": import_file,
    "train_model": train_model,
    "export_ledger": export_ledger,
}
