"""Turning survey results into evidence: one signal per unit, matter and indicator.

Each indicator (satisfaction, awareness, benefit not received) gives the share of respondents
about a unit, its sample size, and whether the share is significantly off target: the 95%
Wilson interval lies wholly below the target (for a share that should be high) or wholly
above it (for the share reporting a benefit not received).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.signals import record_signal
from plugins.survey.models import Survey, SurveyStatus
from plugins.survey.results import by_unit, responses, share, wilson

SOURCE = "survey"
# The indicator whose share is bad when high; the others are bad when low.
HIGHER_IS_WORSE = frozenset({"not_delivered"})


def off_target(kind: str, hits: int, n: int, target: float) -> bool:
    """True when the share is significantly on the wrong side of ``target`` given ``n``."""
    low, high = wilson(hits, n)
    return low > target if kind in HIGHER_IS_WORSE else high < target


def refresh_survey(session: Session, survey: Survey, today: date) -> int:
    """Record (or update) the signals of one survey; returns how many changed."""
    if not survey.indicators or not survey.unit_links:
        return 0
    grouped = by_unit(responses(session, survey))
    matters = [link.matter_id for link in survey.matter_links] or [None]
    changed = 0
    for link in survey.unit_links:
        answers = grouped.get(link.unit_id, [])
        for matter_id in matters:
            base = f"{survey.slug}:{link.unit_id}:{matter_id or '-'}"
            changed += _record(session, f"{base}:n", "sample_size", link.unit_id, matter_id, len(answers), today,
                               {"survey": survey.slug})
            for indicator in survey.indicators:
                kind = indicator["kind"]
                hits, n = share(answers, indicator["field"], indicator["values"])
                if n == 0:
                    continue
                target = float(indicator.get("target", 0))
                low, high = wilson(hits, n)
                details = {"survey": survey.slug, "n": n, "hits": hits, "low": round(low, 4),
                           "high": round(high, 4), "target": target}
                changed += _record(session, f"{base}:{kind}", kind, link.unit_id, matter_id, hits / n, today, details)
                changed += _record(session, f"{base}:{kind}_off_target", f"{kind}_off_target", link.unit_id,
                                   matter_id, 1.0 if off_target(kind, hits, n, target) else 0.0, today, details)
    return changed


def _record(session: Session, ref: str, kind: str, unit_id: int, matter_id: int | None, value: float,
            today: date, details: dict[str, Any]) -> int:
    _signal, changed = record_signal(session, source=SOURCE, kind=kind, ref=ref, unit_id=unit_id, value=value,
                                     observed_on=today, matter_id=matter_id, details=details)
    return int(changed)


def refresh_signals(session: Session, today: date) -> int:
    """Refresh the signals of every published or closed survey (for ``duban tick``)."""
    changed = 0
    for survey in session.scalars(select(Survey).where(Survey.status != SurveyStatus.draft)):
        changed += refresh_survey(session, survey, today)
    return changed
