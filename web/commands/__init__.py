"""Sub-commands of ``duban``, registered on ``app.cli`` in the factory."""
from __future__ import annotations

import pluggy
from flask import Flask


def register_commands(app: Flask, pm: pluggy.PluginManager) -> None:
    from web.commands import accounts, audit, backup, database, demo, imports, jobs, scoring, serve, tick, tokens

    for module in (accounts, audit, database, demo, imports, serve, tick, backup, jobs, tokens, scoring):
        for command in module.COMMANDS:
            app.cli.add_command(command)
    for batch in pm.hook.duban_cli_commands():
        for command in batch or ():
            app.cli.add_command(command)
