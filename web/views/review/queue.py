"""The review queue and one item's reasons."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext
from sqlalchemy import select

from core.ledger.models import MATTER_KIND_LABELS, Matter, MatterKind, Task
from core.org.models import Unit
from core.plugins import source_labels
from core.review.models import SELECTION_LABELS, SEVERITY_LABELS, ReviewOutcome
from core.scoring.explain import candidate_message, render_reasons, shown_value
from core.scoring.features import compute_features
from core.scoring.queue import QueueFilter, queue_entries, queue_entry, sources
from web import db
from web.actions import int_arg
from web.auth import capability_required
from web.views.ledger import today
from web.views.review import bp, scoring_context

PAGE_SIZE = 50


def queue_filter() -> QueueFilter:
    """The filter the query string asks for; unknown values are ignored."""
    args = request.args
    kind = args.get("kind", "")
    matter_code = args.get("matter", "").strip()
    matter_id = None
    if matter_code:
        matter_id = db.session().scalar(select(Matter.id).where(Matter.code == matter_code,
                                                                db.scope().clause(Matter))) or -1
    return QueueFilter(region=args.get("region", "").strip()[:6],
                       matter_id=matter_id, kind=MatterKind(kind) if kind in MatterKind.__members__ else None,
                       source=args.get("source", "").strip()[:40])


def filter_args() -> dict[str, str]:
    return {key: request.args[key] for key in ("region", "matter", "kind", "source") if request.args.get(key)}


def regions() -> list[tuple[str, str]]:
    """Prefecture-level regions among the units the user sees, for the region filter."""
    units = db.session().scalars(db.scope().select(Unit).where(Unit.region_code.like("%00")).order_by(Unit.region_code))
    seen: dict[str, str] = {}
    for unit in units:
        seen.setdefault(unit.region_code, unit.name)
    return list(seen.items())


@bp.get("/")
@capability_required("queue.view")
def queue() -> str:
    context = scoring_context()  # stored scores are read, never refreshed on view
    page = max(int_arg("page", 1) or 1, 1)
    entries, total = queue_entries(db.scope(), queue_filter(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template("review/queue.html", entries=entries, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), args=filter_args(), kinds=list(MatterKind),
                           kind_labels=MATTER_KIND_LABELS, sources=sources(db.scope()),
                           source_labels=source_labels(db.plugins()), regions=regions(),
                           mode=context.mode, reasons=lambda r: render_reasons(r, gettext),
                           guardrail=context.guardrail,
                           weighs_impact=context.rules.weighs_impact,
                           ranking=candidate_message(context.ranking, context.catalogue))


@bp.get("/tasks/<int:task_id>")
@capability_required("queue.view")
def item(task_id: int) -> str:
    context = scoring_context()  # stored scores are read, never refreshed on view
    scope = db.scope()
    entry = queue_entry(scope, task_id)
    task = scope.get(Task, task_id)
    table = compute_features(db.session(), context.catalogue, today(), [task.id])
    row = table.row(task.id)
    features = [(feature, shown_value(feature, row[feature.name])) for feature in context.catalogue.features
                if row.get(feature.name) == row.get(feature.name)]  # NaN is missing: leave it out
    history = list(db.session().scalars(scope.select(ReviewOutcome).where(ReviewOutcome.task_id == task.id)
                                        .order_by(ReviewOutcome.visited_on.desc())))
    return render_template("review/item.html", task=task, entry=entry, features=features, history=history,
                           reasons=render_reasons(entry.score.reasons, gettext, limit=10) if entry else [],
                           selection_labels=SELECTION_LABELS, severity_labels=SEVERITY_LABELS)
