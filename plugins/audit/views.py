"""The audit pages: findings list with filters and exports, a finding's page, the upload page.

The blueprint is ``audit_findings`` under ``/findings``: core's audit trail already
owns the name ``audit`` and the path ``/audit``.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from core import clock
from core.errors import ValidationError
from plugins.audit.export import export_csv, export_xlsx
from plugins.audit.forms import EvidenceForm, VerifyForm
from plugins.audit.models import SEVERITY_LABELS, STATUS_LABELS, STEP_LABELS, Finding, Severity, Status
from plugins.audit.queries import FindingFilter, counts, finding_select, light
from plugins.audit.rectification import file_evidence, verify
from web.plugin_api import (
    UploadForm,
    capability_required,
    check_upload,
    confirm_upload,
    error_report_csv,
    render_message,
    request_scope,
    request_session,
)

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = 300
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

bp = Blueprint("audit_findings", __name__, url_prefix="/findings",
               template_folder=os.path.join(HERE, "templates"),
               static_folder=os.path.join(HERE, "static"), static_url_path="/static")


def today() -> date:
    """Today in the instance's time zone (deadlines are local dates)."""
    return clock.today()


@bp.get("/")
@capability_required("audit.view")
def index() -> str:
    scope = request_scope()
    f = FindingFilter.from_args(request.args)
    now = today()
    findings = list(request_session().scalars(finding_select(scope, f, now).limit(PAGE)))
    return render_template("audit/index.html", findings=[(x, light(x, now)) for x in findings], flt=f,
                           figures=counts(scope, f, now), severities=list(Severity), statuses=list(Status),
                           severity_labels=SEVERITY_LABELS, status_labels=STATUS_LABELS, page=PAGE,
                           can_import=scope.can("audit.import"))


@bp.get("/export.<fmt>")
@capability_required("audit.view")
def export(fmt: str) -> Response:
    if fmt not in ("csv", "xlsx"):
        abort(404)
    f = FindingFilter.from_args(request.args)
    chinese = request.args.get("headers") != "en"
    if fmt == "csv":
        data, mimetype = export_csv(request_scope(), f, today(), chinese=chinese), "text/csv; charset=utf-8"
    else:
        data, mimetype = export_xlsx(request_scope(), f, today(), chinese=chinese), XLSX
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename=audit-findings.{fmt}"})


@bp.get("/<int:finding_id>")
@capability_required("audit.view")
def show(finding_id: int) -> str:
    scope = request_scope()
    finding = scope.get(Finding, finding_id)
    writable = bool(scope.filter_ids(Finding, [finding.id], "write"))
    open_ = finding.status != Status.done
    evidence = EvidenceForm(formdata=None) if open_ and writable and scope.can("audit.rectify") else None
    check = VerifyForm(formdata=None) if open_ and writable and scope.can("audit.verify") else None
    return render_template("audit/show.html", finding=finding, light=light(finding, today()), today=today(),
                           evidence_form=evidence, verify_form=check, severity_labels=SEVERITY_LABELS,
                           status_labels=STATUS_LABELS, step_labels=STEP_LABELS)


@bp.post("/<int:finding_id>/evidence")
@capability_required("audit.rectify")
def evidence(finding_id: int) -> Response:
    finding = request_scope().get(Finding, finding_id, "write")
    form = EvidenceForm()
    if not form.validate_on_submit():
        flash(gettext("Please describe what was done."), "error")
        return redirect(url_for(".show", finding_id=finding.id))
    return _act(finding, lambda session: file_evidence(session, finding, note=form.note.data,
                                                       user=current_user, today=today()),
                gettext("The evidence of rectification has been filed."))


@bp.post("/<int:finding_id>/verify")
@capability_required("audit.verify")
def verify_rectification(finding_id: int) -> Response:
    finding = request_scope().get(Finding, finding_id, "write")
    form = VerifyForm()
    if not form.validate_on_submit():
        abort(400)
    accept = form.decision.data == "accept"
    done = gettext("The rectification is verified.") if accept else gettext("The rectification was sent back.")
    return _act(finding, lambda session: verify(session, finding, accept=accept, note=form.note.data or "",
                                                user=current_user, today=today()), done)


def _act(finding: Finding, action: Callable[[Session], object], done: str) -> Response:
    session = request_session()
    try:
        action(session)
    except ValidationError as error:
        session.rollback()
        flash(render_message(error.message), "error")
    else:
        session.commit()
        flash(done, "info")
    return redirect(url_for(".show", finding_id=finding.id))


# -- the upload page: check, see the report, confirm ---------------------------


@bp.route("/upload", methods=["GET", "POST"])
@capability_required("audit.import")
def upload() -> Response | str:
    form = UploadForm()
    if form.validate_on_submit():
        return check_upload("audit", form, "audit/report.html")
    return render_template("audit/upload.html", form=form)


@bp.post("/upload/confirm")
@capability_required("audit.import")
def confirm() -> Response | str:
    return confirm_upload("audit", "audit/report.html", url_for(".upload"))


@bp.post("/upload/errors.csv")
@capability_required("audit.import")
def errors_csv() -> Response:
    """The upload's error report as a CSV download (the posted file is checked again)."""
    return error_report_csv("audit", "audit-errors.csv")
