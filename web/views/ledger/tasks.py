"""The ledger page (every task the user may see), its export, a task's page and its actions."""
from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, gettext
from sqlalchemy import select
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from core.ledger.deadlines import days_overdue, light
from core.ledger.dispatch import redispatch_task
from core.ledger.export import export_xlsx, filter_to_json
from core.ledger.labels import (
    CADENCE_LABELS,
    EVENT_LABELS,
    LIGHT_LABELS,
    REVIEW_LABELS,
    STATE_LABELS,
)
from core.ledger.models import MATTER_KIND_LABELS, MatterKind, Task, TaskState
from core.ledger.queries import count_tasks, ledger_page, light_counts
from core.ledger.report_models import ProgressReport
from core.ledger.timeline import timeline
from core.ledger.workflow import (
    can_act_for_unit,
    can_review,
    close_task,
    give_delay_reason,
    needs_delay_reason,
    pending_report,
    sign_task,
    urge_task,
)
from core.org.models import Unit
from web import db, uploads
from web.actions import USER_ERRORS, done, int_arg, refused
from web.auth import capability_required
from web.background import job_queue
from web.forms import ActionForm
from web.views.ledger import bp, today, warning_days
from web.views.ledger.filters import filter_args, ledger_filter
from web.views.ledger.forms import NoteForm, RedispatchForm, ReportForm, ReviewForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Ledgers with more matching tasks than this are exported in the background (EXPORT_IN_BACKGROUND_ROWS).
BACKGROUND_ROWS = 5000


def list_context() -> dict[str, object]:
    """Labels every ledger list template needs."""
    return {"state_labels": STATE_LABELS, "light_labels": LIGHT_LABELS, "kind_labels": MATTER_KIND_LABELS,
            "cadence_labels": CADENCE_LABELS, "kinds": list(MatterKind), "states": list(TaskState),
            "light": light, "days_overdue": days_overdue, "today": today(), "warning_days": warning_days()}


@bp.get("/")
@capability_required("ledger.view")
def tasks() -> str:
    scope, f, now = db.scope(), ledger_filter(), today()
    page = ledger_page(scope, f, now, int_arg("page", 1), warning_days=warning_days())
    counts = light_counts(scope, f, now, warning_days())
    return render_template("ledger/tasks.html", page=page, counts=counts, args=filter_args(), **list_context())


@bp.get("/export.xlsx")
@capability_required("ledger.view")
def export() -> Response | str:
    """The filtered ledger as XLSX, in the import's columns.

    Over ``EXPORT_IN_BACKGROUND_ROWS`` tasks, a page offers to prepare it in the background instead.
    """
    scope, f, now = db.scope(), ledger_filter(), today()
    count = count_tasks(scope, f, now, warning_days())
    if count > int(current_app.config.get("EXPORT_IN_BACKGROUND_ROWS", BACKGROUND_ROWS)):
        return render_template("ledger/export_background.html", count=count, args=filter_args())
    data = export_xlsx(scope, f, now, gettext, warning_days=warning_days())
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=ledger-{now.isoformat()}.xlsx"})


@bp.post("/export")
@capability_required("ledger.view")
def export_background() -> Response:
    """Queue the ``export_ledger`` job for the filter in the query string; open its run's page."""
    if not ActionForm().validate_on_submit():
        raise BadRequest()
    user, session = db.user(), db.session()
    path = uploads.job_file("exports", user.id, ".xlsx")
    run_id = job_queue().enqueue("export_ledger", user.id, filter_to_json(ledger_filter()),
                                 today().isoformat(), str(get_locale() or "zh_CN"), path, session=session,
                                 requested_by=user.id)
    session.commit()
    flash(gettext("The export is being prepared in the background; this page offers it once it is ready."), "info")
    return redirect(url_for("job_runs.show", run_id=run_id))


@bp.get("/tasks/<int:task_id>")
@capability_required("ledger.view")
def task(task_id: int) -> str:
    return render_task(task_id)


def render_task(task_id: int, report_form: ReportForm | None = None) -> str:
    """The task's page; ``report_form`` keeps what a unit typed into a report that was refused."""
    scope = db.scope()
    task = scope.get(Task, task_id)
    writable = bool(scope.filter_ids(Task, [task.id], "write"))
    unit_actor = writable and can_act_for_unit(scope, task)
    reviewer = writable and can_review(scope, task)
    reports = list(db.session().scalars(select(ProgressReport).where(ProgressReport.task_id == task.id)
                                        .order_by(ProgressReport.submitted_at.desc(), ProgressReport.id.desc())))
    children = list(db.session().scalars(scope.select(Task).where(Task.parent_task_id == task.id).order_by(Task.id)))
    below = []
    if unit_actor and task.state != TaskState.closed:
        below = [(u.id, f"{u.code} {u.name}") for u in db.session().scalars(
            scope.select(Unit, "write").where(Unit.path.startswith(task.unit.path), Unit.id != task.unit_id)
            .order_by(Unit.path).limit(500))]
    # A county sees the city's task it was passed from only when its scope reaches that far.
    parent_visible = task.parent_task_id is not None and bool(scope.filter_ids(Task, [task.parent_task_id]))
    redispatch = RedispatchForm(formdata=None, data={"description": task.description, "deadline": task.deadline})
    redispatch.units.choices = below
    return render_template(
        "ledger/task.html", task=task, matter=task.matter, events=timeline(db.session(), task), reports=reports,
        children=children, unit_actor=unit_actor, reviewer=reviewer, pending=pending_report(scope, task),
        parent_visible=parent_visible,
        report_form=report_form or ReportForm(formdata=None), review_form=ReviewForm(formdata=None),
        note_form=NoteForm(formdata=None), redispatch=redispatch if below else None,
        needs_reason=needs_delay_reason(task, today()), event_labels=EVENT_LABELS, review_labels=REVIEW_LABELS,
        **list_context())


def _back(task_id: int) -> str:
    return url_for("ledger.task", task_id=task_id)


@bp.post("/tasks/<int:task_id>/sign")
@capability_required("ledger.view")
def sign(task_id: int) -> Response:
    _require_csrf()
    try:
        sign_task(db.scope(), task_id)
    except USER_ERRORS as error:
        return refused(error, _back(task_id))
    return done(gettext("You have signed for the task."), _back(task_id))


@bp.post("/tasks/<int:task_id>/close")
@capability_required("ledger.manage")
def close(task_id: int) -> Response:
    _require_csrf()
    try:
        close_task(db.scope(), task_id, note=request.form.get("text", "")[:5000])
    except USER_ERRORS as error:
        return refused(error, _back(task_id))
    return done(gettext("The task is closed."), _back(task_id))


@bp.post("/tasks/<int:task_id>/urge")
@capability_required("ledger.manage")
def urge(task_id: int) -> Response:
    form = NoteForm()
    if not form.validate_on_submit():
        flash(gettext("Write the urging notice."), "error")
        return redirect(_back(task_id))
    try:
        urge_task(db.scope(), task_id, text=form.text.data)
    except USER_ERRORS as error:
        return refused(error, _back(task_id))
    return done(gettext("The urging notice has been sent."), _back(task_id))


@bp.post("/tasks/<int:task_id>/reason")
@capability_required("ledger.view")
def reason(task_id: int) -> Response:
    form = NoteForm()
    if not form.validate_on_submit():
        flash(gettext("Write the reason for the delay."), "error")
        return redirect(_back(task_id))
    try:
        give_delay_reason(db.scope(), task_id, reason=form.text.data, today=today())
    except USER_ERRORS as error:
        return refused(error, _back(task_id))
    return done(gettext("The reason for the delay has been recorded."), _back(task_id))


@bp.post("/tasks/<int:task_id>/redispatch")
@capability_required("ledger.view")
def redispatch(task_id: int) -> Response:
    form = RedispatchForm()
    form.units.choices = [(int(v), v) for v in request.form.getlist("units") if v.isdigit()]
    if not form.validate_on_submit():
        flash(gettext("Choose the units, describe the task and give a deadline."), "error")
        return redirect(_back(task_id))
    try:
        children = redispatch_task(db.scope(), task_id, unit_ids=form.units.data, description=form.description.data,
                                   deadline=form.deadline.data, today=today())
    except USER_ERRORS as error:
        return refused(error, _back(task_id))
    return done(gettext("The task has been passed on to %(count)s units.", count=len(children)), _back(task_id))


def _require_csrf() -> None:
    from web.forms import ActionForm

    if not ActionForm().validate_on_submit():
        abort(400)

