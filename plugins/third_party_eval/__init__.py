"""Third-party evaluations (第三方评估): institutions, assignments, scored assessments."""
from __future__ import annotations

import os
from datetime import date, datetime
from typing import TYPE_CHECKING

from core import clock
from core.access.models import Role, User
from core.hookspecs import hookimpl
from core.hooktypes import MENU_SOURCES, Importer, MenuItem, Panel, RuleSpec, SignalKind
from core.i18n import N_
from plugins.third_party_eval import models  # noqa: F401  (the tables join the metadata on load)
from plugins.third_party_eval.access import TPE_CAPABILITIES

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
        SignalKind("third_party_eval", "weighted_score", N_("Weighted evaluation score"), -1, "0-100", history=True),
        SignalKind("third_party_eval", "below_target", N_("Indicators below target"), 1, "count"),
        SignalKind("third_party_eval", "self_report_gap", N_("Self-reported completion minus evaluated score"), 1,
                   "points", history=True),
    ]


@hookimpl
def duban_source_labels() -> dict[str, str]:
    return {"third_party_eval": N_("Third-party evaluations")}


@hookimpl
def duban_capabilities() -> dict[str, frozenset[Role]]:
    return dict(TPE_CAPABILITIES)


@hookimpl
def duban_migrations() -> str:
    return os.path.join(HERE, "migrations")


@hookimpl
def duban_importers() -> list[Importer]:
    from plugins.third_party_eval.importer import import_evaluations

    return [Importer("evaluations", N_("Third-party evaluations"), import_evaluations,
                     formats=("csv", "xlsx", "jsonl"), capability="tpe.upload")]


@hookimpl
def duban_tick(session: Session, now: datetime) -> list[str]:
    """Bring the evaluation series up to the day (a progress report filed since moves the self-report gap)."""
    from plugins.third_party_eval.signals import refresh_all

    changed = refresh_all(session, clock.day_of(now))
    return [f"evaluations: {changed} signal(s) updated"]


@hookimpl
def duban_cli_commands() -> list[click.Command]:
    from plugins.third_party_eval.cli import evaluations_group

    return [evaluations_group]


@hookimpl
def duban_blueprints() -> list[Blueprint]:
    from plugins.third_party_eval.views import bp

    return [bp]


@hookimpl
def duban_menu_items(user: User) -> list[MenuItem]:
    if user.role == Role.evaluator:
        return [MenuItem("third_party_eval.index", N_("My evaluations"), order=200,
                         description=N_("Your assignments, their templates, and the scores you uploaded."))]
    if user.role in TPE_CAPABILITIES["tpe.manage"]:
        return [MenuItem("third_party_eval.index", N_("Evaluations"), order=330,
                         description=N_("Evaluation institutions, assignments, indicators and scores."),
                         group=MENU_SOURCES)]
    return []


@hookimpl
def duban_matter_panels(session: Session, matter: Matter, user: User) -> list[Panel]:
    from plugins.third_party_eval.panels import matter_panel

    return matter_panel(session, matter, user)


@hookimpl
def duban_unit_panels(session: Session, unit: Unit, user: User) -> list[Panel]:
    from plugins.third_party_eval.panels import unit_panel

    return unit_panel(session, unit, user)


@hookimpl
def duban_demo_data(session: Session, today: date) -> None:
    from plugins.third_party_eval.demo import seed

    seed(session, today)


@hookimpl
def duban_default_rules() -> list[RuleSpec]:
    """Scoring rules over this plugin's signals (see docs/scoring.md)."""
    return [
        {"id": "third_party_eval.gap", "when": "third_party_eval.self_report_gap >= 30", "points": 25,
         "reason": N_("Self-reported completion exceeds the evaluators' score by "
                      "%(third_party_eval.self_report_gap)s points"),
         "basis": N_("Policy: a unit's own report 30 points above the independent evaluation on the same "
                     "0-100 scale is a claim to check on site.")},
        {"id": "third_party_eval.below_target", "when": "third_party_eval.below_target >= 3", "points": 10,
         "reason": N_("%(third_party_eval.below_target)s indicators below target in the evaluation"),
         "basis": N_("The targets the office set for each indicator of the evaluation framework.")},
    ]
