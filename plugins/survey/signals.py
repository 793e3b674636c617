"""Turning survey results into evidence: per unit, matter and indicator, dated on the responses.

Each indicator (satisfaction, awareness, benefit not received) gives the share of respondents
about a unit, its sample size, and whether the share is significantly off target: the 95%
Wilson interval lies wholly below the target (for a share that should be high) or wholly
above it (for the share reporting a benefit not received).

A survey is one wave. Its figures are cumulative over the responses received so far, and
are stored as series (:func:`core.signals.sync_series`): one point on each day whose
responses changed a figure, dated on the responses' ``submitted_on``, so the value on a
past day counts only the responses that had arrived by then. Two surveys about the same
unit keep their own series (their refs carry the survey's slug).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.signals import Series, sync_series
from plugins.survey.models import Survey, SurveyStatus
from plugins.survey.results import dated_responses, share, wilson

SOURCE = "survey"
# The indicator whose share is bad when high; the others are bad when low.
HIGHER_IS_WORSE = frozenset({"not_delivered"})

SeriesKey = tuple[str, str, int, int | None]  # (ref key, kind, unit id, matter id or None)
Points = dict[date, tuple[float, dict[str, Any]]]  # each day's value and its details


def off_target(kind: str, hits: int, n: int, target: float) -> bool:
    """True when the share is significantly on the wrong side of ``target`` given ``n``."""
    low, high = wilson(hits, n)
    return low > target if kind in HIGHER_IS_WORSE else high < target


def survey_series(session: Session, survey: Survey) -> dict[SeriesKey, Points]:
    """Every figure of ``survey`` as it stood at the end of each day responses about a linked unit came in."""
    if not survey.indicators or not survey.unit_links:
        return {}
    by_unit: dict[int, dict[date, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for unit_id, day, answers in dated_responses(session, survey):
        if unit_id is not None:
            by_unit[unit_id][day].append(answers)
    matters: list[int | None] = [link.matter_id for link in survey.matter_links] or [None]
    found: dict[SeriesKey, Points] = {}
    for link in survey.unit_links:
        days = by_unit.get(link.unit_id, {})
        unit_points: dict[str, Points] = defaultdict(dict)
        total = 0
        counts = {indicator["kind"]: [0, 0] for indicator in survey.indicators}
        for day in sorted(days):
            batch = days[day]
            total += len(batch)
            unit_points["n"][day] = (float(total), {"survey": survey.slug})
            for indicator in survey.indicators:
                kind = indicator["kind"]
                hits, n = share(batch, indicator["field"], indicator["values"])
                counts[kind][0] += hits
                counts[kind][1] += n
                hits, n = counts[kind]
                if n == 0:
                    continue
                target = float(indicator.get("target", 0))
                low, high = wilson(hits, n)
                details = {"survey": survey.slug, "n": n, "hits": hits, "low": round(low, 4),
                           "high": round(high, 4), "target": target}
                unit_points[kind][day] = (hits / n, details)
                unit_points[f"{kind}_off_target"][day] = (1.0 if off_target(kind, hits, n, target) else 0.0, details)
        for name, points in unit_points.items():
            kind = "sample_size" if name == "n" else name
            for matter_id in matters:
                key = f"{survey.slug}:{link.unit_id}:{matter_id or '-'}:{name}"
                found[(key, kind, link.unit_id, matter_id)] = _changes(points)
    return found


def _changes(points: Points) -> Points:
    """The first day's figure and each day it changed (a first share of 0 is an observation too)."""
    kept: Points = {}
    last: float | None = None
    for day in sorted(points):
        value, details = points[day]
        if value != last:
            kept[day] = (value, details)
            last = value
    return kept


def refresh_survey(session: Session, survey: Survey, today: date) -> int:
    """Rewrite the stored series of one survey up to ``today``; returns how many signals changed.

    Series the survey no longer has (an indicator or a unit link removed) and
    signals of the former one-per-figure form (refs without a date mark) are removed.
    """
    specs = [Series(key, kind, unit_id, {day: value for day, (value, _details) in points.items()}, matter_id,
                    details={"survey": survey.slug},
                    point_details={day: details for day, (_value, details) in points.items()})
             for (key, kind, unit_id, matter_id), points in survey_series(session, survey).items()]
    return sync_series(session, SOURCE, specs, today, within=f"{survey.slug}:")


def refresh_signals(session: Session, today: date) -> int:
    """Refresh the signals of every published or closed survey (for ``duban tick``)."""
    changed = 0
    for survey in session.scalars(select(Survey).where(Survey.status != SurveyStatus.draft)):
        changed += refresh_survey(session, survey, today)
    return changed
