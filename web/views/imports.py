"""The upload page behind every importer: check first, then confirm."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField

from core.hooktypes import ImportContext, Importer
from core.intake import run_import
from core.plugins import importers
from web import db, uploads

bp = Blueprint("imports", __name__, url_prefix="/imports")


class UploadForm(FlaskForm):
    file = FileField(lazy_gettext("File (CSV, XLSX or JSON Lines)"), validators=[FileRequired()])


class ConfirmForm(FlaskForm):
    token = HiddenField()
    filename = StringField()


def _importer(kind: str) -> Importer:
    importer = importers(db.plugins()).get(kind)
    if importer is None:
        abort(404)
    if not db.scope().can(importer.capability):
        abort(403)
    return importer


def _run(importer: Importer, data: bytes, filename: str, dry_run: bool):  # type: ignore[no-untyped-def]
    context = ImportContext(actor=current_user.username, dry_run=dry_run, user_id=current_user.id)
    return run_import(db.session(), importer, data, filename, context)


@bp.get("/")
@login_required
def index() -> str:
    scope = db.scope()
    available = [imp for imp in importers(db.plugins()).values() if scope.can(imp.capability)]
    return render_template("imports/index.html", importers=sorted(available, key=lambda i: i.kind))


@bp.route("/<kind>", methods=["GET", "POST"])
@login_required
def upload(kind: str) -> Response | str:
    importer = _importer(kind)
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = form.file.data.filename or ""
        report = _run(importer, data, filename, dry_run=True)
        confirm = None
        if report.ok:
            confirm = ConfirmForm(data={"token": uploads.stage(data, current_user.id), "filename": filename})
        return render_template("imports/report.html", importer=importer, report=report,
                               confirm=confirm, filename=filename, dry_run=True)
    return render_template("imports/upload.html", importer=importer, form=form)


@bp.post("/<kind>/confirm")
@login_required
def confirm(kind: str) -> Response | str:
    importer = _importer(kind)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    data = uploads.take(form.token.data, current_user.id)
    if data is None:
        flash(gettext("The checked file is no longer available. Please upload it again."), "error")
        return redirect(url_for("imports.upload", kind=kind))
    report = _run(importer, data, form.filename.data or "", dry_run=False)
    return render_template("imports/report.html", importer=importer, report=report, confirm=None,
                           filename=form.filename.data, dry_run=False)


@bp.post("/<kind>/errors.csv")
@login_required
def errors_csv(kind: str) -> Response:
    """The error report of an upload as a CSV download (re-checks the posted file)."""
    importer = _importer(kind)
    form = UploadForm()
    if not form.validate_on_submit():
        abort(400)
    report = _run(importer, form.file.data.read(), form.file.data.filename or "", dry_run=True)
    return Response(report.to_csv(gettext), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={kind}-errors.csv"})
