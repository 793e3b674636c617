"""Audit findings (审计发现) as evidence: intake, rectification tracking, signals."""
from __future__ import annotations

import os
from datetime import date, datetime
from typing import TYPE_CHECKING

from core.access.models import Role, User
from core.hookspecs import hookimpl
from core.hooktypes import MENU_SOURCES, Importer, MenuItem, Panel, RuleSpec, SignalKind
from core.i18n import N_
from plugins.audit import models  # noqa: F401  (the tables join the metadata on load)
from plugins.audit.access import AUDIT_CAPABILITIES

if TYPE_CHECKING:
    import click
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from core.ledger.models import Matter
    from core.org.models import Unit

HERE = os.path.dirname(os.path.abspath(__file__))


@hookimpl
def duban_signal_kinds() -> list[SignalKind]:
    return [
        SignalKind("audit", "open_findings", N_("Open audit findings"), 1, "count"),
        SignalKind("audit", "severe_findings", N_("Severe audit findings"), 1, "count"),
        SignalKind("audit", "amount_involved", N_("Amount involved in findings (yuan)"), 1, "yuan"),
        SignalKind("audit", "rectification_overdue_days", N_("Days rectification is overdue"), 1, "days",
                   grows_daily=True),
        SignalKind("audit", "repeat_findings", N_("Repeated findings of the same category"), 1, "count"),
    ]


@hookimpl
def duban_source_labels() -> dict[str, str]:
    return {"audit": N_("Audit findings")}


@hookimpl
def duban_capabilities() -> dict[str, frozenset[Role]]:
    return dict(AUDIT_CAPABILITIES)


@hookimpl
def duban_migrations() -> str:
    return os.path.join(HERE, "migrations")


@hookimpl
def duban_importers() -> list[Importer]:
    from plugins.audit.importer import import_findings

    return [Importer("audit", N_("Audit findings"), import_findings, formats=("csv", "xlsx", "jsonl"),
                     capability="audit.import")]


@hookimpl
def duban_blueprints() -> list[Blueprint]:
    from plugins.audit.views import bp

    return [bp]


@hookimpl
def duban_menu_items(user: User) -> list[MenuItem]:
    return [MenuItem("audit_findings.index", N_("Audit findings"), order=320, capability="audit.view",
                     description=N_("Findings of audits, their rectification and deadlines; filter and export."),
                     group=MENU_SOURCES)]


@hookimpl
def duban_matter_panels(session: Session, matter: Matter, user: User) -> list[Panel]:
    from plugins.audit.panels import matter_panel

    return matter_panel(session, matter, user)


@hookimpl
def duban_unit_panels(session: Session, unit: Unit, user: User) -> list[Panel]:
    from plugins.audit.panels import unit_panel

    return unit_panel(session, unit, user)


@hookimpl
def duban_tick(session: Session, now: datetime) -> list[str]:
    from core import clock
    from plugins.audit.reminders import tick

    return tick(session, clock.day_of(now))  # the office's day, not UTC's


@hookimpl
def duban_demo_data(session: Session, today: date) -> None:
    from plugins.audit.demo import seed

    seed(session, today)


@hookimpl
def duban_cli_commands() -> list[click.Command]:
    from plugins.audit.cli import audit_group

    return [audit_group]


@hookimpl
def duban_default_rules() -> list[RuleSpec]:
    """Scoring rules over this plugin's signals (see docs/scoring.md)."""
    return [
        {"id": "audit.severe_overdue", "when": "audit.severe_findings >= 1 and audit.rectification_overdue_days > 30",
         "points": 30, "reason": N_("%(audit.severe_findings)s severe audit findings, rectification "
                                     "%(audit.rectification_overdue_days)s days overdue"),
         "basis": N_("The audit office's own severity grading and rectification deadline, missed by more than "
                     "one monthly reporting period.")},
        {"id": "audit.repeat", "when": "audit.repeat_findings >= 1", "points": 15,
         "reason": N_("The same audit problem found again %(audit.repeat_findings)s times"),
         "basis": N_("Policy: a problem the audit office finds again in the same category was not truly "
                     "rectified.")},
    ]
