"""Core's own contributions through the plugin contract."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core import clock
from core.access.models import Role, User
from core.hookspecs import hookimpl
from core.hooktypes import Importer, MenuItem
from core.i18n import N_


@hookimpl(trylast=True)
def duban_menu_items(user: User) -> list[MenuItem]:
    items = [MenuItem("auth.change_password", N_("Change password"), order=900,
                      description=N_("Set a new password for your account."))]
    if user.role in (Role.admin, Role.supervisor, Role.leader):
        items.append(MenuItem("units.index", N_("Units"), order=800,
                              description=N_("The unit hierarchy and region codes.")))
    if user.role in (Role.admin, Role.supervisor, Role.auditor, Role.evaluator):
        items.append(MenuItem("imports.index", N_("Imports"), order=700,
                              description=N_("Check a file row by row, then import it.")))
    items.append(MenuItem("ledger.notifications", N_("Notifications"), order=700,
                          description=N_("Reminders, urging notices and replies about your tasks.")))
    if user.role in (Role.admin, Role.supervisor, Role.leader, Role.unit_officer):
        items.append(MenuItem("ledger.tasks", N_("Ledger"), order=100,
                              description=N_("Every task: state, deadline, traffic light; filter and export.")))
        items.append(MenuItem("ledger.overdue", N_("Overdue"), order=120,
                              description=N_("Overdue tasks and the units behind them.")))
    if user.role in (Role.admin, Role.supervisor, Role.leader):
        items.append(MenuItem("ledger.matters", N_("Matters"), order=110,
                              description=N_("Register matters and dispatch their tasks.")))
        items.append(MenuItem("ledger.research", N_("Research"), order=130,
                              description=N_("Research topics: visits, findings and recommendations.")))
    if user.role in (Role.admin, Role.supervisor, Role.leader):
        items.append(MenuItem("dashboard.index", N_("Dashboard"), order=90,
                              description=N_("Figures for leaders: tasks, deadlines, reviews and every source.")))
        items.append(MenuItem("circulars.referrals", N_("Referrals"), order=150,
                              description=N_("Accountability referrals to the supervisory organs.")))
        items.append(MenuItem("circulars.cases", N_("Typical cases"), order=160,
                              description=N_("Cases approved for the public page, personal details removed.")))
    if user.role in (Role.admin, Role.supervisor, Role.leader, Role.unit_officer):
        items.append(MenuItem("circulars.index", N_("Circulars"), order=140,
                              description=N_("Rankings, commendations and criticism; answers owed by units.")))
    if user.role in (Role.admin, Role.supervisor, Role.leader):
        items.append(MenuItem("review.queue", N_("Review queue"), order=200,
                              description=N_("Tasks ranked by the chance and cost of a real problem, with reasons.")))
        items.append(MenuItem("review.rounds", N_("Review rounds"), order=210,
                              description=N_("Plan on-site visits within a budget; record what was found.")))
        items.append(MenuItem("review.model", N_("Scoring model"), order=220,
                              description=N_("How well the ranking works; the estimated problem rate.")))
    if user.role in (Role.admin, Role.supervisor, Role.leader, Role.unit_officer):
        items.append(MenuItem("review.rectifications", N_("Rectifications"), order=230,
                              description=N_("Problems found on site, their deadlines and look-back visits.")))
    if user.role == Role.admin:
        items.append(MenuItem("users.index", N_("Accounts"), order=810,
                              description=N_("Create accounts, set roles and units.")))
        items.append(MenuItem("audit.index", N_("Audit trail"), order=820,
                              description=N_("Every change, who made it and when.")))
    return items


@hookimpl
def duban_importers() -> list[Importer]:
    from core.ledger.importer import import_matters
    from core.org.importer import import_units
    from core.review.importer import import_reviews
    from core.signals_import import import_signals

    return [Importer("units", N_("Units"), import_units, capability="units.manage"),
            Importer("matters", N_("Matters (ledger)"), import_matters, capability="ledger.manage"),
            Importer("reviews", N_("Past on-site reviews"), import_reviews, capability="reviews.manage"),
            Importer("signals", N_("Signals from other sources"), import_signals, capability="signals.post")]


@hookimpl
def duban_default_rules() -> list[dict[str, Any]]:
    from core.scoring.rules import CORE_RULES

    return [dict(rule) for rule in CORE_RULES]


@hookimpl(trylast=True, specname="duban_tick")
def rescore_for_the_day(session: Session, now: datetime) -> list[str] | None:
    """Rescore the review queue for the new day (overdue days grow; new evidence arrived).

    Its own transaction (see ``duban tick``): features are read first, the scores written at
    the end, and nothing at all when nothing changed since the last rescoring.
    """
    pm = session.info.get("plugins")
    if pm is None:
        return None
    from core.scoring.freshness import refresh

    count = refresh(session, pm, clock.day_of(now))
    return [f"scoring: {count} tasks rescored"]


@hookimpl(specname="duban_tick")
def remind_owed_explanations(session: Session, now: datetime) -> list[str]:
    """Remind criticised units of the reasons and improvement plans they owe."""
    from zoneinfo import ZoneInfo

    from core.circulars.facts import DEFAULT_ZONE
    from core.circulars.reminders import send_explanation_reminders

    return send_explanation_reminders(session, now.astimezone(ZoneInfo(DEFAULT_ZONE)).date())


@hookimpl
def duban_public_links() -> list[MenuItem]:
    return [MenuItem("cases.index", N_("Typical cases"), order=200,
                     description=N_("Cases of supervision made public."))]
