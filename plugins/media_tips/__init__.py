"""Media reports and public tips (舆论监督, 群众线索): intake, linking, triage."""
from __future__ import annotations

import os
from collections.abc import Collection
from datetime import date, datetime
from typing import TYPE_CHECKING

from core import clock
from core.access.models import Role, User
from core.hookspecs import hookimpl
from core.hooktypes import MENU_SOURCES, Importer, JobSpec, MenuItem, Panel, RuleSpec, Setting, SignalKind
from core.i18n import N_
from plugins.media_tips import models  # noqa: F401  (the tables join the metadata on load)
from plugins.media_tips.access import TIP_CAPABILITIES

if TYPE_CHECKING:
    from flask import Blueprint
    from sqlalchemy.orm import Session

    from core.apitypes import ApiRoute
    from core.ledger.models import Matter
    from core.org.models import Unit

HERE = os.path.dirname(os.path.abspath(__file__))


@hookimpl
def duban_signal_kinds() -> list[SignalKind]:
    return [
        SignalKind("media_tips", "tips_recent", N_("Tips in the last 90 days"), 1, "count"),
        SignalKind("media_tips", "cluster_size", N_("Largest cluster of similar tips"), 1, "count"),
        SignalKind("media_tips", "verified_share", N_("Share of tips verified"), 1, "share"),
        SignalKind("media_tips", "answers_overdue", N_("Unit answers overdue"), 1, "count"),
        SignalKind("media_tips", "media_reports", N_("Media reports"), 1, "count"),
    ]


@hookimpl
def duban_source_labels() -> dict[str, str]:
    return {"media_tips": N_("Media and public tips")}


@hookimpl
def duban_refs_held(session: Session, channel: str, refs: Collection[str]) -> list[str]:
    """Tips taken in from ``channel`` (the hotline) under one of ``refs``: counted here, not again elsewhere."""
    from sqlalchemy import select

    from plugins.media_tips.models import Tip, TipSource

    if channel not in {source.value for source in TipSource} or not refs:
        return []
    return list(session.scalars(select(Tip.ref).where(Tip.source == TipSource(channel), Tip.ref.in_(list(refs)))))


@hookimpl
def duban_capabilities() -> dict[str, frozenset[Role]]:
    return dict(TIP_CAPABILITIES)


@hookimpl
def duban_migrations() -> str:
    return os.path.join(HERE, "migrations")


@hookimpl
def duban_importers() -> list[Importer]:
    from plugins.media_tips.importer import import_tips

    return [Importer("tips", N_("Tips"), import_tips, formats=("csv", "xlsx", "jsonl"), capability="tips.triage")]


@hookimpl
def duban_blueprints() -> list[Blueprint]:
    from plugins.media_tips.views import bp

    return [bp]


@hookimpl
def duban_api_routes() -> list[ApiRoute]:
    from plugins.media_tips.api import ROUTES

    return ROUTES


@hookimpl
def duban_menu_items(user: User) -> list[MenuItem]:
    return [MenuItem("media_tips.index", N_("Tips"), order=300, capability="tips.view",
                     description=N_("Tips from the public, the media and the hotline: triage and hand-over."),
                     group=MENU_SOURCES),
            MenuItem("media_tips.feeds", N_("News feeds"), order=310, capability="tips.triage",
                     description=N_("RSS and Atom feeds polled for reports about matters and units."),
                     group=MENU_SOURCES),
            MenuItem("media_tips.answers", N_("Tips to answer"), order=300, capability="tips.answer",
                     description=N_("Tips handed over to your unit, waiting for its answer."),
                     group=MENU_SOURCES)]


@hookimpl
def duban_matter_panels(session: Session, matter: Matter, user: User) -> list[Panel]:
    from plugins.media_tips.panels import matter_panel

    return matter_panel(session, matter, user)


@hookimpl
def duban_unit_panels(session: Session, unit: Unit, user: User) -> list[Panel]:
    from plugins.media_tips.panels import unit_panel

    return unit_panel(session, unit, user)


@hookimpl
def duban_tick(session: Session, now: datetime) -> list[str]:
    from plugins.media_tips.signals import refresh_signals
    from plugins.media_tips.triage import overdue_notices

    today = clock.day_of(now)
    overdue = overdue_notices(session, today)
    changed = refresh_signals(session, today)
    return [f"tips: {overdue} answer(s) overdue, {changed} signal(s) updated"]


@hookimpl
def duban_jobs() -> list[JobSpec]:
    """Feed polling reaches out to other hosts: a job of its own, retried when it fails."""
    from plugins.media_tips.feeds import poll_feeds_job

    # Off the tick's minutes, so on SQLite the two do not wait on each other's write lock.
    return [JobSpec("poll_feeds", poll_feeds_job, schedule="5-59/15 * * * *", in_tick=True)]


@hookimpl
def duban_settings() -> list[Setting]:
    """Bounds on reading a news feed (see plugins.media_tips.feeds)."""
    from plugins.media_tips.feeds import MAX_BYTES, TIMEOUT_SECONDS

    return [
        Setting("media_tips", "feed_timeout_seconds", TIMEOUT_SECONDS, N_("Feed timeout (seconds)"),
                N_("How long a news feed may take to answer before that poll fails."), minimum=1),
        Setting("media_tips", "feed_max_bytes", MAX_BYTES, N_("Largest feed (bytes)"),
                N_("A feed larger than this is not read; its poll fails."), minimum=1024),
    ]


@hookimpl
def duban_demo_data(session: Session, today: date) -> None:
    from plugins.media_tips.demo import seed

    seed(session, today)


@hookimpl
def duban_default_rules() -> list[RuleSpec]:
    """Scoring rules over this plugin's signals (see docs/scoring.md)."""
    return [
        {"id": "media_tips.cluster", "when": "media_tips.cluster_size >= 5", "points": 20,
         "reason": N_("%(media_tips.cluster_size)s similar public tips about the same problem"),
         "basis": N_("Policy: five separate people reporting the same problem within 90 days is public "
                     "attention an office answers for.")},
        {"id": "media_tips.unanswered", "when": "media_tips.answers_overdue >= 1", "points": 10,
         "reason": N_("%(media_tips.answers_overdue)s tips handed over and not answered in time"),
         "basis": N_("The answer date the office set when it handed the tip over.")},
    ]


@hookimpl
def duban_public_links() -> list[MenuItem]:
    return [
        MenuItem("media_tips.file_tip", N_("Report a problem"), order=100,
                 description=N_("Tell the supervision office about a policy not carried out. No account needed.")),
        MenuItem("media_tips.status", N_("Check a report"), order=110,
                 description=N_("Follow your report with the query code on its receipt.")),
    ]
