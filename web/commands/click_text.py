"""The command line's own words, in the command line's language.

click writes its help pages and errors ("Usage:", "No such option …") through the
standard library's ``gettext``, bound when click was imported. :func:`localise` points
those words, and the help of every Duban command and option, at Duban's catalogues, so
``duban --help`` and a mistyped option read in Chinese unless ``DUBAN_LANG=en``.
"""
from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

from core.i18n import N_, Gettext

CLICK_MODULES: tuple[ModuleType, ...] = (click.core, click.decorators, click.exceptions, click.formatting,
                                         click.parser, click.termui, click.types)

# click's words that a person meets, for the catalogue (extracted from here, looked up as click says them).
CLICK_MESSAGES = (
    N_("Usage:"), N_("Options"), N_("Commands"), N_("Positional arguments"), N_("Show this message and exit."),
    N_("Show the version and exit."), N_("Error: {message}"), N_("Try '{command} {option}' for help."),
    N_("No such command {name!r}."), N_("No such option: {name}"), N_("No such option {name!r}."),
    N_("Missing command."), N_("Missing argument"), N_("Missing option"), N_("Missing parameter"),
    N_("Missing argument {param_hint}."), N_("Missing option {param_hint}."), N_("Missing parameter: {param_name}"),
    N_("Invalid value for {param_hint}: {message}"), N_("Invalid value: {message}"),
    N_("Option {name!r} does not take a value."), N_("Option {name!r} requires an argument."),
    N_("Got unexpected extra argument ({args})"), N_("Got unexpected extra arguments ({args})"),
    N_("{value!r} is not a valid {number_type}."), N_("{value!r} is not one of {choices}."),
    N_("{value!r} is not {choice}."), N_("{value} is not in the range {range}."),
    N_("{name} {filename!r} does not exist."), N_("{name} {filename!r} is a directory."),
    N_("Could not open file {filename!r}: {message}"), N_("file"), N_("directory"), N_("path"),
    N_("default: {default}"), N_("required"), N_("Aborted!"), N_("Repeat for confirmation"),
    N_("Error: The two entered values do not match."), N_("Error: The value you entered was invalid."),
    N_("Do you want to continue?"), N_("integer"), N_("float"), N_("text"),
)


def _ngettext(gettext: Gettext) -> Callable[[str, str, int], str]:
    def ngettext(singular: str, plural: str, n: int) -> str:
        return gettext(singular if n == 1 else plural)

    return ngettext


def localise(commands: click.Command, gettext: Gettext) -> None:
    """Translate click's words and the help of ``commands`` (and every sub-command) with ``gettext``."""
    for module in CLICK_MODULES:
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]  # click's module-level gettext alias
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext(gettext)  # type: ignore[attr-defined]  # likewise its ngettext
    _translate_help(commands, gettext, set())


def _translate_help(command: click.Command, gettext: Gettext, seen: set[int]) -> None:
    if id(command) in seen:
        return
    seen.add(id(command))
    if command.help:
        command.help = gettext(command.help)
    if command.short_help:
        command.short_help = gettext(command.short_help)
    for param in command.params:
        if isinstance(param, click.Option) and param.help:
            param.help = gettext(param.help)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _translate_help(sub, gettext, seen)
