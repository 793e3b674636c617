"""Generating a circular's draft from the ranking: who to commend, who to criticise, and why.

The draft's paragraphs are written in the language of the staff member who
generates it (``gettext``) and stored as plain text, because staff edit them
before the circular goes out.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select

from core.access.scope import Scope
from core.audit_log import append_entries
from core.circulars.models import Circular, CircularEntry, CircularRanking, Verdict
from core.circulars.problems import confirmed_findings
from core.circulars.rankings import (
    CONFIRMED,
    UnitScore,
    figure_text,
    measure_label,
    rank_units,
    signal_measures,
)
from core.documents.official import document_date
from core.documents.wording import join_clauses
from core.errors import ValidationError
from core.hooktypes import SignalKind
from core.i18n import Gettext, message
from core.ledger.deadlines import light_clause
from core.ledger.models import Matter, Task

# A unit must score at least this to be commended, and below it to be criticised.
COMMEND_FLOOR = 80.0
CRITICISE_CEILING = 60.0


@dataclass
class DraftRequest:
    """What staff choose when generating a circular."""

    title: str
    start: date
    end: date
    weights: Mapping[str, float]
    commend: int = 3
    criticise: int = 3
    explanation_days: int = 15


def generate_circular(scope: Scope, request: DraftRequest, today: date, kinds: list[SignalKind],
                      gettext: Gettext, *, zone: str | None = None) -> Circular:
    """Rank the units below the user's unit and store a draft circular naming the best and worst.

    Raises :class:`ValidationError` when no unit had tasks due in the period.
    Writes in the caller's transaction.
    """
    scope.require("circulars.manage")
    owner = scope.unit
    if owner is None:
        raise ValidationError("Your account has no unit, so it cannot issue a circular.")
    title = request.title.strip()
    if not title:
        raise ValidationError("A circular needs a title.")
    if not 1 <= request.explanation_days <= 90:
        raise ValidationError("Units are given 1 to 90 days to explain.")
    ranked = rank_units(scope, owner, request.start, request.end, today, request.weights, kinds, zone=zone)
    if not ranked:
        raise ValidationError("No unit below yours had tasks due in this period.")
    measures = signal_measures(kinds)
    circular = Circular(owner_unit_id=owner.id, title=title, period_start=request.start,
                        period_end=request.end, weights=dict(request.weights),
                        created_by_id=scope.user.id if scope.user else None)
    circular.intro = message(
        "From %(start)s to %(end)s, %(count)s units were assessed on: %(measures)s. The ranking follows; "
        "the units below are commended or criticised.",
        start=document_date(request.start, gettext), end=document_date(request.end, gettext), count=len(ranked),
        measures=join_clauses((gettext(measure_label(n, measures)) for n, w in request.weights.items() if w > 0),
                              gettext(", ")),
    ).render(gettext)
    circular.closing = message(
        "Criticised units are to submit their reasons and improvement plans within %(days)s days of "
        "publication.", days=request.explanation_days).render(gettext)
    circular.explanation_days = request.explanation_days  # the due date is set on publication
    scope.session.add(circular)
    scope.session.flush()
    _store_ranking(scope, circular, ranked)
    commended, criticised = pick_units(ranked, request.commend, request.criticise)
    overdue = _overdue_matters(scope, [s.unit_id for s in criticised], today)
    found = confirmed_findings(scope, [s.unit_id for s in criticised], request.start, request.end)
    position = 0
    for score in commended:
        position += 1
        scope.session.add(CircularEntry(circular_id=circular.id, unit_id=score.unit_id, verdict=Verdict.commend,
                                        position=position, text=_praise(score, measures, gettext)))
    for score in criticised:
        position += 1
        text = _criticism(score, measures, overdue.get(score.unit_id, []), found.get(score.unit_id, []), gettext)
        scope.session.add(CircularEntry(circular_id=circular.id, unit_id=score.unit_id,
                                        verdict=Verdict.criticise, position=position, text=text))
    scope.session.flush()
    return circular


def _store_ranking(scope: Scope, circular: Circular, ranked: list[UnitScore]) -> None:
    """Insert the ranking in one statement (thousands of rows) and put every row on the audit trail."""
    rows = [{"circular_id": circular.id, "unit_id": s.unit_id, "rank": s.rank, "score": s.score,
             "measures": s.as_json()} for s in ranked]
    ids = scope.session.scalars(
        insert(CircularRanking).returning(CircularRanking.id, sort_by_parameter_order=True), rows).all()
    append_entries(scope.session, [("insert", CircularRanking.__tablename__, str(i), None, row)
                                   for i, row in zip(ids, rows, strict=True)])
    scope.session.expire(circular, ["rankings"])


def pick_units(ranked: list[UnitScore], commend: int, criticise: int) -> tuple[list[UnitScore], list[UnitScore]]:
    """The best units to commend and the worst to criticise, never the same unit twice.

    At most a third of the ranked units (rounded up) land in each group, so a
    short ranking does not commend or criticise everyone.
    """
    share = math.ceil(len(ranked) / 3)
    best = [s for s in ranked[:min(commend, share)] if s.score >= COMMEND_FLOOR]
    chosen = {s.unit_id for s in best}
    worst = [s for s in reversed(ranked) if s.unit_id not in chosen and s.score < CRITICISE_CEILING]
    return best, list(reversed(worst[:min(criticise, share)]))


def _praise(score: UnitScore, measures: Mapping[str, SignalKind], gettext: Gettext) -> str:
    return message("%(unit)s ranked %(rank)s with %(score)s points: %(facts)s.", unit=score.name,
                   rank=score.rank, score=format(score.score, ".1f"),
                   facts=_facts(score, measures, gettext)).render(gettext)


def _criticism(score: UnitScore, measures: Mapping[str, SignalKind], overdue: list[str], findings: list[str],
               gettext: Gettext) -> str:
    text = _praise(score, measures, gettext)
    if findings:
        text = message("%(text)s Found on site: %(findings)s.", text=text,
                       findings=join_clauses(findings, gettext("; "))).render(gettext)
    if overdue:
        text = message("%(text)s Overdue: %(matters)s.", text=text,
                       matters=join_clauses(overdue, gettext("; "))).render(gettext)
    return text


def _facts(score: UnitScore, measures: Mapping[str, SignalKind], gettext: Gettext) -> str:
    """The unit's figures, in the reader's language."""
    facts = score.on_time
    items = [message("%(done)s of %(due)s tasks assessed were completed on time", done=facts.on_time, due=facts.due)]
    if facts.overdue_open:
        items.append(message("%(count)s still overdue", count=facts.overdue_open))
    if CONFIRMED in score.measures:
        items.append(message("%(count)s problems confirmed on site", count=int(score.measures[CONFIRMED].value)))
    for name, measure in score.measures.items():
        kind = measures.get(name)
        if kind is None:
            continue
        items.append(message("%(label)s %(value)s", label=gettext(kind.label),
                             value=figure_text(measure.value, kind.scale)))
    return join_clauses((item.render(gettext) for item in items), gettext("; "))


def _overdue_matters(scope: Scope, unit_ids: list[int], today: date, per_unit: int = 3) -> dict[int, list[str]]:
    """Titles of the matters each unit is overdue on (a few per unit), one query."""
    if not unit_ids:
        return {}
    rows = scope.session.execute(
        select(Task.unit_id, Matter.title).join(Matter, Matter.id == Task.matter_id)
        .where(Task.unit_id.in_(unit_ids), light_clause("red", today), scope.clause(Task))
        .order_by(Task.unit_id, Task.deadline).limit(per_unit * len(unit_ids) * 5))
    found: dict[int, list[str]] = {}
    for unit_id, title in rows:
        titles = found.setdefault(unit_id, [])
        if len(titles) < per_unit and title not in titles:
            titles.append(title)
    return found

