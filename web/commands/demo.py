"""``duban demo``: a demo province, served."""
from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core.demo import DEMO_ACCOUNTS, seed_demo
from core.org.models import Unit
from web.commands.database import upgrade_database
from web.serving import serve as run_server


@click.command("demo", help="Create (or reuse) a demo province and serve it.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Only create the demo data.")
@with_appcontext
def demo(host: str, port: int, no_serve: bool) -> None:
    upgrade_database()
    db = current_app.extensions["duban.db"]
    with db.transaction(actor="demo") as session:
        if session.scalar(select(Unit.id).limit(1)) is None:
            seed_demo(session, current_app.extensions["duban.plugins"], date.today())
            click.echo("demo province created")
        else:
            click.echo("reusing the existing instance")
    click.echo(f"instance: {current_app.instance_path}")
    click.echo(f"open http://{host}:{port}/ and log in with one of:")
    for username, password, role in DEMO_ACCOUNTS:
        click.echo(f"  {username:<16} {password:<20} {role}")
    if not no_serve:
        from web.background import run_jobs_in_this_process

        run_jobs_in_this_process()
        click.echo("background jobs: running in this process")
        # Plain HTTP on the loopback interface: cookies cannot be marked Secure.
        run_server({"SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False}, host, port)


COMMANDS = [demo]
