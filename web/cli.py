"""The ``duban`` command: each sub-command runs inside a Duban application."""
from __future__ import annotations

from typing import Any

import click
from flask.cli import ScriptInfo

from core.i18n import N_
from web.app import create_app
from web.commands.click_text import localise
from web.commands.output import cli_gettext


class DubanGroup(click.Group):
    """Commands come from ``app.cli``, where core and the plugins register them."""

    def _cli(self, ctx: click.Context) -> click.Group:
        return ctx.ensure_object(ScriptInfo).load_app().cli

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in self._cli(ctx).list_commands(ctx) if name != "limiter")

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._cli(ctx).get_command(ctx, cmd_name)


cli = DubanGroup(name="duban", help=N_("Duban (督办): government supervision and inspection platform."))


def main(args: list[str] | None = None) -> Any:
    """Entry point of the ``duban`` console script."""
    info = ScriptInfo(create_app=lambda: create_app(), set_debug_flag=False, load_dotenv_defaults=False)
    app = info.load_app()
    with app.app_context():
        gettext = cli_gettext()
    localise(cli, gettext)
    localise(app.cli, gettext)
    return cli.main(args=args, prog_name="duban", obj=info)


if __name__ == "__main__":  # the job consumer that `duban serve` starts beside its workers
    main()
