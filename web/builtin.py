"""Core's pages, commands and navigation, registered through the web hooks as every plugin's are.

``create_app`` registers this module after ``core.builtin`` (see :mod:`web.hookspecs`). Each menu
entry names the capability of the page it opens, so the navigation is read from the same
capability table as the pages' own checks.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from core.hookspecs import hookimpl
from core.hooktypes import MENU_ADMINISTRATION, MENU_LEDGER, MENU_SOURCES, MENU_SUPERVISION, MenuItem
from core.i18n import N_
from core.plugins import IMPORTS_USE

if TYPE_CHECKING:
    import click
    from flask import Blueprint

    from core.access.models import User

MENU: tuple[MenuItem, ...] = (
    MenuItem("dashboard.index", N_("Dashboard"), order=90, capability="dashboard.view",
             description=N_("Figures for leaders: tasks, deadlines, reviews and every source.")),
    MenuItem("ledger.tasks", N_("Ledger"), order=100, capability="ledger.view",
             description=N_("Every task: state, deadline, traffic light; filter and export."), group=MENU_LEDGER),
    MenuItem("ledger.matters", N_("Matters"), order=110, capability="ledger.view",
             description=N_("Register matters and dispatch their tasks."), group=MENU_LEDGER),
    MenuItem("ledger.overdue", N_("Overdue"), order=120, capability="ledger.view",
             description=N_("Overdue tasks and the units behind them."), group=MENU_LEDGER),
    MenuItem("ledger.research", N_("Research"), order=130, capability="research.view",
             description=N_("Research topics: visits, findings and recommendations."), group=MENU_LEDGER),
    MenuItem("plans.index", N_("Work plans"), order=135, capability="plans.view",
             description=N_("The year's supervision plan: items, approval, publication and progress."),
             group=MENU_SUPERVISION),
    MenuItem("plans.campaigns", N_("Special campaigns"), order=136, capability="campaigns.view",
             description=N_("Campaigns on chosen matters and units: teams, rounds and circulars."),
             group=MENU_SUPERVISION),
    MenuItem("circulars.index", N_("Circulars"), order=140, capability="circulars.view",
             description=N_("Rankings, commendations and criticism; answers owed by units."), group=MENU_SUPERVISION),
    MenuItem("circulars.referrals", N_("Referrals"), order=150, capability="referrals.view",
             description=N_("Accountability referrals to the supervisory organs."), group=MENU_SUPERVISION),
    MenuItem("circulars.cases", N_("Typical cases"), order=160, capability="cases.view",
             description=N_("Cases approved for the public page, personal details removed."), group=MENU_SUPERVISION),
    MenuItem("review.queue", N_("Review queue"), order=200, capability="queue.view",
             description=N_("Tasks ranked by the chance and cost of a real problem, with reasons."),
             group=MENU_SUPERVISION),
    MenuItem("review.rounds", N_("Review rounds"), order=210, capability="queue.view",
             description=N_("Plan on-site visits within a budget; record what was found."), group=MENU_SUPERVISION),
    MenuItem("review.model", N_("Scoring model"), order=220, capability="queue.view",
             description=N_("How well the ranking works; the estimated problem rate."), group=MENU_SUPERVISION),
    MenuItem("review.rectifications", N_("Rectifications"), order=230, capability="ledger.view",
             description=N_("Problems found on site, their deadlines and look-back visits."), group=MENU_SUPERVISION),
    MenuItem("imports.index", N_("Imports"), order=700, capability=IMPORTS_USE,
             description=N_("Check a file row by row, then import it."), group=MENU_SOURCES),
    MenuItem("ledger.notifications", N_("Notifications"), order=700,
             description=N_("Reminders, urging notices and replies about your tasks.")),
    MenuItem("units.index", N_("Units"), order=800, capability="units.view",
             description=N_("The unit hierarchy and region codes."), group=MENU_ADMINISTRATION),
    MenuItem("users.index", N_("Accounts"), order=810, capability="users.manage",
             description=N_("Create accounts, set roles and units."), group=MENU_ADMINISTRATION),
    MenuItem("audit.index", N_("Audit trail"), order=820, capability="audit_log.view",
             description=N_("Every change, who made it and when."), group=MENU_ADMINISTRATION),
    MenuItem("integrations.tokens", N_("API tokens"), order=830, capability="tokens.manage",
             description=N_("Tokens for scripts that use the JSON API."), group=MENU_ADMINISTRATION),
    MenuItem("integrations.webhooks", N_("Webhooks"), order=840, capability="webhooks.manage",
             description=N_("Systems told when tasks change, tips arrive or circulars are published."),
             group=MENU_ADMINISTRATION),
    MenuItem("integrations.jobs", N_("Failed jobs"), order=850, capability="jobs.view",
             description=N_("Background jobs that failed after every retry."), group=MENU_ADMINISTRATION),
    MenuItem("plugin_settings.index", N_("Plugins"), order=860, capability="plugins.view",
             description=N_("The plugins loaded and their settings."), group=MENU_ADMINISTRATION),
    MenuItem("auth.change_password", N_("Change password"), order=900,
             description=N_("Set a new password for your account.")),
)


@hookimpl(tryfirst=True)
def duban_blueprints() -> list[Blueprint]:
    """Core's pages, registered before the plugins' (as they always were)."""
    from web.views import (
        admin_tokens,
        audit,
        circulars,
        dashboard,
        home,
        imports,
        job_runs,
        ledger,
        plans,
        plugin_settings,
        review,
        units,
        users,
    )
    from web.views.circulars.cases import public as public_cases

    modules = (home, units, users, imports, job_runs, audit, ledger, circulars, dashboard, review, plans,
               plugin_settings, admin_tokens)
    return [*(module.bp for module in modules), public_cases]


@hookimpl
def duban_menu_items(user: User) -> list[MenuItem]:
    return list(MENU)


@hookimpl
def duban_public_links() -> list[MenuItem]:
    return [MenuItem("cases.index", N_("Typical cases"), order=200,
                     description=N_("Cases of supervision made public."))]


@hookimpl(tryfirst=True)
def duban_cli_commands() -> list[click.Command]:
    """Core's commands (``duban serve``, ``duban import`` …), added before the plugins'."""
    from web.commands import accounts, audit, backup, database, demo, imports, jobs, scoring, serve, tick, tokens

    modules = (accounts, audit, database, demo, imports, serve, tick, backup, jobs, tokens, scoring)
    return [command for module in modules for command in module.COMMANDS]
