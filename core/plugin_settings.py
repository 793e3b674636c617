"""Per-plugin settings: the defaults each plugin declares, overridden by the instance.

A plugin declares what it reads with ``duban_settings`` (:class:`core.hooktypes.Setting`).
The instance's values come, each overriding the one before, from the declared defaults,
the ``[plugins.<plugin>]`` tables of ``config.toml``, the environment
(``DUBAN_<PLUGIN>__<KEY>``) and, when Duban is embedded or tested, the ``PLUGIN_SETTINGS``
mapping given to ``create_app``. A key the plugin does not declare, or a value of the
wrong type, stops the application with a message naming the setting and where it was
given: a typo must not pass silently for the default.
"""
from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pluggy

from core.hooktypes import Setting, SettingValue

log = logging.getLogger("duban.plugins")

#: The scalar types a setting may have, for :meth:`PluginSettings.typed`.
Scalar = TypeVar("Scalar", bool, int, float, str)

ENV_PREFIX = "DUBAN_"
# Plugin names and keys double as parts of environment variable names.
NAME = re.compile(r"[a-z][a-z0-9_]*")

# Where a value came from, as the administrators' page shows it.
DEFAULT = "default"
CONFIG_FILE = "config.toml"
ENVIRONMENT = "environment"
APPLICATION = "application"


@dataclass(frozen=True)
class Resolved:
    """A setting with the value the instance gives it and where that value came from."""

    setting: Setting
    value: SettingValue
    source: str


class PluginSettings(Mapping[str, SettingValue]):
    """One plugin's settings as the instance has them: read-only, by key."""

    def __init__(self, plugin: str, entries: Mapping[str, Resolved]) -> None:
        self.plugin = plugin
        self._entries = dict(entries)

    def __getitem__(self, key: str) -> SettingValue:
        return self._entries[key].value

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def typed(self, key: str, kind: type[Scalar]) -> Scalar:
        """The value of ``key`` as the ``kind`` its declared default has (``int``, ``float``, ``bool``
        or ``str``): ``settings("hotline").typed("overdue_after_days", int)``. A ``TypeError`` when the
        declaration says otherwise, so the plugin and its declaration cannot drift apart."""
        value = self[key]
        if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
            return value
        raise TypeError(f"{self.plugin}.{key} is declared as {type(value).__name__}, not {kind.__name__}")

    def entries(self) -> list[Resolved]:
        """Each setting with its value and source, in the order the plugin declared them."""
        return list(self._entries.values())


def declared_settings(pm: pluggy.PluginManager) -> dict[str, dict[str, Setting]]:
    """Every setting the plugins declare, by plugin name and key; each default is checked like a value."""
    found: dict[str, dict[str, Setting]] = {}
    for batch in pm.hook.duban_settings():
        for setting in batch or ():
            if not NAME.fullmatch(setting.plugin) or not NAME.fullmatch(setting.key):
                raise RuntimeError(f"a setting's plugin and key are lower-case names: {setting.plugin}.{setting.key}")
            keys = found.setdefault(setting.plugin, {})
            if setting.key in keys:
                raise RuntimeError(f"the setting {setting.plugin}.{setting.key} is declared twice")
            coerce(setting, setting.default, "its declaration")
            keys[setting.key] = setting
    return found


def environment_tables(environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """The ``DUBAN_<PLUGIN>__<KEY>`` variables of ``environ`` as tables by plugin name (names in lower case)."""
    tables: dict[str, dict[str, str]] = {}
    for name, text in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        plugin, separator, key = name[len(ENV_PREFIX):].partition("__")
        if separator and plugin and key:
            tables.setdefault(plugin.lower(), {})[key.lower()] = text
    return tables


def resolve_settings(declared: Mapping[str, Mapping[str, Setting]],
                     layers: Sequence[tuple[str, Mapping[str, Any] | None]]) -> dict[str, PluginSettings]:
    """Each declaring plugin's settings: the defaults overridden by ``layers`` in turn.

    ``layers`` are ``(source, tables)`` pairs, ``tables`` mapping a plugin's name to its
    values by key. Tables of plugins that declare nothing here (not installed, or blocked)
    are passed over, with a warning unless they come from the environment, where other
    ``DUBAN_*__*`` variables live too.
    """
    values = {plugin: {key: Resolved(setting, setting.default, DEFAULT) for key, setting in keys.items()}
              for plugin, keys in declared.items()}
    for source, tables in layers:
        if tables is None:
            continue
        if not isinstance(tables, Mapping):
            raise ValueError(f"{source}: plugin settings are given as one table per plugin name")
        for plugin, table in tables.items():
            if plugin not in declared:
                if source != ENVIRONMENT:
                    log.warning("%s: settings for %r, a plugin that declares none here", source, plugin)
                continue
            if not isinstance(table, Mapping):
                raise ValueError(f"{source}: the settings of {plugin} are a table of keys and values")
            for key, raw in table.items():
                setting = declared[plugin].get(str(key).lower())
                if setting is None:
                    known = ", ".join(sorted(declared[plugin]))
                    raise ValueError(f"{source}: {plugin} has no setting {key!r} (it has: {known})")
                values[plugin][setting.key] = Resolved(setting, coerce(setting, raw, source), source)
    return {plugin: PluginSettings(plugin, entries) for plugin, entries in values.items()}


def coerce(setting: Setting, raw: Any, source: str) -> SettingValue:
    """``raw`` as a value of ``setting``'s type, or ValueError naming the setting and ``source``.

    Text is read as JSON where the setting is not text (``"20"`` is 20, ``"true"`` is True), as
    environment variables are; a list setting also takes one text separated by commas.
    """
    default = setting.default
    where = f"{source}: {setting.plugin}.{setting.key}"
    if isinstance(default, tuple):
        if isinstance(raw, str) and not raw.lstrip().startswith("["):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        items = _json(raw)
        if isinstance(items, list | tuple) and all(isinstance(item, str) for item in items):
            return tuple(items)
        raise ValueError(f"{where} is a list of texts, not {raw!r}")
    if isinstance(default, str):
        if isinstance(raw, str):
            return raw
        raise ValueError(f"{where} is a text, not {raw!r}")
    value = _json(raw)
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        raise ValueError(f"{where} is true or false, not {raw!r}")
    number: int | float
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{where} is a whole number, not {raw!r}")
        number = value
    else:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{where} is a number, not {raw!r}")
        number = float(value)
    if setting.minimum is not None and number < setting.minimum:
        raise ValueError(f"{where} is at least {setting.minimum:g}, not {number:g}")
    return number


def _json(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load_settings(pm: pluggy.PluginManager, *, config_file: Any, environ: Mapping[str, str],
                  application: Any = None) -> dict[str, PluginSettings]:
    """The settings of every plugin of ``pm``, from its defaults and the instance, in the documented order.

    ``config_file``: the ``plugins`` table of ``config.toml``; ``environ``: the process's
    environment; ``application``: the ``PLUGIN_SETTINGS`` mapping given to ``create_app``.
    """
    return resolve_settings(declared_settings(pm), [(CONFIG_FILE, config_file),
                                                    (ENVIRONMENT, environment_tables(environ)),
                                                    (APPLICATION, application)])
