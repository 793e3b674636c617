"""Sub-commands of ``duban``, registered on ``app.cli`` in the factory."""
from __future__ import annotations

import pluggy
from flask import Flask


def register_commands(app: Flask, pm: pluggy.PluginManager) -> None:
    """Add every command the plugins offer to ``app.cli`` (core's come from ``web.builtin``)."""
    for batch in pm.hook.duban_cli_commands():
        for command in batch or ():
            app.cli.add_command(command)
