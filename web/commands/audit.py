"""``duban audit verify``."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from core import audit_log


@click.group("audit", help="The audit trail.")
def audit_group() -> None:
    pass


@audit_group.command("verify", help="Check the audit trail's hash chain.")
@with_appcontext
def verify() -> None:
    with current_app.extensions["duban.db"].session() as session:
        checked, problems = audit_log.verify(session)
    for problem in problems:
        click.echo(f"entry {problem.entry_id}: {problem.reason}", err=True)
    if problems:
        raise SystemExit(f"audit trail broken: {len(problems)} problem(s) in {checked} entries")
    click.echo(f"audit trail intact: {checked} entries")


COMMANDS = [audit_group]
