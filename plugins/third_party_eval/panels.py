"""Evaluation panels: a matter's weighted scores by unit, a unit's scores by matter."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.access.models import User
from core.hooktypes import Panel
from core.i18n import N_
from core.ledger.models import Matter
from core.org.models import Unit
from plugins.third_party_eval.access import scope_for
from plugins.third_party_eval.models import Batch, BatchState, Score
from plugins.third_party_eval.results import matter_results


def matter_panel(session: Session, matter: Matter, user: User) -> list[Panel]:
    """Weighted scores of every unit the user may see on ``matter``."""
    scope = scope_for(session, user)
    if not scope.can("tpe.view"):
        return []
    results = matter_results(session, matter.id, scope.clause(Score))
    if not results.units and not scope.can("tpe.manage"):
        return []
    rows = [(unit.name, unit.weighted, None) for unit in results.units]
    items = [(unit.name, unit.weighted, unit.below_target, None) for unit in results.units]
    return [Panel(N_("Third-party evaluation"), "third_party_eval/_panel.html",
                  {"tpe_rows": rows, "tpe_items": items, "tpe_matter_id": matter.id}, order=250)]


def unit_panel(session: Session, unit: Unit, user: User) -> list[Panel]:
    """The unit's weighted score on each matter evaluated, from current batches."""
    scope = scope_for(session, user)
    if not scope.can("tpe.view"):
        return []
    matter_ids = list(session.scalars(
        select(Batch.matter_id).join(Score, Score.batch_id == Batch.id)
        .where(Score.unit_id == unit.id, Batch.state == BatchState.current, scope.clause(Score))
        .group_by(Batch.matter_id).order_by(func.min(Batch.id)).limit(20)))
    rows, items = [], []
    for matter in session.scalars(scope.select(Matter).where(Matter.id.in_(matter_ids)).order_by(Matter.code)):
        result = next((r for r in matter_results(session, matter.id, scope.clause(Score)).units
                       if r.unit_id == unit.id), None)
        if result is None:
            continue
        rows.append((matter.code, result.weighted, None))
        items.append((f"{matter.code} {matter.title}", result.weighted, result.below_target, None))
    if not rows:
        return []
    return [Panel(N_("Third-party evaluation"), "third_party_eval/_panel.html",
                  {"tpe_rows": rows, "tpe_items": items}, order=250)]
