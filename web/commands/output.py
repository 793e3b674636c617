"""Printing translated messages on the command line."""
from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

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


class _Bar:
    """click's progress bar, started when the total is first known, restarted when it changes."""

    def __init__(self, label: str, shown: bool) -> None:
        self.label, self.shown = label, shown
        self.bar: Any = None  # click's ProgressBar, once something is counted
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.shown or total <= 0:
            return
        if self.bar is None or self.bar.length != total:
            self.close()
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr,
                                         show_pos=True, show_percent=True)
            self.done = 0
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()
            self.bar = None


@contextmanager
def progress_bar(label: Message | str, *, shown: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A callback ``(done, total)`` that draws a bar on standard error while the block runs.

    Off a terminal (a pipe, a log) click prints the label alone.
    """
    bar = _Bar(say(label), shown)
    try:
        yield bar
    finally:
        bar.close()
