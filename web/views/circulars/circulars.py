"""Circulars: the list, generating a draft, editing it, publishing it, exports and answers."""
from __future__ import annotations

from datetime import date

from flask import current_app, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from core import clock
from core.circulars.drafting import DraftRequest, generate_circular
from core.circulars.export_docx import circular_docx
from core.circulars.export_xlsx import circular_xlsx
from core.circulars.labels import (
    CIRCULAR_STATE_LABELS,
    EXPLANATION_STATE_LABELS,
    VERDICT_LABELS,
)
from core.circulars.models import (
    EXPLANATION_OPEN,
    Circular,
    CircularRanking,
    CircularState,
    Explanation,
    ExplanationState,
)
from core.circulars.rankings import DEFAULT_WEIGHTS, measure_figure, measure_label
from core.circulars.workflow import (
    publish_circular,
    remove_entry,
    review_explanation,
    submit_explanation,
    update_circular,
    update_entry,
)
from core.errors import DubanError, ValidationError
from web import db
from web.actions import done, int_arg, refused
from web.auth import capability_required
from web.forms import ActionForm
from web.i18n import render_message
from web.views.circulars import bp, kinds, kinds_by_measure
from web.views.circulars.forms import (
    CircularForm,
    EntryForm,
    ExplanationForm,
    ExplanationReviewForm,
    PublishForm,
    generate_form,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def today() -> date:
    return clock.today()


def default_weights() -> dict[str, float]:
    """``CIRCULAR_WEIGHTS`` from the configuration, else the built-in weights."""
    return dict(current_app.config.get("CIRCULAR_WEIGHTS") or DEFAULT_WEIGHTS)


def _labels() -> dict[str, object]:
    return {"state_labels": CIRCULAR_STATE_LABELS, "verdict_labels": VERDICT_LABELS,
            "explanation_labels": EXPLANATION_STATE_LABELS}


@bp.get("/")
@capability_required("circulars.view")
def index() -> str:
    scope = db.scope()
    circulars = list(db.session().scalars(scope.select(Circular).order_by(Circular.created_at.desc(),
                                                                          Circular.id.desc()).limit(200)))
    owed = list(db.session().scalars(
        scope.select(Explanation, "write").options(selectinload(Explanation.circular))
        .where(Explanation.state.in_(EXPLANATION_OPEN)).order_by(Explanation.due))) \
        if scope.can("circulars.explain") else []
    return render_template("circulars/index.html", circulars=circulars, owed=owed,
                           can_manage=scope.can("circulars.manage"), today=today(), **_labels())


@bp.route("/new", methods=["GET", "POST"])
@capability_required("circulars.manage")
def new() -> Response | str:
    now = today()
    first = date(now.year, 1, 1)
    by_measure = kinds_by_measure()
    # The ledger's own measures, then every registered signal kind (those weighed by default first).
    names = [n for n in DEFAULT_WEIGHTS if not n.startswith("signal:") or n in by_measure]
    labels = {name: gettext(measure_label(name, by_measure)) for name in
              names + [n for n in by_measure if n not in names]}
    if request.method == "POST":
        form = generate_form(labels)
    else:
        form = generate_form(labels, default_weights(), data={
            "title": gettext("Circular on the supervision of key tasks"), "start": first, "end": now,
            **_prefilled()})
    if form.validate_on_submit():
        try:
            weights = form.weights()
            if sum(weights.values()) <= 0:
                raise ValidationError("At least one weight must be above zero.")
            circular = generate_circular(
                db.scope(), DraftRequest(form.title.data, form.start.data, form.end.data, weights,
                                         form.commend.data, form.criticise.data, form.explanation_days.data),
                now, kinds(), gettext)
        except DubanError as error:
            db.session().rollback()
            form.form_errors.append(render_message(error.message))
        else:
            _link_to_campaign(circular)
            return done(gettext("The draft circular has been generated. Check it, edit it, then publish it."),
                        url_for("circulars.show", circular_id=circular.id))
    return render_template("circulars/new.html", form=form)


def _prefilled() -> dict[str, object]:
    """A title and period given in the address (a special campaign's page links here with its window)."""
    data: dict[str, object] = {}
    for name in ("start", "end"):
        try:
            data[name] = date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            continue
    title = request.args.get("title", "").strip()[:300]
    if title:
        data["title"] = title
    return data


def _link_to_campaign(circular: Circular) -> None:
    """A circular generated from a special campaign's page reports on that campaign, when the user may change it."""
    from core.plans.campaigns import link_circular
    from core.plans.models import Campaign

    campaign_id = int_arg("campaign")
    if campaign_id is not None and db.scope().filter_ids(Campaign, [campaign_id], "write"):
        link_circular(db.scope(), campaign_id, circular.id)


@bp.get("/<int:circular_id>")
@capability_required("circulars.view")
def show(circular_id: int) -> str:
    scope = db.scope()
    circular = scope.get(Circular, circular_id)
    writable = bool(scope.filter_ids(Circular, [circular.id], "write"))
    editing = writable and circular.state == CircularState.draft
    rankings = list(db.session().scalars(
        select(CircularRanking).options(selectinload(CircularRanking.unit))
        .where(CircularRanking.circular_id == circular.id).order_by(CircularRanking.rank)))
    explanations = list(db.session().scalars(scope.select(Explanation).where(Explanation.circular_id == circular.id)
                                             .order_by(Explanation.id)))
    mine = set(scope.filter_ids(Explanation, [e.id for e in explanations], "write")) \
        if scope.can("circulars.explain") else set()
    header = CircularForm(formdata=None, data={
        "title": circular.title, "number": circular.number, "intro": circular.intro,
        "closing": circular.closing, "explanation_days": circular.explanation_days})
    entry_forms = {e.id: EntryForm(formdata=None, prefix=f"entry-{e.id}", data={"text": e.text})
                   for e in circular.entries}
    measures = [name for name, weight in circular.weights.items() if weight]
    by_measure = kinds_by_measure()
    review = ExplanationReviewForm(formdata=None)
    review.decision.choices = [("accept", gettext("Accept")), ("return", gettext("Send back"))]
    return render_template(
        "circulars/show.html", circular=circular, rankings=rankings, explanations=explanations, mine=mine,
        editing=editing, writable=writable, header=header, entry_forms=entry_forms, measures=measures,
        measure_names={n: measure_label(n, by_measure) for n in measures},
        explain_form=ExplanationForm(formdata=None), review_form=review, publish_form=PublishForm(formdata=None),
        figure=lambda name, value: measure_figure(name, value, by_measure), open_states=EXPLANATION_OPEN,
        submitted=ExplanationState.submitted, **_labels())


@bp.post("/<int:circular_id>/edit")
@capability_required("circulars.manage")
def edit(circular_id: int) -> Response:
    target = url_for("circulars.show", circular_id=circular_id)
    form = CircularForm()
    if not form.validate_on_submit():
        return refused(DubanError("Check the title and the number of days."), target)
    try:
        update_circular(db.scope(), circular_id, title=form.title.data, number=form.number.data or "",
                        intro=form.intro.data or "", closing=form.closing.data or "",
                        explanation_days=form.explanation_days.data)
    except DubanError as error:
        return refused(error, target)
    return done(gettext("The circular has been saved."), target)


@bp.post("/<int:circular_id>/entries/<int:entry_id>")
@capability_required("circulars.manage")
def entry(circular_id: int, entry_id: int) -> Response:
    target = url_for("circulars.show", circular_id=circular_id) + f"#entry-{entry_id}"
    form = EntryForm(prefix=f"entry-{entry_id}")
    if not form.validate_on_submit():
        return refused(DubanError("A paragraph cannot be empty; remove it instead."), target)
    try:
        found = update_entry(db.scope(), entry_id, text=form.text.data)
        if found.circular_id != circular_id:
            raise DubanError("Not found.")
    except DubanError as error:
        return refused(error, target)
    return done(gettext("The paragraph has been saved."), target)


@bp.post("/<int:circular_id>/entries/<int:entry_id>/remove")
@capability_required("circulars.manage")
def entry_remove(circular_id: int, entry_id: int) -> Response:
    target = url_for("circulars.show", circular_id=circular_id)
    if not ActionForm().validate_on_submit():
        return refused(DubanError("The form has expired. Please try again."), target)
    try:
        remove_entry(db.scope(), entry_id)
    except DubanError as error:
        return refused(error, target)
    return done(gettext("The paragraph has been removed."), target)


@bp.post("/<int:circular_id>/publish")
@capability_required("circulars.manage")
def publish(circular_id: int) -> Response:
    target = url_for("circulars.show", circular_id=circular_id)
    form = PublishForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            return refused(DubanError("The form has expired. Please try again."), target)
        return refused(DubanError("Tick the box to confirm the publication: a published circular cannot be "
                                  "withdrawn."), target + "#publish-form")
    try:
        publish_circular(db.scope(), circular_id, today(),
                         current_app.config.get("CIRCULAR_NUMBER_PREFIX") or "示督通")
    except DubanError as error:
        return refused(error, target)
    return done(gettext("The circular has been published to the units concerned."), target)


@bp.get("/<int:circular_id>.docx")
@capability_required("circulars.view")
def docx(circular_id: int) -> Response:
    circular = db.scope().get(Circular, circular_id)
    data = circular_docx(circular, gettext, kinds_by_measure())
    return Response(data, mimetype=DOCX, headers={
        "Content-Disposition": f"attachment; filename=circular-{circular.id}.docx"})


@bp.get("/<int:circular_id>.xlsx")
@capability_required("circulars.view")
def xlsx(circular_id: int) -> Response:
    circular = db.scope().get(Circular, circular_id)
    data = circular_xlsx(circular, gettext, kinds_by_measure())
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=circular-{circular.id}.xlsx"})


@bp.post("/explanations/<int:explanation_id>")
@capability_required("circulars.explain")
def explain(explanation_id: int) -> Response:
    explanation = db.scope().get(Explanation, explanation_id, "write")
    target = url_for("circulars.show", circular_id=explanation.circular_id)
    form = ExplanationForm()
    if not form.validate_on_submit():
        return refused(DubanError("Give both the reasons and the improvement plan."), target)
    try:
        submit_explanation(db.scope(), explanation_id, reasons=form.reasons.data, plan=form.plan.data)
    except DubanError as error:
        return refused(error, target)
    return done(gettext("Your unit's reasons and improvement plan have been submitted."), target)


@bp.post("/explanations/<int:explanation_id>/review")
@capability_required("circulars.manage")
def explanation_review(explanation_id: int) -> Response:
    explanation = db.scope().get(Explanation, explanation_id)
    target = url_for("circulars.show", circular_id=explanation.circular_id)
    form = ExplanationReviewForm()
    form.decision.choices = [("accept", ""), ("return", "")]
    if not form.validate_on_submit():
        return refused(DubanError("The form has expired. Please try again."), target)
    try:
        review_explanation(db.scope(), explanation_id, accept=form.decision.data == "accept",
                           comment=form.comment.data or "", today=today())
    except DubanError as error:
        return refused(error, target)
    return done(gettext("The explanation has been reviewed."), target)

