"""``duban demo``: a demo province, served."""
from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core.access.models import ROLE_LABELS
from core.demo import DEMO_ACCOUNTS, demo_role, seed_demo
from core.i18n import N_, Message
from core.org.models import Unit
from web.commands.database import upgrade_database
from web.commands.output import fail, say
from web.commands.serve import address_taken
from web.serving import PortInUse, check_address
from web.serving import serve as run_server


@click.command("demo", help=N_("Create (or reuse) a demo province and serve it."))
@click.option("--host", default="127.0.0.1", show_default=True, help=N_("Address to listen on."))
@click.option("--port", default=5000, show_default=True, type=int, help=N_("Port to listen on."))
@click.option("--no-serve", is_flag=True, help=N_("Only create the demo data."))
@with_appcontext
def demo(host: str, port: int, no_serve: bool) -> None:
    if not no_serve:
        try:  # before the demo data, so that a taken port is said at once
            check_address(host, port)
        except PortInUse:
            fail(address_taken(host, port, "demo"))
    upgrade_database()
    db = current_app.extensions["duban.db"]
    with db.transaction(actor="demo") as session:
        if session.scalar(select(Unit.id).limit(1)) is None:
            seed_demo(session, current_app.extensions["duban.plugins"], date.today())
            click.echo(say(N_("Demo province created.")))
        else:
            click.echo(say(N_("Reusing the existing instance.")))
    click.echo(say(Message(N_("Instance folder: %(path)s"), {"path": current_app.instance_path})))
    click.echo(say(Message(N_("Open http://%(host)s:%(port)s/ and log in with one of these accounts:"),
                           {"host": host, "port": port})))
    for username, password, where in DEMO_ACCOUNTS:
        role = say(ROLE_LABELS[demo_role(username)])
        click.echo(f"  {username:<10} {password:<20} {role}{' · ' + where if where else ''}")
    if not no_serve:
        click.echo(say(N_("Background jobs run in a process of their own beside the server.")))
        click.echo(say(Message(N_("Another port: duban demo --port %(other)s. Stop the server with Ctrl-C."),
                               {"other": port + 1})))
        try:
            # Plain HTTP on the loopback interface: cookies cannot be marked Secure.
            run_server({"SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False}, host, port, jobs=True)
        except PortInUse:  # taken in the meantime
            fail(address_taken(host, port, "demo"))


COMMANDS = [demo]
