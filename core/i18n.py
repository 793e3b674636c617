"""Translatable messages for code that must not import Flask.

Core marks user-facing text with :func:`N_` and raises or returns :class:`Message`
objects; the web layer renders them with Flask-Babel's ``gettext`` and the command
line with :func:`translator`, so one catalogue serves both.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from babel.support import Translations

DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")

Gettext = Callable[[str], str]


def N_(text: str) -> str:
    """Mark ``text`` for extraction without translating it now."""
    return text


@dataclass(frozen=True)
class Message:
    """A message id with named parameters, translated when it is shown."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, gettext: Gettext) -> str:
        params = {
            key: value.render(gettext) if isinstance(value, Message) else value
            for key, value in self.params.items()
        }
        text = gettext(self.msgid)
        return text % params if params else text

    def __str__(self) -> str:  # untranslated fallback, for logs
        return self.render(lambda s: s)


def message(msgid: str, **params: Any) -> Message:
    """Build a :class:`Message`; ``msgid`` must be a literal marked for extraction."""
    return Message(msgid, params)


def translation_dirs(extra: Iterable[str] = ()) -> list[str]:
    """Plugins' catalogue directories (``extra``), then core's.

    Catalogues are merged in this order, later ones winning, so a plugin that
    uses one of core's msgids cannot change how core's pages read.
    """
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    core = os.path.join(here, "web", "translations")
    # ``web.builtin`` sits beside core's catalogues: they are merged once, last.
    return [*(dirname for dirname in extra if os.path.abspath(dirname) != core), core]


@lru_cache(maxsize=16)
def _load(locale: str, dirs: tuple[str, ...]) -> Translations:
    merged: Translations | None = None
    for dirname in dirs:
        loaded = Translations.load(dirname, [locale])
        if not isinstance(loaded, Translations):
            continue
        if merged is None:
            merged = loaded
        else:
            merged.merge(loaded)
    return merged or Translations()


def translator(locale: str = DEFAULT_LOCALE, dirs: Iterable[str] | None = None) -> Gettext:
    """A ``gettext`` for ``locale`` outside a request (command line, jobs, e-mail)."""
    return _load(locale, tuple(dirs if dirs is not None else translation_dirs())).gettext
