"""``duban audit verify``, ``duban audit checkpoint`` and ``duban audit acknowledge``.

The audit keys come from ``AUDIT_KEY`` / ``AUDIT_RETIRED_KEYS`` or the instance's key
file (:func:`core.audit_keys.load_keys`, read by the application factory); checkpoints
go to ``AUDIT_CHECKPOINT_DIR`` (default ``<instance>/audit_checkpoints``), the newest
``AUDIT_CHECKPOINT_KEEP`` (default 100) kept. ``duban tick`` writes one too.
"""
from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from core import audit_checkpoints, audit_direct, audit_log
from core.audit_keys import AuditKeys
from core.i18n import N_, message
from web.commands.output import fail, say

SHOWN_DIRECT_CHANGES = 20


def audit_keys(app: Flask | None = None) -> AuditKeys:
    """The application's audit keys."""
    return (app or current_app).extensions["duban.audit_keys"]


def checkpoint_dir(app: Flask | None = None) -> str:
    """Where checkpoints of the audit trail are written."""
    app = app or current_app
    return str(app.config.get("AUDIT_CHECKPOINT_DIR") or os.path.join(app.instance_path, "audit_checkpoints"))


def write_checkpoint() -> str:
    """Write a checkpoint of the trail's head if it moved; a line for ``duban tick``'s summary.

    Raises :class:`core.audit_checkpoints.CheckpointError` when the entries since the last
    checkpoint are broken (and writes nothing).
    """
    db = current_app.extensions["duban.db"]
    with db.session() as session:
        checkpoint, path = audit_checkpoints.write(session, audit_keys(), checkpoint_dir(),
                                                   keep=int(current_app.config.get("AUDIT_CHECKPOINT_KEEP", 100)))
    if path is None:
        return f"audit checkpoint: unchanged at entry {checkpoint.entry_id}"
    return f"audit checkpoint: entry {checkpoint.entry_id} -> {path}"


def _acknowledged_through(session: Session) -> int:
    """Direct changes up to this id were acknowledged by an operator (keyed entries of the chain)."""
    through = session.scalar(
        select(func.max(cast(audit_log.AuditEntry.row_id, Integer))).where(
            audit_log.AuditEntry.table_name == audit_direct.DirectChange.__tablename__,
            audit_log.AuditEntry.action == "accept", audit_log.AuditEntry.key_id.is_not(None)))
    return int(through) if through else 0


@click.group("audit", help=N_("The audit trail."))
def audit_group() -> None:
    pass


@audit_group.command("verify", help=N_("Check the audit trail's keyed hash chain against the latest checkpoint, "
                                    "and list changes made outside Duban (PostgreSQL)."))
@click.option("--checkpoint", "checkpoint_file", type=click.Path(dir_okay=False),
              help=N_("A checkpoint file to check against (default: the newest in AUDIT_CHECKPOINT_DIR)."))
@with_appcontext
def verify(checkpoint_file: str | None) -> None:
    keys = audit_keys()
    path = checkpoint_file or audit_checkpoints.latest_path(checkpoint_dir())
    try:
        checkpoint = audit_checkpoints.read(path, keys) if path else None
    except audit_checkpoints.CheckpointError as error:
        fail(message(N_("Checkpoint refused: %(reason)s"), reason=str(error)))
    db = current_app.extensions["duban.db"]
    with db.session() as session:
        report = audit_log.check_chain(session, keys)
        problems = list(report.problems)
        if checkpoint is not None:
            problems += audit_checkpoints.compare(session, checkpoint, report)
        watched = audit_direct.watched_tables(session.connection())
        acknowledged = _acknowledged_through(session)
        direct = audit_direct.direct_changes(session, after_id=acknowledged, limit=SHOWN_DIRECT_CHANGES + 1)
        count_direct, _last = audit_direct.direct_change_tally(session)

    if report.legacy:
        click.echo(say(message(N_("Entries 1–%(last)s are the unkeyed legacy prefix (plain SHA-256)."),
                               last=report.legacy)))
    if report.keyed_from is not None:
        click.echo(say(message(N_("Keyed chaining (HMAC-SHA256) starts at entry %(id)s; keys used: %(keys)s."),
                               id=report.keyed_from, keys=", ".join(report.key_ids))))
    if checkpoint is not None:
        click.echo(say(message(N_("Checked against the checkpoint of %(at)s (entry %(id)s): %(path)s"),
                               at=checkpoint.at, id=checkpoint.entry_id, path=path)))
    else:
        click.echo(say(N_("No checkpoint found: entries cut off from the end would not show. "
                          "Run duban audit checkpoint (duban tick does) and keep the files elsewhere.")), err=True)
    if watched:
        click.echo(say(message(N_("Direct changes are recorded on: %(tables)s."), tables=", ".join(watched))))
    elif db.engine.dialect.name == "postgresql":
        click.echo(say(N_("Direct changes are not being recorded: no table carries the trigger "
                          "(run duban db upgrade; were the triggers dropped?).")), err=True)
    for change in direct[:SHOWN_DIRECT_CHANGES]:
        problems.append(audit_log.Problem(None, f"direct change {change.id}: {change.action} on {change.table_name} "
                                                f"row {change.row_id} by database user {change.db_user} "
                                                f"from {change.client_addr or 'local socket'} at {change.at}"))
    if len(direct) > SHOWN_DIRECT_CHANGES:
        problems.append(audit_log.Problem(None, "more direct changes are recorded than shown"))
    if count_direct and not direct:
        click.echo(say(message(N_("%(count)s direct change(s) recorded, all acknowledged."), count=count_direct)))

    for problem in problems:
        label = f"entry {problem.entry_id}" if problem.entry_id is not None else "trail"
        click.echo(f"{label}: {problem.reason}", err=True)
    if report.more_problems:
        click.echo(f"… and {report.more_problems} more problem(s)", err=True)
    if problems:
        first = next((p for p in problems if p.entry_id is not None), problems[0])
        fail(message(N_("Audit trail broken: %(count)s problem(s) in %(checked)s entries; first: %(first)s"),
                     count=len(problems) + report.more_problems, checked=report.checked,
                     first=(f"entry {first.entry_id}: " if first.entry_id is not None else "") + first.reason))
    click.echo(say(message(N_("Audit trail intact: %(checked)s entries"), checked=report.checked)))


@audit_group.command("checkpoint", help=N_("Sign and write a checkpoint of the audit trail's head."))
@with_appcontext
def checkpoint() -> None:
    try:
        click.echo(write_checkpoint())
    except audit_checkpoints.CheckpointError as error:
        fail(str(error))


@audit_group.command("acknowledge", help=N_("Mark the direct changes up to ID as reviewed, with a note, "
                                         "in the audit trail."))
@click.argument("through_id", type=int)
@click.option("--note", required=True, help=N_("Why the changes are in order (who made them, which ticket)."))
@with_appcontext
def acknowledge(through_id: int, note: str) -> None:
    db = current_app.extensions["duban.db"]
    with db.transaction(actor="cli") as session:
        audit_log.append_entries(session, [("accept", audit_direct.DirectChange.__tablename__, str(through_id),
                                            None, {"through": through_id, "note": note})])
    click.echo(say(message(N_("Direct changes up to %(id)s acknowledged."), id=through_id)))


COMMANDS = [audit_group]
