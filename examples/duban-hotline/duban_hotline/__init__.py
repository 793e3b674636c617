"""12345 hotline work orders (12345热线工单) as a source of evidence: an example plugin from outside Duban.

Installed on its own (``pip install -e examples/duban-hotline``), found through its entry point in
the ``duban`` group, and written only against core's public modules and ``web.plugin_api``: the
proof that a new source is one more plugin and nothing else. See README.md beside this package.
"""
from __future__ import annotations

import os
from datetime import date, datetime
from typing import TYPE_CHECKING

from core.access.models import Role, User
from core.hookspecs import hookimpl
from core.hooktypes import MENU_SOURCES, Importer, MenuItem, Panel, RuleSpec, Setting, SignalKind
from core.i18n import N_
from duban_hotline import models  # noqa: F401  (the table joins the metadata on load)
from duban_hotline.access import CAPABILITIES_HOTLINE
from duban_hotline.signals import OVERDUE_AFTER_DAYS, SOURCE

if TYPE_CHECKING:
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from core.ledger.models import Matter

HERE = os.path.dirname(os.path.abspath(__file__))


@hookimpl
def duban_signal_kinds() -> list[SignalKind]:
    return [
        SignalKind(SOURCE, "complaints", N_("12345 complaints in the last 90 days"), 1, "count"),
        SignalKind(SOURCE, "repeat_complaints", N_("12345 complaints again after an order was closed"), 1, "count"),
        SignalKind(SOURCE, "dissatisfied_share", N_("Share of 12345 callers dissatisfied"), 1, "share"),
        SignalKind(SOURCE, "overdue", N_("12345 orders open too long"), 1, "count"),
    ]


@hookimpl
def duban_source_labels() -> dict[str, str]:
    return {SOURCE: N_("12345 hotline orders")}


@hookimpl
def duban_capabilities() -> dict[str, frozenset[Role]]:
    return dict(CAPABILITIES_HOTLINE)


@hookimpl
def duban_migrations() -> str:
    return os.path.join(HERE, "migrations")


@hookimpl
def duban_settings() -> list[Setting]:
    return [Setting(SOURCE, "overdue_after_days", OVERDUE_AFTER_DAYS, N_("Days to close a 12345 order"),
                    N_("An order still open after this many days counts as overdue."), minimum=1)]


@hookimpl
def duban_importers() -> list[Importer]:
    from duban_hotline.importer import import_orders

    return [Importer(SOURCE, N_("12345 hotline orders"), import_orders, formats=("csv", "xlsx"),
                     capability="hotline_orders.import")]


@hookimpl
def duban_default_rules() -> list[RuleSpec]:
    """Scoring rules over the hotline's signals (see README.md)."""
    return [
        {"id": "hotline_orders.many_complaints", "when": "hotline_orders.complaints >= 10", "points": 15,
         "reason": N_("%(hotline_orders.complaints)s complaints to the 12345 hotline in 90 days"),
         "basis": N_("Policy: ten complaints about one task within 90 days is public attention an office answers "
                     "for.")},
        {"id": "hotline_orders.repeats", "when": "hotline_orders.repeat_complaints >= 3", "points": 20,
         "reason": N_("%(hotline_orders.repeat_complaints)s complaints came back after their orders were closed"),
         "basis": N_("A problem reported as solved that callers report again is what an on-site check verifies.")},
        {"id": "hotline_orders.dissatisfied", "when": "hotline_orders.dissatisfied_share >= 0.3", "points": 10,
         "reason": N_("Many 12345 callers were dissatisfied with how their orders were handled"),
         "basis": N_("Policy: a third of callers dissatisfied in 90 days.")},
        {"id": "hotline_orders.overdue", "when": "hotline_orders.overdue >= 5", "points": 10,
         "reason": N_("%(hotline_orders.overdue)s 12345 orders left open too long"),
         "basis": N_("The days to close an order the instance sets (overdue_after_days).")},
    ]


@hookimpl
def duban_tick(session: Session, now: datetime) -> list[str]:
    """Orders age: the 90-day windows move and open orders fall overdue, so the series are brought to today."""
    from core import clock
    from duban_hotline.signals import refresh_signals

    changed = refresh_signals(session, clock.day_of(now))
    return [f"hotline: {changed} signal(s) updated"]


@hookimpl
def duban_blueprints() -> list[Blueprint]:
    from duban_hotline.views import bp

    return [bp]


@hookimpl
def duban_menu_items(user: User) -> list[MenuItem]:
    return [MenuItem("hotline_orders.index", N_("12345 hotline"), order=320, capability="hotline_orders.view",
                     description=N_("Work orders of the 12345 hotline, linked to units and matters."),
                     group=MENU_SOURCES)]


@hookimpl
def duban_matter_panels(session: Session, matter: Matter, user: User) -> list[Panel]:
    from duban_hotline.panels import matter_panel

    return matter_panel(session, matter, user)


@hookimpl
def duban_demo_data(session: Session, today: date) -> None:
    from duban_hotline.demo import seed

    seed(session, today)
