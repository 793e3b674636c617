"""Typical cases: drafted by staff, approved by a leader, shown on a public page."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from core.circulars.cases import approve_case, publish_case, published_cases, save_case
from core.circulars.labels import CASE_STATE_LABELS
from core.circulars.models import CaseState, TypicalCase
from core.errors import DubanError
from web import db
from web.actions import done, refused
from web.auth import capability_required
from web.extensions import limiter
from web.forms import ActionForm
from web.views.circulars import bp
from web.views.circulars.forms import CaseForm

# The public page has no login: its own blueprint, rate-limited.
public = Blueprint("cases", __name__, url_prefix="/cases")


def _public_limit() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


@bp.get("/cases")
@capability_required("cases.view")
def cases() -> str:
    scope = db.scope()
    rows = list(db.session().scalars(scope.select(TypicalCase).order_by(TypicalCase.created_at.desc(),
                                                                         TypicalCase.id.desc()).limit(500)))
    return render_template("circulars/cases.html", cases=rows, labels=CASE_STATE_LABELS,
                           can_manage=scope.can("cases.manage"))


@bp.route("/cases/new", methods=["GET", "POST"])
@capability_required("cases.manage")
def case_new() -> Response | str:
    form = CaseForm()
    if form.validate_on_submit():
        try:
            case = save_case(db.scope(), None, title=form.title.data, body=form.body.data,
                             extra_names=form.names.data or "")
        except DubanError as error:
            return refused(error, url_for("circulars.case_new"))
        return done(gettext("The case has been saved with personal details removed; a leader must approve it."),
                    url_for("circulars.case", case_id=case.id))
    return render_template("circulars/case_form.html", form=form)


@bp.get("/cases/<int:case_id>")
@capability_required("cases.view")
def case(case_id: int) -> str:
    scope = db.scope()
    item = scope.get(TypicalCase, case_id)
    return render_template("circulars/case.html", case=item, labels=CASE_STATE_LABELS, states=CaseState,
                           can_approve=scope.can("cases.approve"),
                           can_publish=bool(scope.filter_ids(TypicalCase, [item.id], "write")))


@bp.post("/cases/<int:case_id>/approve")
@capability_required("cases.approve")
def case_approve(case_id: int) -> Response:
    target = url_for("circulars.case", case_id=case_id)
    if not ActionForm().validate_on_submit():
        return refused(DubanError("The form has expired. Please try again."), target)
    try:
        approve_case(db.scope(), case_id)
    except DubanError as error:
        return refused(error, target)
    return done(gettext("The case has been approved."), target)


@bp.post("/cases/<int:case_id>/publish")
@capability_required("cases.manage")
def case_publish(case_id: int) -> Response:
    target = url_for("circulars.case", case_id=case_id)
    if not ActionForm().validate_on_submit():
        return refused(DubanError("The form has expired. Please try again."), target)
    try:
        publish_case(db.scope(), case_id)
    except DubanError as error:
        return refused(error, target)
    return done(gettext("The case is on the public page."), target)


@public.get("/")
@limiter.limit(_public_limit)
def index() -> str:
    return render_template("circulars/public_cases.html", cases=published_cases(db.session()))
