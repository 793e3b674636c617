"""``duban findings import FILE`` (with a progress bar and room for big files) and ``duban findings export``.

The group is ``findings``: core already owns ``duban audit`` (the audit trail).
"""
from __future__ import annotations

import os
from collections.abc import Callable

import click
from flask.cli import with_appcontext

from core import clock
from core.hooktypes import ImportContext
from core.i18n import N_
from core.importing import UploadLimits
from core.importing.progress import reporting
from core.intake import run_import
from core.plugins import importers
from web.plugin_api import cli_gettext, database, plugin_manager

# The command line reads files an operator chose, so it allows far more than an upload.
CLI_LIMITS = UploadLimits(max_bytes=2 * 1024 ** 3, max_expanded_bytes=4 * 1024 ** 3, max_rows=5_000_000)


def progress_bar() -> Callable[[int, int], None]:
    """A progress callback drawing ``[#####     ] 50% 500/1000`` on one line of standard error."""
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        line = f"\r[{'#' * filled}{' ' * (width - filled)}] {100 * done // max(total, 1):3d}% {done}/{total}"
        click.echo(line + ("\n" if done >= total else ""), err=True, nl=False)
    return show


@click.group("findings", help=N_("Audit findings: import (with a progress bar) and export."))
def audit_group() -> None:
    """The audit plugin's commands."""


@audit_group.command("import", help=N_("Import audit findings (CSV, XLSX or JSON Lines), showing progress."))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help=N_("Check every row; write nothing."))
@click.option("--quiet", is_flag=True, help=N_("No progress bar."))
@with_appcontext
def import_command(path: str, dry_run: bool, quiet: bool) -> None:
    pm = plugin_manager()
    with open(path, "rb") as handle:
        data = handle.read()
    with database().session() as session, reporting(None if quiet else progress_bar()):
        report = run_import(session, importers(pm)["audit"], data, os.path.basename(path),
                            ImportContext(actor="cli", dry_run=dry_run, options={"limits": CLI_LIMITS}))
    text = report.render(cli_gettext())
    if not report.ok:
        click.echo(text, err=True)
        raise SystemExit(1)
    click.echo(text)


@audit_group.command("export", help=N_("Write every finding as CSV or XLSX (the import's columns)."))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv")
@click.option("--output", "-o", type=click.Path(dir_okay=False), required=True)
@with_appcontext
def export_command(fmt: str, output: str) -> None:
    from core.access.models import Role, User
    from core.access.scope import Scope
    from plugins.audit.export import export_csv, export_xlsx
    from plugins.audit.queries import FindingFilter

    with database().session() as session:
        # The command line acts for the operator of the instance: everything, like an administrator.
        scope = Scope(session, User(username="cli", role=Role.admin, active=True))
        write = export_csv if fmt == "csv" else export_xlsx
        data = write(scope, FindingFilter(), clock.today())
    with open(output, "wb") as handle:
        handle.write(data)
    click.echo(output)
