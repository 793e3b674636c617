"""The model page: validation figures, calibration plot, estimated problem rate, rank changes; training."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.ledger.models import Task
from core.review.estimate import problem_rate
from core.review.models import ReviewOutcome, ReviewRound
from core.scoring.context import active_model
from core.scoring.model import MIN_EACH, NotEnoughOutcomes
from core.scoring.models import ScoringModel
from core.scoring.training import train
from web import db
from web.auth import capability_required
from web.forms import ActionForm
from web.i18n import render_message
from web.views.ledger import today
from web.views.review import bp, fresh_scores, scoring_context
from web.views.review.charts import PAD, SIZE, axis_ticks, calibration_points


@bp.get("/model")
@capability_required("queue.view")
def model() -> str:
    scope = db.scope()
    current = active_model(db.session())
    history = list(db.session().scalars(select(ScoringModel).order_by(ScoringModel.id.desc()).limit(10)))
    rounds = list(db.session().scalars(scope.select(ReviewRound).order_by(ReviewRound.id)))
    estimate, per_round = problem_rate(db.session(), [r.id for r in rounds])
    names = {r.id: r.name for r in rounds}
    moved = []
    if current is not None and current.rank_changes:
        visible = {t.id: t for t in db.session().scalars(scope.select(Task).where(
            Task.id.in_([m["task_id"] for m in current.rank_changes])))}
        moved = [(m, visible[m["task_id"]]) for m in current.rank_changes if m["task_id"] in visible]
    counts = db.session().execute(select(ReviewOutcome.problem_found, ReviewOutcome.id)
                                  .where(ReviewOutcome.task_id.is_not(None))).all()
    problems = sum(1 for found, _id in counts if found)
    metrics = current.metrics if current else {}
    return render_template(
        "review/model.html", current=current, metrics=metrics, history=history,
        points=calibration_points(metrics.get("calibration", [])), ticks=axis_ticks(), size=SIZE, pad=PAD,
        estimate=estimate, per_round=[(names[rid], est) for rid, est in per_round], moved=moved,
        outcomes=len(counts), problems=problems, clean=len(counts) - problems, minimum=MIN_EACH,
        can_train=scope.can("reviews.manage"), mode=scoring_context().mode)


@bp.post("/model/train")
@capability_required("reviews.manage")
def train_model() -> Response:
    if not ActionForm().validate_on_submit():
        flash(gettext("The form expired; try again."), "error")
        return redirect(url_for("review.model"))
    fresh_scores()
    session = db.session()
    try:
        row = train(session, scoring_context(), today(), trained_by=db.scope().user.username)
    except NotEnoughOutcomes as error:
        session.rollback()
        flash(render_message(error.message), "error")
        return redirect(url_for("review.model"))
    session.commit()
    auc = row.metrics.get("auc")
    shown_auc = "—" if auc is None else "%.2f" % auc
    flash(gettext("The model is trained on %(count)s outcomes; cross-validated AUC %(auc)s.", count=row.outcomes,
                  auc=shown_auc), "info")
    return redirect(url_for("review.model"))
