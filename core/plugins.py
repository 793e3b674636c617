"""Building the plugin manager: built-in plugins, entry points, blocklist."""
from __future__ import annotations

import importlib
import os
from collections.abc import Collection, Iterable
from types import ModuleType
from typing import TYPE_CHECKING

import pluggy

from core import hookspecs
from core.access.models import Role
from core.hooktypes import Importer, JobSpec, SignalKind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# Core's own behaviour, registered like any other plugin.
DEFAULT_PLUGINS = ("core.builtin",)

#: Derived capability: held by every role that may use at least one importer (the Imports page's
#: menu entry). Computed from the importers' own capabilities, never declared.
IMPORTS_USE = "imports.use"

#: Refs asked of ``duban_refs_held`` at once: well within every database's limit on bound parameters.
REFS_CHUNK = 1000


def make_plugin_manager(blocked: Iterable[str] = (), extra: Iterable[object] = (), *,
                        specs: Iterable[ModuleType] = (), builtins: Iterable[str] = ()) -> pluggy.PluginManager:
    """A fresh plugin manager: hookspecs, built-ins, ``duban`` entry points, ``extra``.

    ``specs`` are further hookspec modules and ``builtins`` the names of further built-in plugin
    modules, registered after core's: ``create_app`` passes the web side (``web.hookspecs``,
    ``web.builtin``), and every hookimpl is then checked against a spec. Without ``specs`` the
    manager serves what core alone calls (migrations, importers, scoring: scripts and benches);
    the plugins' web hooks have no spec there and are left unchecked. Names in ``blocked``
    (entry-point or built-in names) are not loaded.
    """
    specs = tuple(specs)
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for module in specs:
        pm.add_hookspecs(module)
    for name in blocked:
        pm.set_blocked(name)
    for name in (*DEFAULT_PLUGINS, *builtins):
        if not pm.is_blocked(name):
            pm.register(importlib.import_module(name), name=name)
    pm.load_setuptools_entrypoints(hookspecs.PROJECT)
    for plugin in extra:
        pm.register(plugin)
    if specs:
        pm.check_pending()
    return pm


def plugin_names(pm: pluggy.PluginManager) -> list[str]:
    """Names of the plugins registered, in registration order."""
    return [name for name, plugin in pm.list_name_plugin() if plugin is not None]


def source_labels(pm: pluggy.PluginManager) -> dict[str, str]:
    """The msgid naming each signal source, by source key (``audit`` → "Audit findings")."""
    labels: dict[str, str] = {}
    for batch in pm.hook.duban_source_labels():
        labels.update(batch or {})
    return labels


def source_label(pm: pluggy.PluginManager, source: str) -> str:
    """The msgid naming ``source``, or the key itself for a source nobody names."""
    return source_labels(pm).get(source, source)


def refs_held(pm: pluggy.PluginManager, session: Session, channel: str, refs: Iterable[str]) -> set[str]:
    """Of ``refs`` (an outside system's record numbers), those another plugin already holds from ``channel``.

    The union of every plugin's ``duban_refs_held``, asked in chunks so that any number of refs
    stays within the database's limit on bound parameters. A source counts a record another
    plugin holds only once (see docs/plugins.md, "One report, counted once").
    """
    wanted = sorted(set(refs))
    held: set[str] = set()
    for start in range(0, len(wanted), REFS_CHUNK):
        chunk = wanted[start:start + REFS_CHUNK]
        for found in pm.hook.duban_refs_held(session=session, channel=channel, refs=chunk):
            held.update(ref for ref in found or () if ref in chunk)
    return held


def importers(pm: pluggy.PluginManager) -> dict[str, Importer]:
    """Every importer offered by the plugins, by kind."""
    found: dict[str, Importer] = {}
    for batch in pm.hook.duban_importers():
        for importer in batch or ():
            if importer.kind in found:
                raise RuntimeError(f"two plugins offer the import kind {importer.kind!r}")
            found[importer.kind] = importer
    return found


def plugin_jobs(pm: pluggy.PluginManager, reserved: Collection[str] = ()) -> dict[str, JobSpec]:
    """Every background job offered by the plugins, by name; ``reserved`` names are core's."""
    found: dict[str, JobSpec] = {}
    for batch in pm.hook.duban_jobs():
        for spec in batch or ():
            if spec.name in found or spec.name in reserved:
                raise RuntimeError(f"the job name {spec.name!r} is offered twice")
            found[spec.name] = spec
    return found


def signal_kinds(pm: pluggy.PluginManager) -> list[SignalKind]:
    """Every signal kind declared by the plugins."""
    return [kind for batch in pm.hook.duban_signal_kinds() for kind in batch or ()]


def capabilities(pm: pluggy.PluginManager) -> dict[str, frozenset[Role]]:
    """The capability table: what every plugin declares (core's own through ``core.builtin``).

    Two plugins declaring the same capability hold it for the union of their roles. The table
    also has :data:`IMPORTS_USE`, derived from the importers' capabilities.
    """
    merged: dict[str, frozenset[Role]] = {}
    for batch in pm.hook.duban_capabilities():
        for name, roles in (batch or {}).items():
            merged[name] = merged.get(name, frozenset()) | frozenset(roles)
    merged[IMPORTS_USE] = frozenset().union(
        *(merged.get(importer.capability, frozenset()) for importer in importers(pm).values()))
    return merged


def migration_dirs(pm: pluggy.PluginManager) -> list[str]:
    """Core's revision folder followed by each plugin's."""
    here = os.path.dirname(os.path.abspath(__file__))
    dirs = [os.path.join(here, "migrations", "versions")]
    dirs.extend(path for path in pm.hook.duban_migrations() if path)
    return dirs


def plugin_translation_dirs(pm: pluggy.PluginManager) -> list[str]:
    """The ``translations`` folder beside each plugin module that has one."""
    dirs = []
    for _name, plugin in pm.list_name_plugin():
        module_file = getattr(plugin, "__file__", None)
        if module_file:
            candidate = os.path.join(os.path.dirname(module_file), "translations")
            if os.path.isdir(candidate):
                dirs.append(candidate)
    return dirs
