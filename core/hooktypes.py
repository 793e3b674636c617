"""Plain records passed across the plugin contract (see :mod:`core.hookspecs`)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict

from core.i18n import N_

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from core.importing import ImportReport


@dataclass(frozen=True)
class SignalKind:
    """A kind of evidence a source emits.

    ``direction`` is +1 when a higher value means a likelier problem, -1 when a
    higher value means better performance. ``scale`` describes the value's range.
    """

    source: str
    name: str
    label: str
    direction: Literal[1, -1] = 1
    scale: str = "count"
    description: str = ""
    #: The observations are measurements kept as a time series (a score per
    #: evaluation, a share per survey wave): scoring adds their history
    #: (mean, lowest, count, trend, days since the last) per task and per unit.
    history: bool = False
    #: The value counts days that go on growing by one a day after the
    #: observation while it is above zero (days a rectification is overdue).
    grows_daily: bool = False


class RuleSpec(TypedDict):
    """A default scoring rule a plugin contributes (see ``duban_default_rules``), in the shape of a
    ``[[rule]]`` table of the rules file: ``when`` is a condition over feature names, ``reason`` a
    msgid with ``%(feature)s`` placeholders, ``basis`` a msgid saying where the threshold comes from."""

    id: str
    when: str
    points: float
    reason: str
    basis: NotRequired[str]


@dataclass(frozen=True)
class ImportContext:
    """Who is importing, and how."""

    actor: str
    dry_run: bool = False
    user_id: int | None = None
    options: dict[str, Any] = field(default_factory=dict)


ImportHandler = Callable[["Session", bytes, "str | None", ImportContext], "ImportReport"]


@dataclass(frozen=True)
class Importer:
    """A file importer behind ``duban import KIND FILE`` and the upload page.

    ``handler`` validates every row and writes them through ``session``; it
    never commits. The caller commits only when the report has no errors, so an
    import is one transaction.
    """

    kind: str
    label: str
    handler: ImportHandler
    formats: tuple[str, ...] = ("csv", "xlsx", "jsonl")
    capability: str = "ledger.manage"


@dataclass(frozen=True)
class JobSpec:
    """A background job a plugin offers (see ``duban_jobs``).

    ``function(runtime, *args)`` does the work with a :class:`core.jobs.JobRuntime`
    (the database, the plugins, the configuration), opens its own transactions,
    and returns a JSON-able summary. It must be safe to run twice. ``schedule`` is
    its default crontab text (``"minute hour day month day_of_week"``), or None
    for a job that runs only when queued; ``JOB_SCHEDULES`` overrides it by name.
    ``in_tick``: ``duban tick`` runs it too, for instances driven by cron rather
    than a job consumer.
    """

    name: str
    function: Callable[..., Any]
    schedule: str | None = None
    in_tick: bool = False


# The navigation's groups (msgids, the group's heading): an entry joins one with ``MenuItem.group``.
# A plugin may also name a group of its own (a msgid from its catalogue); entries without a group,
# and a group the user sees only one entry of, are plain links.
MENU_LEDGER = N_("Ledger and research")
MENU_SUPERVISION = N_("Reviews and circulars")
MENU_SOURCES = N_("Sources")
MENU_ADMINISTRATION = N_("Administration")


@dataclass(frozen=True)
class MenuItem:
    """A navigation entry: ``endpoint`` is a Flask endpoint name, ``label`` a msgid.

    ``capability``: the entry is shown only to a user who holds it (in the same capability table
    the pages check, core's and every plugin's); None shows it to every signed-in user. Public
    links take none. ``group``: the heading it is listed under (:data:`MENU_LEDGER`,
    :data:`MENU_SUPERVISION`, :data:`MENU_SOURCES`, :data:`MENU_ADMINISTRATION` or a plugin's
    own msgid); empty for a link of its own. Groups are ordered by their first entry's ``order``.
    """

    endpoint: str
    label: str
    order: int = 100
    description: str = ""
    capability: str | None = None
    group: str = ""


@dataclass(frozen=True)
class Panel:
    """A block on a matter's or a unit's page, rendered from ``template``."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


#: What a plugin setting may hold: the type of its default is the type it keeps.
SettingValue = bool | int | float | str | tuple[str, ...]


@dataclass(frozen=True)
class Setting:
    """One setting a plugin reads, with its default (see ``duban_settings``).

    ``plugin`` is the plugin's name (its entry-point name): the instance sets the value in
    ``config.toml`` under ``[plugins.<plugin>]`` or with the environment variable
    ``DUBAN_<PLUGIN>__<KEY>``. A value given there must have the default's type (a whole
    number for an ``int``, a number for a ``float``, ``true``/``false`` for a ``bool``, a list
    of texts or one text separated by commas for a ``tuple``) and, for numbers, be at least
    ``minimum``. ``label`` and ``description`` are msgids shown on the administrators'
    **Plugins** page; a ``secret`` value (a password, a key) is never shown there.
    """

    plugin: str
    key: str
    default: SettingValue
    label: str
    description: str = ""
    minimum: float | None = None
    secret: bool = False
