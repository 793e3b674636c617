"""Printing translated messages on the command line."""
from __future__ import annotations

import os
from typing import NoReturn

import click
from flask import current_app

from core.i18n import DEFAULT_LOCALE, LOCALES, Gettext, Message, translation_dirs, translator
from core.plugins import plugin_translation_dirs


def cli_gettext() -> Gettext:
    """``gettext`` for the language in ``DUBAN_LANG`` (default Chinese)."""
    locale = os.environ.get("DUBAN_LANG", DEFAULT_LOCALE)
    if locale not in LOCALES:
        locale = DEFAULT_LOCALE
    dirs = translation_dirs(plugin_translation_dirs(current_app.extensions["duban.plugins"]))
    return translator(locale, dirs)


def say(message: Message | str) -> str:
    """``message`` in the command line's language."""
    gettext = cli_gettext()
    return message.render(gettext) if isinstance(message, Message) else gettext(message)


def fail(message: Message | str, code: int = 1) -> NoReturn:
    """Print ``message`` to standard error and exit with ``code``."""
    click.echo(say(message), err=True)
    raise SystemExit(code)
