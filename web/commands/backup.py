"""``duban backup FILE`` and ``duban restore FILE``."""
from __future__ import annotations

import os
import subprocess

import click
from flask import current_app
from flask.cli import with_appcontext

from core.backup import backup as backup_database
from core.backup import restore as restore_database
from core.errors import DubanError
from core.i18n import N_, Message
from core.importing.limits import human_size
from web.commands.output import fail, say


@click.command("backup", help=N_("Write a backup of the database to FILE (safe while serving)."))
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup(path: str) -> None:
    # One consistent copy in one step: copied piecemeal, a write meanwhile would start it over.
    click.echo(say(N_("Writing the backup (the instance keeps serving)…")), err=True)
    try:
        backup_database(current_app.config["DATABASE_URL"], path)
    except DubanError as error:
        fail(error.message)
    except subprocess.CalledProcessError as error:
        fail(error.stderr.decode("utf-8", "replace") or str(error))
    size = os.path.getsize(path)
    click.echo(say(Message(N_("Backup written to %(path)s (%(size)s)."), {"path": path, "size": human_size(size)})))


@click.command("restore", help=N_("Replace the database with the backup in FILE (stop the servers first)."))
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help=N_("Do not ask for confirmation."))
@with_appcontext
def restore(path: str, yes: bool) -> None:
    if not yes:
        click.confirm(say(N_("This replaces every record in the database. Continue?")), abort=True)
    db = current_app.extensions["duban.db"]
    db.dispose()  # no pooled connection may hold the old database open
    try:
        restore_database(current_app.config["DATABASE_URL"], path)
    except DubanError as error:
        fail(error.message)
    except subprocess.CalledProcessError as error:
        fail(error.stderr.decode("utf-8", "replace") or str(error))
    click.echo(say(Message(N_("Database restored from %(path)s."), {"path": path})))


COMMANDS = [backup, restore]
