"""Core's own contributions through the plugin contract: its capabilities, importers, rules and
daily work. Its pages, commands and navigation are the web side's (``web.builtin``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core import clock
from core.access.models import Role
from core.access.scope import CAPABILITIES
from core.hookspecs import hookimpl
from core.hooktypes import Importer, RuleSpec
from core.i18n import N_


@hookimpl
def duban_capabilities() -> dict[str, frozenset[Role]]:
    """Core's capabilities, in the one table the plugins add theirs to."""
    return dict(CAPABILITIES)


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
def duban_source_labels() -> dict[str, str]:
    from core.signals_import import OUTSIDE_SOURCES

    return {"review": N_("On-site reviews"), **OUTSIDE_SOURCES}


@hookimpl
def duban_default_rules() -> list[RuleSpec]:
    from core.scoring.rules import CORE_RULES

    return [rule.copy() for rule in CORE_RULES]


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
    from core.circulars.reminders import send_explanation_reminders

    return send_explanation_reminders(session, clock.day_of(now))
