"""``duban db``: the schema."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from core.i18n import N_
from core.migrate import upgrade
from core.plugins import migration_dirs
from web.commands.output import say


@click.group("db", help=N_("Database schema commands."))
def db_group() -> None:
    pass


def upgrade_database() -> None:
    """Apply every pending migration of core and of the loaded plugins."""
    upgrade(current_app.extensions["duban.db"].engine, migration_dirs(current_app.extensions["duban.plugins"]))


@db_group.command("upgrade", help=N_("Apply pending migrations."))
@with_appcontext
def db_upgrade() -> None:
    upgrade_database()
    click.echo(say(N_("The database is up to date.")))


COMMANDS = [db_group]
