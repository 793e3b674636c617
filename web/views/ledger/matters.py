"""Matters: the list, registering and editing one, its page, and dispatching its tasks."""
from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import case, func, or_, select
from werkzeug.wrappers import Response

from core.ledger.deadlines import light_clause
from core.ledger.dispatch import MatterFields, dispatch_task, save_matter
from core.ledger.models import SUPERVISION_METHOD_LABELS, Cadence, Matter, MatterKind, SupervisionMethod, Task
from core.ledger.queries import paginate
from core.ledger.research import topics_for_matter
from core.org.models import Unit
from web import db
from web.actions import USER_ERRORS, int_arg, refused
from web.auth import capability_required
from web.views.ledger import bp, today, warning_days
from web.views.ledger.forms import MatterForm, TaskForm
from web.views.ledger.tasks import list_context

MAX_UNIT_CHOICES = 1000


@bp.get("/matters")
@capability_required("ledger.view")
def matters() -> str:
    scope = db.scope()
    q = request.args.get("q", "").strip()[:100]
    kind = request.args.get("kind", "")
    stmt = scope.select(Matter).order_by(Matter.created_at.desc(), Matter.id.desc())
    if kind in MatterKind.__members__:
        stmt = stmt.where(Matter.kind == MatterKind(kind))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Matter.code.like(like), Matter.title.like(like), Matter.source_ref.like(like)))
    page = paginate(scope, stmt, int_arg("page", 1))
    # Task counts for the page's matters in one grouped query, limited to tasks the user may see.
    ids = [m.id for m in page.items]
    counts = {row.matter_id: row for row in db.session().execute(
        select(Task.matter_id, func.count(Task.id).label("tasks"),
               func.sum(case((light_clause("red", today(), warning_days()), 1), else_=0)).label("overdue"))
        .where(Task.matter_id.in_(ids), scope.clause(Task)).group_by(Task.matter_id))} if ids else {}
    return render_template("ledger/matters.html", page=page, counts=counts, q=q, kind=kind,
                           can_manage=scope.can("ledger.manage"), **list_context())


def _fields(form: MatterForm) -> MatterFields:
    return MatterFields(code=form.code.data, title=form.title.data, kind=MatterKind(form.kind.data),
                        source_ref=form.source_ref.data or "", description=form.description.data or "",
                        importance=form.importance.data or 3, public_attention=form.public_attention.data or 0,
                        people_affected=form.people_affected.data or 0,
                        money_affected=Decimal(form.money_affected.data or 0),
                        supervision_method=SupervisionMethod(form.supervision_method.data)
                        if form.supervision_method.data else None,
                        supervision_due=form.supervision_due.data,
                        supervision_requirement=form.supervision_requirement.data or "")


@bp.route("/matters/new", methods=["GET", "POST"])
@capability_required("ledger.manage")
def new_matter() -> Response | str:
    form = MatterForm()
    if form.validate_on_submit():
        try:
            matter = save_matter(db.scope(), None, _fields(form))
        except USER_ERRORS as error:
            db.session().rollback()
            flash(error.message.render(gettext), "error")
        else:
            db.session().commit()
            flash(gettext("The matter has been registered. Now dispatch its tasks."), "info")
            return redirect(url_for("ledger.matter", matter_id=matter.id))
    return render_template("ledger/matter_form.html", form=form, matter=None)


@bp.route("/matters/<int:matter_id>/edit", methods=["GET", "POST"])
@capability_required("ledger.manage")
def edit_matter(matter_id: int) -> Response | str:
    matter = db.scope().get(Matter, matter_id, "write")
    form = MatterForm(obj=matter, data={
        "kind": matter.kind.value,
        "supervision_method": matter.supervision_method.value if matter.supervision_method else ""}
        if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            save_matter(db.scope(), matter, _fields(form))
        except USER_ERRORS as error:
            db.session().rollback()
            flash(error.message.render(gettext), "error")
        else:
            db.session().commit()
            flash(gettext("The matter has been saved."), "info")
            return redirect(url_for("ledger.matter", matter_id=matter.id))
    return render_template("ledger/matter_form.html", form=form, matter=matter)


def _dispatch_units() -> list[tuple[int, str]]:
    scope = db.scope()
    rows = db.session().execute(select(Unit.id, Unit.code, Unit.name).where(scope.unit_clause(Unit.id, "write"),
                                                                          Unit.active.is_(True))
                                .order_by(Unit.path).limit(MAX_UNIT_CHOICES))
    return [(row.id, f"{row.code} {row.name}") for row in rows]


@bp.get("/matters/<int:matter_id>")
@capability_required("ledger.view")
def matter(matter_id: int) -> str:
    scope = db.scope()
    matter = scope.get(Matter, matter_id)
    writable = bool(scope.filter_ids(Matter, [matter.id], "write"))
    tasks = list(db.session().scalars(scope.select(Task).where(Task.matter_id == matter.id)
                                      .join(Unit, Unit.id == Task.unit_id).order_by(Task.deadline, Unit.code)))
    form = None
    if writable:
        form = TaskForm(formdata=None, units=_dispatch_units(), data={"cadence": Cadence.once.value})
    panels = [panel for batch in db.plugins().hook.duban_matter_panels(
        session=db.session(), matter=matter, user=current_user) for panel in batch or ()]
    topics = topics_for_matter(scope, matter) if scope.can("research.view") else []
    return render_template("ledger/matter.html", matter=matter, tasks=tasks, form=form, writable=writable,
                           panels=sorted(panels, key=lambda p: p.order), topics=topics,
                           method_labels=SUPERVISION_METHOD_LABELS, **list_context())


@bp.post("/matters/<int:matter_id>/tasks")
@capability_required("ledger.manage")
def dispatch(matter_id: int) -> Response:
    scope = db.scope()
    matter = scope.get(Matter, matter_id, "write")
    back = url_for("ledger.matter", matter_id=matter.id)
    form = TaskForm(units=_dispatch_units())
    if not form.validate_on_submit():
        errors = "; ".join(f"{form[name].label.text}: {' '.join(map(str, errs))}" for name, errs in form.errors.items())
        flash(gettext("The task was not dispatched: %(errors)s", errors=errors), "error")
        return redirect(back)
    try:
        dispatch_task(scope, matter, unit_id=form.unit.data, description=form.description.data,
                      deadline=form.deadline.data, cadence=Cadence(form.cadence.data),
                      co_unit_ids=form.co_units.data or [], today=today())
    except USER_ERRORS as error:
        return refused(error, back)
    db.session().commit()
    flash(gettext("The task has been dispatched."), "info")
    return redirect(back)
