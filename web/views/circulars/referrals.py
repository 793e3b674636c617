"""Accountability referrals: prepared from a task, moved to their end, exported as one bundle."""
from __future__ import annotations

import os

from flask import current_app, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from core.circulars.labels import REFERRAL_STATE_LABELS
from core.circulars.models import REFERRAL_MOVES, Referral, ReferralState
from core.circulars.referrals import (
    gather_evidence,
    move_referral,
    prepare_referral,
    referral_bundle,
)
from core.errors import DubanError
from core.ledger.labels import EVENT_LABELS, REVIEW_LABELS
from core.ledger.models import Task
from core.plugins import signal_kinds
from core.review.outcomes import SIGNAL_KIND as REVIEW_SIGNAL_KIND
from core.review.outcomes import SIGNAL_LABEL as REVIEW_SIGNAL_LABEL
from core.review.outcomes import SIGNAL_SOURCE as REVIEW_SIGNAL_SOURCE
from core.signals_import import OUTSIDE_KINDS
from web import db
from web.actions import done, refused
from web.auth import capability_required
from web.views.circulars import bp
from web.views.circulars.circulars import today
from web.views.circulars.forms import ReferralForm, ReferralMoveForm


def evidence_names() -> dict[str, dict[str, str]]:
    """The msgids that name the stored evidence's keys: report reviews, timeline events, signal kinds."""
    kinds = [*signal_kinds(db.plugins()), *OUTSIDE_KINDS]
    return {"review": {state.value: label for state, label in REVIEW_LABELS.items()},
            "event": {kind.value: label for kind, label in EVENT_LABELS.items()},
            "signal": {f"{kind.source}/{kind.name}": kind.label for kind in kinds}
            | {f"{REVIEW_SIGNAL_SOURCE}/{REVIEW_SIGNAL_KIND}": REVIEW_SIGNAL_LABEL}}


@bp.get("/referrals")
@capability_required("referrals.view")
def referrals() -> str:
    scope = db.scope()
    rows = list(db.session().scalars(scope.select(Referral).options(selectinload(Referral.unit))
                                     .order_by(Referral.created_at.desc(), Referral.id.desc()).limit(500)))
    return render_template("circulars/referrals.html", referrals=rows, labels=REFERRAL_STATE_LABELS,
                           can_manage=scope.can("referrals.manage"))


@bp.route("/referrals/new", methods=["GET", "POST"])
@capability_required("referrals.manage")
def referral_new() -> Response | str:
    scope = db.scope()
    task = scope.get(Task, request.args.get("task", ""))
    form = ReferralForm(data=None if request.method == "POST" else {
        "title": gettext("Referral on %(unit)s: %(matter)s", unit=task.unit.name, matter=task.matter.title)})
    if form.validate_on_submit():
        try:
            referral = prepare_referral(scope, task.id, title=form.title.data, organ=form.organ.data or "",
                                        facts=form.facts.data)
        except DubanError as error:
            return refused(error, url_for("circulars.referral_new", task=task.id))
        return done(gettext("The referral has been prepared."), url_for("circulars.referral", referral_id=referral.id))
    return render_template("circulars/referral_new.html", form=form, task=task, evidence=gather_evidence(scope, task),
                           names=evidence_names())


@bp.get("/referrals/<int:referral_id>")
@capability_required("referrals.view")
def referral(referral_id: int) -> str:
    scope = db.scope()
    item = scope.get(Referral, referral_id)
    writable = bool(scope.filter_ids(Referral, [item.id], "write"))
    form = ReferralMoveForm(formdata=None)
    form.to.choices = [(s.value, gettext(REFERRAL_STATE_LABELS[s])) for s in REFERRAL_MOVES[item.state]]
    return render_template("circulars/referral.html", referral=item, labels=REFERRAL_STATE_LABELS,
                           form=form, writable=writable, names=evidence_names())


@bp.post("/referrals/<int:referral_id>/move")
@capability_required("referrals.manage")
def referral_move(referral_id: int) -> Response:
    target = url_for("circulars.referral", referral_id=referral_id)
    form = ReferralMoveForm()
    form.to.choices = [(s.value, s.value) for s in ReferralState]
    if not form.validate_on_submit():
        return refused(DubanError("The form has expired. Please try again."), target)
    try:
        move_referral(db.scope(), referral_id, ReferralState(form.to.data), note=form.note.data or "")
    except DubanError as error:
        return refused(error, target)
    return done(gettext("The referral has moved on."), target)


@bp.get("/referrals/<int:referral_id>.zip")
@capability_required("referrals.view")
def referral_zip(referral_id: int) -> Response:
    scope = db.scope()
    item = scope.get(Referral, referral_id)
    folder = current_app.config.get("ATTACHMENT_FOLDER") or os.path.join(current_app.instance_path, "attachments")
    data = referral_bundle(scope, item, gettext, today(), folder)
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename=referral-{item.id}.zip"})
