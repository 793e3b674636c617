"""``duban backup FILE`` and ``duban restore FILE``."""
from __future__ import annotations

import subprocess

import click
from flask import current_app
from flask.cli import with_appcontext

from core.backup import backup as backup_database
from core.backup import restore as restore_database
from core.errors import DubanError
from core.i18n import N_
from web.commands.output import fail


@click.command("backup", help=N_("Write a backup of the database to FILE (safe while serving)."))
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup(path: str) -> None:
    try:
        backup_database(current_app.config["DATABASE_URL"], path)
    except DubanError as error:
        fail(error.message)
    except subprocess.CalledProcessError as error:
        fail(error.stderr.decode("utf-8", "replace") or str(error))
    click.echo(f"backup written to {path}")


@click.command("restore", help=N_("Replace the database with the backup in FILE (stop the servers first)."))
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help=N_("Do not ask for confirmation."))
@with_appcontext
def restore(path: str, yes: bool) -> None:
    if not yes:
        click.confirm("This replaces every record in the database. Continue?", abort=True)
    db = current_app.extensions["duban.db"]
    db.dispose()  # no pooled connection may hold the old database open
    try:
        restore_database(current_app.config["DATABASE_URL"], path)
    except DubanError as error:
        fail(error.message)
    except subprocess.CalledProcessError as error:
        fail(error.stderr.decode("utf-8", "replace") or str(error))
    click.echo(f"database restored from {path}")


COMMANDS = [backup, restore]
