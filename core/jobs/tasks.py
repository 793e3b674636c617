"""The jobs core offers. Each takes the :class:`JobRuntime` and plain arguments.

``tick`` is added by the web layer, which owns ``duban tick``.
"""
from __future__ import annotations

from typing import Any

from core.jobs.queue import JobRuntime


def deliver_webhooks(runtime: JobRuntime) -> str:
    """Send the webhook deliveries that are due."""
    from core.webhooks import deliver_due

    session = runtime.db.session()
    session.info["actor"] = "jobs"
    try:
        delivered, failed = deliver_due(session)
    finally:
        session.close()
    return f"delivered {delivered}, failed {failed}"


def purge_idempotency_keys(runtime: JobRuntime) -> str:
    """Forget idempotency keys past their keeping time."""
    from core.idempotency import purge

    with runtime.db.transaction(actor="jobs") as session:
        removed = purge(session)
    return f"removed {removed}"


def import_file(runtime: JobRuntime, kind: str, path: str, actor: str, user_id: int | None = None) -> dict[str, Any]:
    """Run importer ``kind`` on the file at ``path`` (one transaction); returns the report's counts.

    Safe to run twice: importers match rows on their natural keys, so a second run of
    the same file changes nothing (a consumer may die after the commit, before its
    journal entry is marked done).
    """
    from core.hooktypes import ImportContext
    from core.intake import run_import
    from core.plugins import importers

    importer = importers(runtime.plugins)[kind]
    with open(path, "rb") as handle:
        data = handle.read()
    session = runtime.db.session()
    try:
        report = run_import(session, importer, data, path, ImportContext(actor=actor, user_id=user_id))
    finally:
        session.close()
    return {"ok": report.ok, "errors": len(report.errors), "created": getattr(report, "created", 0),
            "updated": getattr(report, "updated", 0), "unchanged": getattr(report, "unchanged", 0)}


CORE_JOBS = {
    "deliver_webhooks": deliver_webhooks,
    "purge_idempotency_keys": purge_idempotency_keys,
    "import_file": import_file,
}
