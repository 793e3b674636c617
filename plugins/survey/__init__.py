"""Opinion surveys (民意调查) from XLSForm definitions, answered on public web forms."""
from __future__ import annotations

import os
from datetime import date, datetime
from typing import TYPE_CHECKING

from core import clock
from core.access.models import Role, User
from core.hookspecs import hookimpl
from core.hooktypes import MENU_SOURCES, JobSpec, MenuItem, Panel, RuleSpec, Setting, SignalKind
from core.i18n import N_
from plugins.survey import models  # noqa: F401  (the tables join the metadata on load)
from plugins.survey.access import SURVEY_CAPABILITIES

if TYPE_CHECKING:
    import click
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from core.apitypes import ApiRoute
    from core.ledger.models import Matter
    from core.org.models import Unit

HERE = os.path.dirname(os.path.abspath(__file__))


@hookimpl
def duban_signal_kinds() -> list[SignalKind]:
    return [
        SignalKind("survey", "satisfaction", N_("Survey satisfaction (share satisfied)"), -1, "share", history=True),
        SignalKind("survey", "not_delivered", N_("Share of respondents reporting non-delivery"), 1, "share",
                   history=True),
        SignalKind("survey", "sample_size", N_("Survey sample size"), 1, "count"),
        SignalKind("survey", "awareness", N_("Survey awareness (share aware of the policy)"), -1, "share",
                   history=True),
        SignalKind("survey", "satisfaction_off_target", N_("Satisfaction significantly below target"), 1, "flag"),
        SignalKind("survey", "awareness_off_target", N_("Awareness significantly below target"), 1, "flag"),
        SignalKind("survey", "not_delivered_off_target", N_("Non-delivery significantly above its ceiling"), 1,
                   "flag"),
    ]


@hookimpl
def duban_source_labels() -> dict[str, str]:
    return {"survey": N_("Satisfaction surveys")}


@hookimpl
def duban_capabilities() -> dict[str, frozenset[Role]]:
    return dict(SURVEY_CAPABILITIES)


@hookimpl
def duban_migrations() -> str:
    return os.path.join(HERE, "migrations")


@hookimpl
def duban_blueprints() -> list[Blueprint]:
    from plugins.survey.views import bp

    return [bp]


@hookimpl
def duban_api_routes() -> list[ApiRoute]:
    from plugins.survey.api import ROUTES

    return ROUTES


@hookimpl
def duban_menu_items(user: User) -> list[MenuItem]:
    return [MenuItem("survey.index", N_("Surveys"), order=320, capability="survey.view",
                     description=N_("Opinion surveys from XLSForm: publish, invite, read the results."),
                     group=MENU_SOURCES)]


@hookimpl
def duban_matter_panels(session: Session, matter: Matter, user: User) -> list[Panel]:
    from plugins.survey.panels import matter_panel

    return matter_panel(session, matter, user)


@hookimpl
def duban_unit_panels(session: Session, unit: Unit, user: User) -> list[Panel]:
    from plugins.survey.panels import unit_panel

    return unit_panel(session, unit, user)


@hookimpl
def duban_cli_commands() -> list[click.Command]:
    from plugins.survey.cli import survey_group

    return [survey_group]


@hookimpl
def duban_tick(session: Session, now: datetime) -> list[str]:
    from plugins.survey.signals import refresh_signals

    changed = refresh_signals(session, clock.day_of(now))
    return [f"survey: {changed} signal(s) updated"]


@hookimpl
def duban_jobs() -> list[JobSpec]:
    """Reminders e-mail invitees: a job of its own, with the configuration and its own transactions."""
    from plugins.survey.reminders import reminders_job

    # Hourly, off the tick's and the feeds' minutes; each reminder goes out once a day at most.
    return [JobSpec("survey_reminders", reminders_job, schedule="10 * * * *", in_tick=True)]


@hookimpl
def duban_settings() -> list[Setting]:
    """How often invitees who have not answered are reminded (see plugins.survey.reminders)."""
    from plugins.survey.reminders import EVERY_DAYS, MAX_REMINDERS

    return [
        Setting("survey", "reminder_every_days", EVERY_DAYS, N_("Days between reminders"),
                N_("An invitee who has not answered is reminded this many days after the invitation, "
                   "and again as many days after each reminder."), minimum=1),
        Setting("survey", "max_reminders", MAX_REMINDERS, N_("Reminders per invitee"),
                N_("At most this many reminders go to one invitee; 0 sends none."), minimum=0),
    ]


@hookimpl
def duban_demo_data(session: Session, today: date) -> None:
    from plugins.survey.demo import seed

    seed(session, today)


@hookimpl
def duban_default_rules() -> list[RuleSpec]:
    """Scoring rules over this plugin's signals (see docs/scoring.md)."""
    return [
        {"id": "survey.contradiction",
         "when": "reported_done and survey.not_delivered_off_target >= 1", "points": 35,
         "reason": N_("Reported done, but %(survey.not_delivered)s of %(survey.sample_size)s surveyed "
                      "say the benefit never arrived"),
         "basis": N_("The survey's own ceiling for non-delivery, set by the office: the 95% Wilson interval of "
                     "the share lies wholly above it.")},
        {"id": "survey.dissatisfied", "when": "survey.satisfaction_off_target >= 1", "points": 15,
         "reason": N_("Survey satisfaction %(survey.satisfaction)s, significantly below its target"),
         "basis": N_("The survey's own satisfaction target, set by the office: the 95% Wilson interval of the "
                     "share lies wholly below it.")},
    ]
