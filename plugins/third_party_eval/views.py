"""The evaluation pages: institutions and assignments, frameworks and results with charts,
and the evaluator's upload: template, check, report, confirm."""
from __future__ import annotations

import csv
import io
import os

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from core.access.assignments import assign, assignments_for_matter, assignments_of, unassign
from core.access.models import Assignment, Role, User
from core.errors import ValidationError
from core.importing import safe_cell
from core.ledger.models import Matter
from core.org.models import Unit
from plugins.third_party_eval.access import institution_of
from plugins.third_party_eval.forms import (
    AssignmentForm,
    EvaluatorForm,
    IndicatorForm,
    InstitutionForm,
)
from plugins.third_party_eval.models import BATCH_STATE_LABELS, Batch, Evaluator, Indicator, Institution, Score
from plugins.third_party_eval.registry import add_evaluator, register_institution, save_indicator
from plugins.third_party_eval.results import matter_results
from plugins.third_party_eval.template import template_xlsx
from web.plugin_api import (
    ActionForm,
    UploadForm,
    capability_required,
    check_upload,
    confirm_upload,
    error_report_csv,
    logger,
    render_message,
    request_scope,
    request_session,
)

HERE = os.path.dirname(os.path.abspath(__file__))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

log = logger("third_party_eval")
bp = Blueprint("third_party_eval", __name__, url_prefix="/evaluations",
               template_folder=os.path.join(HERE, "templates"),
               static_folder=os.path.join(HERE, "static"), static_url_path="/static")


def _commit_or_flash(done: str) -> bool:
    session = request_session()
    session.commit()
    flash(done, "info")
    return True


@bp.get("/")
@capability_required("tpe.upload")
def index() -> str:
    """Evaluators: their assignments, templates and batches. Staff: matters with evaluations."""
    scope, session = request_scope(), request_session()
    batches = list(session.scalars(scope.select(Batch).order_by(Batch.uploaded_at.desc(), Batch.id.desc()).limit(200)))
    if scope.role == Role.evaluator:
        assignments = [(a, session.get(Matter, a.matter_id), session.get(Unit, a.unit_id) if a.unit_id else None)
                       for a in assignments_of(session, current_user.id)]
        return render_template("third_party_eval/evaluator.html", assignments=assignments, batches=batches,
                               institution=institution_of(session, current_user), state_labels=BATCH_STATE_LABELS)
    framed = select(Indicator.matter_id).union(select(Batch.matter_id))
    matters = list(session.scalars(scope.select(Matter).where(Matter.id.in_(framed)).order_by(Matter.code)))
    return render_template("third_party_eval/index.html", matters=matters, batches=batches,
                           state_labels=BATCH_STATE_LABELS, can_manage=scope.can("tpe.manage"))


# -- institutions, evaluators, assignments ------------------------------------


@bp.route("/institutions", methods=["GET", "POST"])
@capability_required("tpe.manage")
def institutions() -> Response | str:
    scope, session = request_scope(), request_session()
    form = InstitutionForm()
    if form.validate_on_submit():
        try:
            institution = register_institution(session, name=form.name.data, contact=form.contact.data or "",
                                               owner_unit_id=current_user.unit_id or _top_unit())
        except ValidationError as error:
            session.rollback()
            flash(render_message(error.message), "error")
        else:
            _commit_or_flash(gettext("The institution has been registered."))
            return redirect(url_for(".institution", institution_id=institution.id))
    listed = list(session.scalars(scope.select(Institution).order_by(Institution.name)))
    return render_template("third_party_eval/institutions.html", institutions=listed, form=form)


def _top_unit() -> int:
    # An administrator without a unit registers institutions for the root of the hierarchy.
    unit_id = request_session().scalar(select(Unit.id).where(Unit.parent_id.is_(None)).order_by(Unit.id))
    if unit_id is None:
        abort(400)
    return unit_id


@bp.get("/institutions/<int:institution_id>")
@capability_required("tpe.manage")
def institution(institution_id: int) -> str:
    session = request_session()
    found = request_scope().get(Institution, institution_id)
    members = [e.user for e in found.evaluators]
    assignments = [(a, session.get(Matter, a.matter_id), session.get(Unit, a.unit_id) if a.unit_id else None,
                    session.get(User, a.user_id))
                   for member in members for a in assignments_of(session, member.id)]
    return render_template("third_party_eval/institution.html", institution=found, members=members,
                           assignments=assignments, evaluator_form=EvaluatorForm(formdata=None),
                           assignment_form=AssignmentForm(formdata=None))


@bp.post("/institutions/<int:institution_id>/evaluators")
@capability_required("tpe.manage")
def add_evaluator_view(institution_id: int) -> Response:
    found = request_scope().get(Institution, institution_id, "write")
    form = EvaluatorForm()
    back = redirect(url_for(".institution", institution_id=found.id))
    if not form.validate_on_submit():
        flash(gettext("The account was not created: %(errors)s", errors=_form_errors(form)), "error")
        return back
    try:
        user = add_evaluator(request_session(), found, username=form.username.data,
                             display_name=form.display_name.data or "", email=form.email.data,
                             password=form.password.data)
    except ValidationError as error:
        request_session().rollback()
        flash(render_message(error.message), "error")
        return back
    _commit_or_flash(gettext("The evaluator account has been created."))
    log.info("evaluator account %s created in institution %s by %s", user.username, found.name,
             current_user.username)
    return back


@bp.post("/institutions/<int:institution_id>/assignments")
@capability_required("tpe.manage")
def add_assignment(institution_id: int) -> Response:
    scope, session = request_scope(), request_session()
    found = scope.get(Institution, institution_id, "write")
    form = AssignmentForm()
    back = redirect(url_for(".institution", institution_id=found.id))
    if not form.validate_on_submit():
        flash(gettext("The assignment was not made: %(errors)s", errors=_form_errors(form)), "error")
        return back
    member = session.scalar(select(User).join(Evaluator, Evaluator.user_id == User.id).where(
        Evaluator.institution_id == found.id, User.username == form.username.data.strip()))
    matter = session.scalar(scope.select(Matter, "write").where(Matter.code == form.matter_code.data.strip()))
    unit = None
    if form.unit_code.data:
        unit = session.scalar(select(Unit).where(Unit.code == form.unit_code.data.strip()))
    if member is None or matter is None or (form.unit_code.data and unit is None):
        flash(gettext("The assignment was not made: check the evaluator, the matter code and the unit code."),
              "error")
        return back
    try:
        assign(session, member, matter, unit)
    except ValidationError as error:
        session.rollback()
        flash(render_message(error.message), "error")
        return back
    _commit_or_flash(gettext("The evaluator has been assigned."))
    log.info("evaluator %s assigned to matter %s%s by %s", member.username, matter.code,
             f" (unit {unit.code})" if unit else "", current_user.username)
    return back


@bp.post("/assignments/<int:assignment_id>/delete")
@capability_required("tpe.manage")
def remove_assignment(assignment_id: int) -> Response:
    scope, session = request_scope(), request_session()
    if not ActionForm().validate_on_submit():
        abort(400)
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        abort(404)
    matter = scope.get(Matter, assignment.matter_id, "write")  # 404 unless the user manages the matter
    membership = session.scalar(select(Evaluator).where(Evaluator.user_id == assignment.user_id))
    evaluator = session.get(User, assignment.user_id)
    what = f"evaluator {evaluator.username if evaluator else assignment.user_id} on matter {matter.code}"
    unassign(session, assignment.id)
    _commit_or_flash(gettext("The assignment has been removed."))
    log.info("assignment of %s removed by %s", what, current_user.username)
    if membership is not None:
        return redirect(url_for(".institution", institution_id=membership.institution_id))
    return redirect(url_for(".index"))


def _form_errors(form: object) -> str:
    errors = getattr(form, "errors", {})
    return "; ".join(f"{getattr(form, name).label.text}: {' '.join(map(str, errs))}" for name, errs in errors.items())


# -- a matter: framework, results, charts, batches ------------------------------


@bp.get("/matters/<int:matter_id>")
@capability_required("tpe.view")
def matter(matter_id: int) -> str:
    scope, session = request_scope(), request_session()
    found = scope.get(Matter, matter_id)
    writable = bool(scope.filter_ids(Matter, [found.id], "write")) and scope.can("tpe.manage")
    framework = list(session.scalars(scope.select(Indicator).where(Indicator.matter_id == found.id)
                                     .order_by(Indicator.code)))
    results = matter_results(session, found.id, scope.clause(Score))
    batches = list(session.scalars(scope.select(Batch).where(Batch.matter_id == found.id)
                                   .order_by(Batch.code, Batch.version.desc())))
    assignments = []
    if writable:
        assignments = [(a, session.get(User, a.user_id), session.get(Unit, a.unit_id) if a.unit_id else None)
                       for a in assignments_for_matter(session, found.id)]
    unit_rows = [(unit.name, unit.weighted, None) for unit in results.units]
    indicator_rows = [(f"{code} {name}", mean, target) for code, name, mean, target in results.indicators]
    return render_template("third_party_eval/matter.html", matter=found, framework=framework, results=results,
                           unit_rows=unit_rows, indicator_rows=indicator_rows,
                           batches=batches, writable=writable, assignments=assignments,
                           indicator_form=IndicatorForm(formdata=None) if writable else None,
                           state_labels=BATCH_STATE_LABELS)


@bp.post("/matters/<int:matter_id>/indicators")
@capability_required("tpe.manage")
def add_indicator(matter_id: int) -> Response:
    found = request_scope().get(Matter, matter_id, "write")
    form = IndicatorForm()
    back = redirect(url_for(".matter", matter_id=found.id))
    if not form.validate_on_submit():
        flash(gettext("The indicator was not saved: %(errors)s", errors=_form_errors(form)), "error")
        return back
    try:
        save_indicator(request_session(), found.id, code=form.code.data, name=form.name.data,
                       weight=float(form.weight.data),
                       target=float(form.target.data) if form.target.data is not None else None)
    except ValidationError as error:
        request_session().rollback()
        flash(render_message(error.message), "error")
        return back
    _commit_or_flash(gettext("The indicator has been saved."))
    return back


@bp.post("/indicators/<int:indicator_id>/delete")
@capability_required("tpe.manage")
def delete_indicator(indicator_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    indicator = request_scope().get(Indicator, indicator_id, "write")
    matter_id = indicator.matter_id
    request_session().delete(indicator)
    _commit_or_flash(gettext("The indicator has been removed."))
    return redirect(url_for(".matter", matter_id=matter_id))


@bp.get("/matters/<int:matter_id>/scores.csv")
@capability_required("tpe.view")
def scores_csv(matter_id: int) -> Response:
    scope, session = request_scope(), request_session()
    found = scope.get(Matter, matter_id)
    results = matter_results(session, found.id, scope.clause(Score))
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["事项编号", "单位代码", "单位名称", "指标代码", "得分", "权重", "目标值"])
    for unit in results.units:
        for code, (score, weight, target) in unit.scores.items():
            writer.writerow([safe_cell(v) for v in (found.code, unit.code, unit.name, code, round(score, 2),
                                                    weight, "" if target is None else target)])
    return Response(out.getvalue().encode("utf-8-sig"), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=evaluations-{found.id}.csv"})


@bp.get("/batches/<int:batch_id>")
@capability_required("tpe.upload")
def batch(batch_id: int) -> str:
    found = request_scope().get(Batch, batch_id)
    scores = list(request_session().scalars(request_scope().select(Score).where(Score.batch_id == found.id)
                                       .order_by(Score.line, Score.id)))
    return render_template("third_party_eval/batch.html", batch=found, scores=scores, state_labels=BATCH_STATE_LABELS)


# -- the evaluator's upload ------------------------------------------------------


@bp.get("/assignments/<int:assignment_id>/template.xlsx")
@capability_required("tpe.upload")
def template(assignment_id: int) -> Response:
    session = request_session()
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        abort(404)
    if request_scope().role == Role.evaluator:
        if assignment.user_id != current_user.id:
            abort(404)
    else:
        request_scope().get(Matter, assignment.matter_id)
    institution = session.scalar(select(Institution).join(Evaluator).where(Evaluator.user_id == assignment.user_id))
    data = template_xlsx(session, assignment, institution, gettext)
    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=evaluation-template-{assignment.id}.xlsx"})


@bp.route("/upload", methods=["GET", "POST"])
@capability_required("tpe.upload")
def upload() -> Response | str:
    form = UploadForm()
    if form.validate_on_submit():
        return check_upload("evaluations", form, "third_party_eval/report.html")
    return render_template("third_party_eval/upload.html", form=form)


@bp.post("/upload/confirm")
@capability_required("tpe.upload")
def confirm() -> Response | str:
    return confirm_upload("evaluations", "third_party_eval/report.html", url_for(".upload"))


@bp.post("/upload/errors.csv")
@capability_required("tpe.upload")
def errors_csv() -> Response:
    """The upload's error report as a CSV download (the posted file is checked again)."""
    return error_report_csv("evaluations", "evaluation-errors.csv")
