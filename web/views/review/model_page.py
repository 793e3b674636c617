"""The model page: validation figures, calibration plot, estimated problem rate, rank changes; training.

Training runs as the ``train_model`` job (weekly by default, and when someone asks
here); the page shows the latest asked-for run from the job journal.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.access.scope import Scope
from core.i18n import Message
from core.jobs import JobRun, RunState
from core.ledger.models import Task
from core.review.estimate import problem_rate
from core.review.models import ReviewOutcome, ReviewRound
from core.scoring.context import active_model
from core.scoring.explain import candidate_message
from core.scoring.model import MIN_EACH
from core.scoring.models import ScoringModel
from web import db
from web.auth import capability_required
from web.background import job_queue
from web.forms import ActionForm
from web.views.review import bp, scoring_context
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
    context = scoring_context()
    compared = [(candidate_message(name, context.catalogue), figures, name == metrics.get("model"))
                for name, figures in (metrics.get("candidates") or {}).items()]
    training = latest_training(scope)
    return render_template(
        "review/model.html", current=current, metrics=metrics, history=history,
        points=calibration_points(metrics.get("calibration", [])), ticks=axis_ticks(), size=SIZE, pad=PAD,
        estimate=estimate, per_round=[(names[rid], est) for rid, est in per_round], moved=moved,
        outcomes=len(counts), problems=problems, clean=len(counts) - problems, minimum=MIN_EACH,
        can_train=scope.can("scoring.manage"), mode=context.mode, training=training, compared=compared,
        chosen=candidate_message(metrics.get("model", "logistic"), context.catalogue) if current else None,
        training_message=training_message(training) if training is not None else None)


@bp.post("/model/train")
@capability_required("scoring.manage")  # instance-wide: administrators and staff of the root unit
def train_model() -> Response:
    """Queue the ``train_model`` job in the click's transaction; the page follows its run."""
    if not ActionForm().validate_on_submit():
        flash(gettext("The form expired; try again."), "error")
        return redirect(url_for("review.model"))
    session, scope = db.session(), db.scope()
    latest = latest_training(scope)
    if latest is not None and latest.state in (RunState.queued, RunState.running):
        flash(gettext("A training is already queued or running; this page shows when it is done."), "info")
        return redirect(url_for("review.model"))
    user = db.user()
    job_queue().enqueue("train_model", user.username, session=session, requested_by=user.id, audience="queue.view")
    session.commit()
    flash(gettext("The model will be trained in the background; this page shows when it is done."), "info")
    return redirect(url_for("review.model"))


def latest_training(scope: Scope) -> JobRun | None:
    """The newest queued training the user may follow (its audience is the model page's readers)."""
    return scope.session.scalar(scope.select(JobRun).where(JobRun.job == "train_model")
                                .order_by(JobRun.id.desc()).limit(1))


def training_message(run: JobRun) -> Message | None:
    """Why a finished training changed nothing (too few outcomes), from its result."""
    result = run.result if isinstance(run.result, dict) else {}
    if run.state != RunState.done or result.get("trained", True):
        return None
    return Message(str(result.get("message", "")), dict(result.get("params") or {}))
