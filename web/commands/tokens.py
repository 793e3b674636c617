"""``duban token create|revoke|list``: API tokens from the command line."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core import clock
from core.access.models import User
from core.access.tokens import DEFAULT_DAYS, MAX_DAYS, ApiToken, create_token_for, revoke_token, tokens_of
from core.errors import DubanError
from core.i18n import N_, Message
from web.commands.output import fail, say


@click.group("token", help=N_("API tokens."))
def token_group() -> None:
    pass


@token_group.command("create", help=N_("Create an API token for USERNAME; prints the token as the last line."))
@click.argument("username")
@click.option("--name", default="", help=N_("What the token is for."))
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=DEFAULT_DAYS, show_default=True,
              help=N_("Days until the token expires."))
@click.option("--read-only", is_flag=True, help=N_("The token may only read (GET); the API refuses it anything else."))
@with_appcontext
def create(username: str, name: str, days: int, read_only: bool) -> None:
    db = current_app.extensions["duban.db"]
    try:
        with db.transaction(actor="cli") as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                fail(N_("No such account."))
            token, secret = create_token_for(session, user, name, days=days, read_only=read_only)
            text = (N_("Read-only token %(prefix)s… for %(user)s, expires %(expires)s; it is shown only once:")
                    if token.read_only else
                    N_("Token %(prefix)s… for %(user)s, expires %(expires)s; it is shown only once:"))
            click.echo(say(Message(text, {"prefix": token.prefix, "user": user.username,
                                          "expires": clock.local_text(token.expires_at)})))
    except DubanError as error:
        fail(error.message)
    click.echo(secret)


@token_group.command("revoke", help=N_("Revoke a token, given the token itself or its visible prefix."))
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
    click.echo(say(Message(N_("Token %(prefix)s… revoked."), {"prefix": found[0].prefix})))


@token_group.command("list", help=N_("List a user's tokens."))
@click.argument("username")
@with_appcontext
def list_tokens(username: str) -> None:
    db = current_app.extensions["duban.db"]
    with db.session() as session:
        for token in tokens_of(session, username):
            state = "revoked" if token.revoked_at else "expired" if token.expired() else "active"
            kind = "read-only" if token.read_only else "read-write"
            used = clock.local_text(token.last_used_at, seconds=True) if token.last_used_at else "-"
            expires = clock.local_text(token.expires_at)
            click.echo(f"{token.prefix}…\t{state}\t{kind}\texpires {expires}\t{token.name}\tlast used {used}")


COMMANDS = [token_group]
