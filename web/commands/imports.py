"""``duban import KIND FILE``."""
from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from core.hooktypes import ImportContext
from core.i18n import N_, Message
from core.importing.progress import reporting
from core.intake import run_import
from core.plugins import importers
from web.commands.output import cli_gettext, fail, progress_bar, say


@click.command("import", help=N_("Import a file of KIND (units, matters, audit, …)."))
@click.argument("kind")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help=N_("Check every row; write nothing."))
@click.option("--quiet", is_flag=True, help=N_("No progress bar."))
@with_appcontext
def import_file(kind: str, path: str, dry_run: bool, quiet: bool) -> None:
    available = importers(current_app.extensions["duban.plugins"])
    importer = available.get(kind)
    if importer is None:
        fail(Message(N_("Unknown import kind %(kind)s; choose one of: %(kinds)s"),
                     {"kind": kind, "kinds": ", ".join(sorted(available))}), code=2)
    with open(path, "rb") as handle:
        data = handle.read()
    with (current_app.extensions["duban.db"].session() as session,
          progress_bar(N_("Checking rows"), shown=not quiet) as progress, reporting(progress)):
        report = run_import(session, importer, data, os.path.basename(path),
                            ImportContext(actor="cli", dry_run=dry_run))
    text = report.render(cli_gettext())
    if not report.ok:
        click.echo(text, err=True)
        raise SystemExit(1)
    click.echo(text)
    if dry_run:
        click.echo(say(N_("Dry run: nothing was written.")))


COMMANDS = [import_file]
