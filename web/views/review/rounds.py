"""Review rounds: planning within a budget, the plan by list and by region, teams, outcomes."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.errors import InvalidTransition
from core.ledger.attachments import Upload, stored_path
from core.review.estimate import round_estimate
from core.review.models import (
    ROUND_STATE_LABELS,
    SELECTION_LABELS,
    SEVERITY_LABELS,
    VISIT_STATE_LABELS,
    ReviewOutcome,
    ReviewPhoto,
    ReviewRound,
    ReviewVisit,
    RoundState,
    Selection,
    Severity,
    VisitState,
)
from core.review.outcomes import ROUND_NOT_STARTED, OutcomeInput, record_outcome
from core.review.planning import (
    add_visit,
    assign_teams,
    drop_visit,
    plan_round,
    region_names,
    region_summary,
    set_round_state,
)
from web import db
from web.actions import USER_ERRORS, done, refused
from web.auth import capability_required
from web.forms import ActionForm
from web.views.ledger import today
from web.views.review import bp, photo_folder, refresh_scores
from web.views.review.forms import AddTaskForm, OutcomeForm, PlanForm


def _labels() -> dict[str, object]:
    return {"round_labels": ROUND_STATE_LABELS, "selection_labels": SELECTION_LABELS,
            "visit_labels": VISIT_STATE_LABELS, "severity_labels": SEVERITY_LABELS}


@bp.route("/rounds", methods=["GET", "POST"])
@capability_required("queue.view")
def rounds() -> Response | str:
    scope = db.scope()
    form = PlanForm()
    if request.method == "POST":
        if not scope.can("reviews.manage"):
            abort(403)
        if form.validate_on_submit():
            refresh_scores()
            try:
                review_round = plan_round(scope, name=form.name.data, budget=form.budget.data, today=today(),
                                          random_share=float(form.random_share.data),
                                          min_region_chance=float(form.min_region_chance.data))
            except USER_ERRORS as error:
                return refused(error, url_for("review.rounds"))
            return done(gettext("The round is planned: %(count)s visits.", count=len(review_round.visits)),
                        url_for("review.round_page", round_id=review_round.id))
    listed = list(db.session().scalars(scope.select(ReviewRound).order_by(ReviewRound.id.desc()).limit(100)))
    lookbacks = list(db.session().scalars(scope.select(ReviewVisit).where(
        ReviewVisit.round_id.is_(None), ReviewVisit.state == VisitState.planned).order_by(ReviewVisit.due_on)))
    return render_template("review/rounds.html", rounds=listed, form=form, lookbacks=lookbacks,
                           can_manage=scope.can("reviews.manage"), **_labels())


@bp.get("/rounds/<int:round_id>")
@capability_required("queue.view")
def round_page(round_id: int) -> str:
    scope = db.scope()
    review_round = scope.get(ReviewRound, round_id)
    region = request.args.get("region", "")
    visits = [v for v in review_round.visits if not region or v.region == region]
    outcomes = {o.visit_id: o for o in db.session().scalars(select(ReviewOutcome).where(
        ReviewOutcome.visit_id.in_([v.id for v in review_round.visits])))} if review_round.visits else {}
    writable = bool(scope.filter_ids(ReviewRound, [review_round.id], "write"))
    regions = region_summary(review_round)
    names = region_names(db.session(), [str(r["region"]) for r in regions] + [region])
    return render_template("review/round.html", round=review_round, visits=visits, region=region,
                           regions=regions, region_names=names, outcomes=outcomes, writable=writable,
                           estimate=round_estimate(db.session(), review_round.id), add_form=AddTaskForm(formdata=None),
                           **_labels())


def _back(round_id: int) -> str:
    return url_for("review.round_page", round_id=round_id)


def _require_csrf() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.post("/rounds/<int:round_id>/teams")
@capability_required("reviews.manage")
def teams(round_id: int) -> Response:
    _require_csrf()
    by_visit = {int(key[5:]): value for key, value in request.form.items()
                if key.startswith("team-") and key[5:].isdigit()}
    by_region = {key[7:]: value for key, value in request.form.items() if key.startswith("region-") and value.strip()}
    try:
        count = assign_teams(db.scope(), round_id, by_visit=by_visit, by_region=by_region)
    except USER_ERRORS as error:
        return refused(error, _back(round_id))
    return done(gettext("Teams assigned to %(count)s visits.", count=count), _back(round_id))


@bp.post("/rounds/<int:round_id>/add")
@capability_required("reviews.manage")
def add(round_id: int) -> Response:
    form = AddTaskForm()
    if not form.validate_on_submit():
        flash(gettext("Give the number of a task."), "error")
        return redirect(_back(round_id))
    try:
        add_visit(db.scope(), round_id, form.task_id.data)
    except USER_ERRORS as error:
        return refused(error, _back(round_id))
    return done(gettext("The task was added to the round."), _back(round_id))


@bp.post("/rounds/<int:round_id>/state/<state>")
@capability_required("reviews.manage")
def change_state(round_id: int, state: str) -> Response:
    _require_csrf()
    if state not in RoundState.__members__:
        abort(404)
    try:
        set_round_state(db.scope(), round_id, RoundState(state))
    except USER_ERRORS as error:
        return refused(error, _back(round_id))
    return done(gettext("The round's state has changed."), _back(round_id))


@bp.post("/visits/<int:visit_id>/drop")
@capability_required("reviews.manage")
def drop(visit_id: int) -> Response:
    _require_csrf()
    try:
        visit = drop_visit(db.scope(), visit_id)
    except USER_ERRORS as error:
        return refused(error, url_for("review.rounds"))
    return done(gettext("The visit was dropped from the round."),
                _back(visit.round_id) if visit.round_id else url_for("review.rounds"))


@bp.route("/visits/<int:visit_id>/outcome", methods=["GET", "POST"])
@capability_required("reviews.manage")
def outcome(visit_id: int) -> Response | str | tuple[str, int]:
    scope = db.scope()
    visit = scope.get(ReviewVisit, visit_id, "write")
    if visit.round is not None and visit.round.state == RoundState.planned:
        # Refused before the form is shown, not after it is filled in (core refuses it as well).
        return refused(InvalidTransition(ROUND_NOT_STARTED), _back(visit.round.id))
    form = OutcomeForm(data={"visited_on": today()} if request.method == "GET" else None)
    if form.validate_on_submit():
        data = OutcomeInput(
            visited_on=form.visited_on.data, problem_found=form.problem_found.data == "1",
            severity=Severity(form.severity.data) if form.severity.data else None,
            findings=form.findings.data or "", unit_response=form.unit_response.data or "",
            rectification_deadline=form.rectification_deadline.data, requirement=form.requirement.data or "")
        photos = [Upload(f.filename or "", f.read()) for f in (form.photos.data or []) if f and f.filename]
        try:
            record_outcome(scope, data, visit_id=visit.id, photos=photos, photo_folder=photo_folder())
        except USER_ERRORS as error:
            db.session().rollback()
            from web.i18n import render_message

            flash(render_message(error.message), "error")
            return render_template("review/outcome.html", visit=visit, form=form, **_labels()), 400
        target = _back(visit.round_id) if visit.round_id else url_for("review.rounds")
        return done(gettext("The outcome is recorded."), target)
    return render_template("review/outcome.html", visit=visit, form=form, **_labels())


@bp.get("/photos/<int:photo_id>")
@capability_required("queue.view")
def photo(photo_id: int) -> Response:
    from flask import send_file

    stored = db.scope().get(ReviewPhoto, photo_id)
    return send_file(stored_path(photo_folder(), stored.storage_name), mimetype=stored.content_type,
                     as_attachment=True, download_name=stored.filename)


__all__ = ["Selection"]
