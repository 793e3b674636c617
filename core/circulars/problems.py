"""Problems confirmed on site (调查复核) per unit, read from core's review records.

The review module is core's own (``core.review``); circulars read its outcome
table and never write to it. Until an instance has review records, the
measure simply has no data and drops out of the ranking.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from core.access.scope import Scope


def review_outcome_model() -> Any | None:
    """The review outcome model, or None when this build has no review module."""
    try:
        from core.review.models import ReviewOutcome
    except ImportError:
        return None
    return ReviewOutcome


def confirmed_problems_by_unit(scope: Scope, start: date, end: date) -> dict[int, int] | None:
    """Reviews in the period that confirmed a problem, per unit; None when no review took place.

    One grouped query. None (rather than zeros) keeps the measure out of a
    ranking for a period in which nobody was visited.
    """
    model = review_outcome_model()
    if model is None:
        return None
    from sqlalchemy import case, func, select

    stmt = (select(model.unit_id, func.count(model.id), func.sum(case((model.problem_found.is_(True), 1), else_=0)))
            .where(model.visited_on >= start, model.visited_on <= end, scope.clause(model))
            .group_by(model.unit_id))
    rows = list(scope.session.execute(stmt))
    if not rows:
        return None
    return {unit_id: int(found or 0) for unit_id, _visits, found in rows}


def confirmed_findings(scope: Scope, unit_ids: list[int], start: date, end: date,
                       per_unit: int = 2) -> dict[int, list[str]]:
    """What on-site reviews in the period found at each unit (a few findings each, newest first)."""
    model = review_outcome_model()
    if model is None or not unit_ids:
        return {}
    from sqlalchemy import select

    rows = scope.session.execute(
        select(model.unit_id, model.findings, model.notes)
        .where(model.unit_id.in_(unit_ids), model.problem_found.is_(True), model.visited_on >= start,
               model.visited_on <= end, scope.clause(model))
        .order_by(model.unit_id, model.visited_on.desc()).limit(per_unit * len(unit_ids) * 5))
    found: dict[int, list[str]] = {}
    for unit_id, findings, notes in rows:
        text = (findings or notes or "").strip()
        items = found.setdefault(unit_id, [])
        if text and len(items) < per_unit:
            items.append(text[:200])
    return found
