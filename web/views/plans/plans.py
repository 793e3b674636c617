"""Work plans: the list, a plan's page, its items, its approval and publication, tracking its items."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from core import clock
from core.circulars.models import Circular
from core.ledger.models import SUPERVISION_METHOD_LABELS, Matter, MatterKind, SupervisionMethod
from core.org.models import Unit
from core.plans.models import (
    PLAN_STATE_LABELS,
    PROGRESS_LABELS,
    Campaign,
    ItemProgress,
    PlanItem,
    PlanState,
    WorkPlan,
)
from core.plans.tracking import item_outputs, plan_summary, requirements_in_period
from core.plans.workflow import (
    ItemFields,
    NewMatter,
    approve_plan,
    create_plan,
    link_item_circular,
    publish_plan,
    remove_item,
    return_plan,
    save_item,
    save_summary,
    set_progress,
    staff_choices,
    submit_plan,
)
from web import db
from web.actions import USER_ERRORS, done, refused
from web.auth import capability_required
from web.forms import ActionForm
from web.views.plans import bp
from web.views.plans.forms import CircularLinkForm, ItemForm, PlanForm, ProgressForm, ReturnForm, SummaryForm

MAX_CHOICES = 500


def today() -> date:
    return clock.today()


def labels() -> dict[str, object]:
    return {"state_labels": PLAN_STATE_LABELS, "progress_labels": PROGRESS_LABELS,
            "method_labels": SUPERVISION_METHOD_LABELS}


def matter_choices() -> list[tuple[int, str]]:
    rows = db.session().execute(select(Matter.id, Matter.code, Matter.title).where(db.scope().clause(Matter))
                                .order_by(Matter.code).limit(MAX_CHOICES))
    return [(row.id, f"{row.code} {row.title}") for row in rows]


def unit_choices(action: str = "read") -> list[tuple[int, str]]:
    rows = db.session().execute(select(Unit.id, Unit.code, Unit.name).where(
        db.scope().unit_clause(Unit.id, "write" if action == "write" else "read"), Unit.active.is_(True))
        .order_by(Unit.path).limit(MAX_CHOICES))
    return [(row.id, f"{row.code} {row.name}") for row in rows]


def people_choices() -> list[tuple[int, str]]:
    return [(user.id, user.label) for user in staff_choices(db.scope())]


def _campaign_choices() -> list[tuple[int, str]]:
    scope = db.scope()
    if not scope.can("campaigns.view"):
        return []
    rows = db.session().execute(select(Campaign.id, Campaign.name).where(scope.clause(Campaign))
                                .order_by(Campaign.start_on.desc()).limit(MAX_CHOICES))
    return [(row.id, row.name) for row in rows]


def circular_choices() -> list[tuple[int, str]]:
    scope = db.scope()
    rows = db.session().execute(select(Circular.id, Circular.title, Circular.period_end).where(scope.clause(Circular))
                                .order_by(Circular.period_end.desc(), Circular.id.desc()).limit(MAX_CHOICES))
    return [(row.id, f"{row.title} ({row.period_end.isoformat()})") for row in rows]


@bp.get("/")
@capability_required("plans.view")
def index() -> str:
    scope = db.scope()
    plans = list(db.session().scalars(scope.select(WorkPlan).order_by(WorkPlan.year.desc(), WorkPlan.quarter,
                                                                      WorkPlan.id.desc()).limit(200)))
    form = PlanForm(formdata=None, data={"year": today().year, "title": gettext(
        "Supervision work plan for %(year)s", year=today().year)})
    return render_template("plans/index.html", plans=plans, form=form, can_manage=scope.can("plans.manage"),
                           **labels())


@bp.post("/new")
@capability_required("plans.manage")
def new() -> Response:
    form = PlanForm()
    if not form.validate_on_submit():
        flash(gettext("Give the plan a title and a year."), "error")
        return redirect(url_for("plans.index"))
    try:
        plan = create_plan(db.scope(), year=form.year.data, quarter=form.quarter.data, title=form.title.data)
    except USER_ERRORS as error:
        return refused(error, url_for("plans.index"))
    return done(gettext("The plan has been opened as a draft. Now add its items."),
                url_for("plans.show", plan_id=plan.id))


@bp.get("/<int:plan_id>")
@capability_required("plans.view")
def show(plan_id: int) -> str:
    scope = db.scope()
    plan = scope.get(WorkPlan, plan_id)
    writable = bool(scope.filter_ids(WorkPlan, [plan.id], "write"))
    visible = scope.filter_ids(PlanItem, [item.id for item in plan.items])
    items = [item for item in plan.items if item.id in visible]
    outputs = item_outputs(scope, items)
    user = db.user()
    trackable = {item.id for item in items if plan.state == PlanState.published and (
        writable or item.lead_id == user.id)}
    can_approve = scope.can("plans.approve") and plan.state == PlanState.submitted
    return render_template(
        "plans/plan.html", plan=plan, items=items, outputs=outputs, writable=writable, trackable=trackable,
        summary=plan_summary(items, outputs, today()), today=today(),
        requirements=requirements_in_period(scope, plan) if writable or can_approve else [],
        can_approve=can_approve, is_drafter=plan.drafted_by_id == user.id,
        return_form=ReturnForm(formdata=None),
        summary_form=SummaryForm(formdata=None, data={"summary": plan.summary}),
        progress_forms={item.id: ProgressForm(formdata=None, prefix=f"item{item.id}", data={
            "progress": item.progress.value, "note": item.progress_note, "reason": item.drop_reason})
            for item in items if item.id in trackable},
        circular_form=CircularLinkForm(formdata=None, circulars=circular_choices()) if trackable else None,
        **labels())


def _item_form(formdata: bool = True, **kwargs: object) -> ItemForm:
    extra: dict[str, object] = {} if formdata else {"formdata": None}
    return ItemForm(matters=matter_choices(), units=unit_choices("write"), leads=people_choices(),
                    campaigns=_campaign_choices(), **extra, **kwargs)


def _item_fields(form: ItemForm) -> ItemFields:
    new = None
    if (form.new_matter_code.data or "").strip() or (form.new_matter_title.data or "").strip():
        new = NewMatter(form.new_matter_code.data or "", form.new_matter_title.data or "",
                        MatterKind(form.new_matter_kind.data))
    return ItemFields(title=form.title.data or "", method=SupervisionMethod(form.method.data), unit_id=form.unit.data,
                      start_on=form.start_on.data, end_on=form.end_on.data, matter_ids=form.matters.data or [],
                      lead_id=form.lead.data, visit_budget=form.visit_budget.data or 0,
                      requirement=form.requirement.data or "", campaign_id=form.campaign.data, new_matter=new)


def _save_item(plan: WorkPlan, item: PlanItem | None) -> Response | str:
    form = _item_form()
    if request.method == "GET":
        data: dict[str, object] = {"start_on": plan.period_start, "end_on": plan.period_end,
                                   "unit": plan.owner_unit_id}
        if item is not None:
            data = {"title": item.title, "matters": [m.id for m in item.matters], "method": item.method.value,
                    "unit": item.unit_id, "lead": item.lead_id, "start_on": item.start_on, "end_on": item.end_on,
                    "visit_budget": item.visit_budget, "requirement": item.requirement,
                    "campaign": item.campaign_id}
        matter = request.args.get("matter", "")
        if item is None and matter.isdigit():
            data["matters"] = [int(matter)]
        form = _item_form(formdata=False, data=data)
    elif form.validate_on_submit():
        try:
            save_item(db.scope(), plan.id, item.id if item else None, _item_fields(form))
        except USER_ERRORS as error:
            db.session().rollback()
            form.form_errors.append(error.message.render(gettext))
        else:
            return done(gettext("The item has been saved."), url_for("plans.show", plan_id=plan.id))
    return render_template("plans/item_form.html", form=form, plan=plan, item=item)


@bp.route("/<int:plan_id>/items/new", methods=["GET", "POST"])
@capability_required("plans.manage")
def new_item(plan_id: int) -> Response | str:
    return _save_item(db.scope().get(WorkPlan, plan_id, "write"), None)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@capability_required("plans.manage")
def edit_item(item_id: int) -> Response | str:
    item = db.scope().get(PlanItem, item_id, "write")
    return _save_item(item.plan, item)


def _require_csrf() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.post("/items/<int:item_id>/remove")
@capability_required("plans.manage")
def delete_item(item_id: int) -> Response:
    _require_csrf()
    item = db.scope().get(PlanItem, item_id, "write")
    back = url_for("plans.show", plan_id=item.plan_id)
    try:
        remove_item(db.scope(), item.id)
    except USER_ERRORS as error:
        return refused(error, back)
    return done(gettext("The item has been removed."), back)


@bp.post("/<int:plan_id>/submit")
@capability_required("plans.manage")
def submit(plan_id: int) -> Response:
    _require_csrf()
    back = url_for("plans.show", plan_id=plan_id)
    try:
        submit_plan(db.scope(), plan_id)
    except USER_ERRORS as error:
        return refused(error, back)
    return done(gettext("The plan has been submitted to the leaders for approval."), back)


@bp.post("/<int:plan_id>/approve")
@capability_required("plans.approve")
def approve(plan_id: int) -> Response:
    _require_csrf()
    back = url_for("plans.show", plan_id=plan_id)
    try:
        approve_plan(db.scope(), plan_id)
    except USER_ERRORS as error:
        return refused(error, back)
    return done(gettext("The plan has been approved. Staff may now publish it."), back)


@bp.post("/<int:plan_id>/return")
@capability_required("plans.approve")
def send_back(plan_id: int) -> Response:
    form = ReturnForm()
    back = url_for("plans.show", plan_id=plan_id)
    if not form.validate_on_submit():
        flash(gettext("Say what should change in the plan."), "error")
        return redirect(back)
    try:
        return_plan(db.scope(), plan_id, form.note.data)
    except USER_ERRORS as error:
        return refused(error, back)
    return done(gettext("The plan has been sent back to its drafter."), back)


@bp.post("/<int:plan_id>/publish")
@capability_required("plans.manage")
def publish(plan_id: int) -> Response:
    _require_csrf()
    back = url_for("plans.show", plan_id=plan_id)
    try:
        _plan, units = publish_plan(db.scope(), plan_id)
    except USER_ERRORS as error:
        return refused(error, back)
    return done(gettext("The plan has been published to the %(count)s units it concerns.", count=units), back)


@bp.post("/items/<int:item_id>/progress")
@capability_required("plans.view")
def progress(item_id: int) -> Response:
    item = db.scope().get(PlanItem, item_id)
    back = url_for("plans.show", plan_id=item.plan_id) + f"#item-{item.id}"
    form = ProgressForm(prefix=f"item{item.id}")
    if not form.validate_on_submit():
        flash(gettext("Choose how far the item has come."), "error")
        return redirect(back)
    try:
        set_progress(db.scope(), item.id, ItemProgress(form.progress.data), note=form.note.data or "",
                     reason=form.reason.data or "")
    except USER_ERRORS as error:
        return refused(error, back)
    return done(gettext("The item's progress has been recorded."), back)


@bp.post("/items/<int:item_id>/circulars")
@capability_required("plans.manage")
def link_circular(item_id: int) -> Response:
    scope = db.scope()
    item = scope.get(PlanItem, item_id, "write")
    back = url_for("plans.show", plan_id=item.plan_id) + f"#item-{item.id}"
    form = CircularLinkForm(circulars=circular_choices())
    if not form.validate_on_submit():
        flash(gettext("Choose a circular."), "error")
        return redirect(back)
    link_item_circular(scope, item.id, form.circular.data)
    return done(gettext("The circular is linked to the item."), back)


@bp.post("/<int:plan_id>/summary")
@capability_required("plans.manage")
def summary(plan_id: int) -> Response:
    form = SummaryForm()
    back = url_for("plans.show", plan_id=plan_id)
    if not form.validate_on_submit():
        flash(gettext("The text is too long."), "error")
        return redirect(back)
    try:
        save_summary(db.scope(), plan_id, form.summary.data or "")
    except USER_ERRORS as error:
        return refused(error, back)
    return done(gettext("The summary has been saved."), back)
