"""``duban user create``."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from core.access.accounts import save_account
from core.access.models import ROLE_LABELS, Role, User
from core.errors import DubanError
from core.i18n import N_, Message
from web.commands.output import fail, say


@click.group("user", help=N_("Accounts."))
def user_group() -> None:
    pass


@user_group.command("create", help=N_("Create an account."))
@click.argument("username")
@click.option("--role", type=click.Choice([role.value for role in Role]), required=True)
@click.option("--unit", "unit_code", help=N_("Code of the user's unit."))
@click.option("--name", "display_name", default="", help=N_("Full name."))
@click.option("--email", default=None)
@click.option("--head", is_flag=True, help=N_("The user heads the unit and sees its subtree."))
@click.option("--password-stdin", is_flag=True, help=N_("Read the password from standard input."))
@with_appcontext
def create_user(username: str, role: str, unit_code: str | None, display_name: str, email: str | None,
                head: bool, password_stdin: bool) -> None:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt(say(N_("Password")), hide_input=True, confirmation_prompt=True)
    db = current_app.extensions["duban.db"]
    try:
        with db.transaction(actor="cli") as session:
            save_account(session, User(), username=username, role=Role(role), unit_code=unit_code,
                         display_name=display_name, email=email, is_unit_head=head, password=password)
    except DubanError as error:
        fail(error.message)
    click.echo(say(Message(N_("Account %(username)s created (%(role)s)."),
                           {"username": username, "role": Message(ROLE_LABELS[Role(role)])})))


COMMANDS = [user_group]
