"""``duban token create|revoke|list``: API tokens from the command line."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core.access.models import User
from core.access.tokens import ApiToken, create_token_for, revoke_token, tokens_of
from core.errors import DubanError
from core.i18n import N_
from web.commands.output import fail


@click.group("token", help="API tokens.")
def token_group() -> None:
    pass


@token_group.command("create", help="Create an API token for USERNAME; prints the token as the last line.")
@click.argument("username")
@click.option("--name", default="", help="What the token is for.")
@with_appcontext
def create(username: str, name: str) -> None:
    db = current_app.extensions["duban.db"]
    try:
        with db.transaction(actor="cli") as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                fail(N_("No such account."))
            token, secret = create_token_for(session, user, name)
            click.echo(f"token {token.prefix}… for {user.username} ({user.role.value}); it is shown only once:")
    except DubanError as error:
        fail(error.message)
    click.echo(secret)


@token_group.command("revoke", help="Revoke a token, given the token itself or its visible prefix.")
@click.argument("token_or_prefix")
@with_appcontext
def revoke(token_or_prefix: str) -> None:
    from core.access.tokens import digest

    db = current_app.extensions["duban.db"]
    with db.transaction(actor="cli") as session:
        found = list(session.scalars(select(ApiToken).where(
            (ApiToken.digest == digest(token_or_prefix)) | (ApiToken.prefix == token_or_prefix[:12]))))
        if len(found) != 1:
            fail(N_("No single token matches."))
        revoke_token(found[0])
    click.echo(f"revoked {found[0].prefix}…")


@token_group.command("list", help="List a user's tokens.")
@click.argument("username")
@with_appcontext
def list_tokens(username: str) -> None:
    db = current_app.extensions["duban.db"]
    with db.session() as session:
        for token in tokens_of(session, username):
            state = "revoked" if token.revoked_at else "active"
            used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "-"
            click.echo(f"{token.prefix}…\t{state}\t{token.name}\tlast used {used}")


COMMANDS = [token_group]
