"""The plugin contract of Duban.

Every source of evidence (audit findings, surveys, media and public tips,
third-party evaluations, and any later one) is a pluggy plugin implementing some
of these hooks, and of the web side's (``web.hookspecs``: blueprints, navigation,
commands), which ``create_app`` adds to the same plugin manager so that core stays
free of Flask and click. Built-in behaviour is registered as plugins too
(``core.builtin``, ``web.builtin``). Hook names carry
the ``duban_`` prefix; each docstring says when the hook is called and what it
returns. List-returning hooks are called on every plugin and their results
concatenated by the caller.
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.access.models import Role, User
    from core.apitypes import ApiRoute
    from core.hooktypes import Importer, JobSpec, Panel, RuleSpec, Setting, SignalKind
    from core.ledger.models import Matter
    from core.org.models import Unit
    from core.signals import Signal

PROJECT = "duban"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# ---------------------------------------------------------------------------
# Evidence: signals and the rules that read them
# ---------------------------------------------------------------------------


@hookspec
def duban_signal_kinds() -> list[SignalKind]:
    """Declare the kinds of signal this plugin emits.

    Called when the scoring features are assembled and when the signal pages
    are drawn. Returns a list of :class:`core.hooktypes.SignalKind`.
    """


@hookspec
def duban_source_labels() -> dict[str, str]:
    """Name the sources of signal this plugin feeds, for people.

    Called wherever a source is shown instead of its key (the review queue's
    source filter, evidence lists). Returns ``{source: msgid}``, each msgid
    marked with ``N_`` and translated in the plugin's catalogue.
    """


@hookspec
def duban_default_rules() -> list[RuleSpec]:
    """Contribute default scoring rules.

    Called when the rule engine loads its rule set; the instance's own rules
    file overrides rules with the same ``id``. Returns :class:`core.hooktypes.RuleSpec`
    mappings, in the shape of the rules TOML file (``id``, ``when``, ``points``,
    ``reason``, ``basis``).
    """


@hookspec
def duban_signal_recorded(session: Session, signal: Signal) -> None:
    """Called after a signal is stored (inside the same transaction).

    ``signal`` is the stored :class:`core.signals.Signal`. Returns nothing.
    """


@hookspec
def duban_refs_held(session: Session, channel: str, refs: Collection[str]) -> Collection[str] | None:
    """Say which records of an outside system this plugin already holds, so one report is counted once.

    ``refs`` are numbers an outside system gave its records (12345 hotline order numbers);
    ``channel`` names the way they reached Duban (``"hotline"``). Called by a source that
    imports that system's records itself (:func:`core.plugins.refs_held`), before it counts
    them. Returns those of ``refs`` this plugin holds as records of its own received through
    ``channel`` (for the tips plugin, tips whose source is ``channel`` and whose ref is one of
    them), or nothing. Reads only; never writes.
    """


# ---------------------------------------------------------------------------
# Intake
# ---------------------------------------------------------------------------


@hookspec
def duban_importers() -> list[Importer]:
    """Offer file importers behind ``duban import KIND FILE`` and the upload page.

    Called once per plugin manager. Returns a list of
    :class:`core.hooktypes.Importer`; kind names must be unique.
    """


# ---------------------------------------------------------------------------
# Persistence, access and time
# ---------------------------------------------------------------------------


@hookspec
def duban_migrations() -> str | None:
    """Return the folder holding this plugin's Alembic revisions, or None.

    Called by ``duban db upgrade``; each plugin's revisions form their own
    branch, so a plugin adds tables without touching core's migrations.
    """


@hookspec
def duban_capabilities() -> dict[str, frozenset[Role]]:
    """Declare capabilities this plugin checks, mapped to the roles that hold them.

    Called when the application is built; merged into core's capability table
    used by :class:`core.access.scope.Scope`.
    """


@hookspec
def duban_settings() -> list[Setting]:
    """Declare the settings this plugin reads, each with its default.

    Called once when the application is built. Returns a list of
    :class:`core.hooktypes.Setting`; ``(plugin, key)`` pairs must be unique. The
    instance's values (``[plugins.<plugin>]`` in ``config.toml``,
    ``DUBAN_<PLUGIN>__<KEY>`` in the environment) override the defaults; the plugin
    reads the result through ``web.plugin_api.settings(plugin)``.
    """


@hookspec
def duban_demo_data(session: Session, today: date) -> None:
    """Add this plugin's part of the demo province.

    Called by ``duban demo`` after core's units, users and ledger exist, inside
    the demo's transaction. Returns nothing.
    """


@hookspec
def duban_tick(session: Session, now: datetime) -> list[str] | None:
    """Do what is due at ``now`` (reminders, polling); must be safe to run twice.

    Called by ``duban tick``, one transaction per plugin. Returns lines that
    summarise what was done, or None.
    """


@hookspec
def duban_jobs() -> list[JobSpec]:
    """Offer background jobs, each with an optional default schedule.

    Called once when the application's job queue is built. Returns a list of
    :class:`core.hooktypes.JobSpec`; names must be unique and differ from core's
    jobs. Work that takes long or reaches out (polling feeds) belongs in a job of
    its own rather than in :func:`duban_tick`: it is retried, and shown to
    administrators when it still fails.
    """


# ---------------------------------------------------------------------------
# Pages and the JSON API (what the web side draws and mounts from core's records;
# hooks that take Flask's or click's objects are in ``web.hookspecs``)
# ---------------------------------------------------------------------------


@hookspec
def duban_matter_panels(session: Session, matter: Matter, user: User) -> list[Panel]:
    """Return panels for a matter's page (survey results, findings, tips …).

    Called when the matter page is drawn for ``user``. Returns a list of
    :class:`core.hooktypes.Panel`; return none for what the user may not see.
    """


@hookspec
def duban_unit_panels(session: Session, unit: Unit, user: User) -> list[Panel]:
    """Return panels for a unit's page. Called like :func:`duban_matter_panels`."""


@hookspec
def duban_api_routes() -> list[ApiRoute]:
    """Offer JSON API operations under ``/api/v1`` (tips, survey results …).

    Called once in ``create_app``. Returns a list of :class:`core.apitypes.ApiRoute`;
    each is mounted, guarded by its capability, and described in the OpenAPI
    document at ``/api/v1/openapi.json``. Paths must be unique across plugins.
    """
