"""Check-then-confirm for uploaded import files, shared by every upload page.

The first post checks the file as a dry run and, when every row is good, keeps
it under a token; the confirming post imports exactly the bytes that were checked.
A file larger than ``IMPORT_IN_BACKGROUND_BYTES`` is checked by the ``import_file``
job instead (a dry run), and the user is sent to the page that follows its run: it
shows how many rows have been checked, then the problems or an offer to import the
same kept file, which queues the import itself.
"""
from __future__ import annotations

import os
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from core.hooktypes import ImportContext
from core.importing import ImportReport
from core.intake import run_import
from core.plugins import importers
from web import db, uploads
from web.background import job_queue

# Confirmed files larger than this are imported in the background (IMPORT_IN_BACKGROUND_BYTES).
BACKGROUND_BYTES = 4 * 1024 * 1024


class UploadForm(FlaskForm):
    """The upload page's form: one file (CSV, XLSX or JSON Lines) and the CSRF token."""

    file = FileField(lazy_gettext("File (CSV, XLSX or JSON Lines)"), validators=[FileRequired()])


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    filename = StringField(validators=[Length(max=255)])


def run_upload(kind: str, data: bytes, filename: str, dry_run: bool) -> ImportReport:
    """Run the ``kind`` importer on ``data`` in the request's transaction."""
    context = ImportContext(actor=current_user.username, dry_run=dry_run, user_id=current_user.id)
    return run_import(db.session(), importers(db.plugins())[kind], data, filename, context)


def background_bytes() -> int:
    """Files larger than this are checked and imported by a job (``IMPORT_IN_BACKGROUND_BYTES``)."""
    return int(current_app.config.get("IMPORT_IN_BACKGROUND_BYTES", BACKGROUND_BYTES))


def check_upload(kind: str, form: UploadForm, template: str, **context: Any) -> Response | str:
    """Check the posted file; render ``template`` with the report and, if clean, a confirm form.

    A large file is checked in the background instead: the answer is the run's page.
    """
    data = form.file.data.read()
    filename = os.path.basename(form.file.data.filename or "")[:255]
    if len(data) > background_bytes():
        return queue_import(kind, data, filename, dry_run=True)
    report = run_upload(kind, data, filename, dry_run=True)
    confirm = None
    if report.ok:
        confirm = ConfirmForm(formdata=None, data={"token": uploads.stage(data, current_user.id),
                                                   "filename": filename})
    return render_template(template, report=report, confirm=confirm, filename=filename, dry_run=True,
                           **context)


def confirm_upload(kind: str, template: str, upload_url: str, **context: Any) -> Response | str:
    """Import the file checked earlier under the posted token."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        raise BadRequest()
    data = uploads.take(form.token.data, current_user.id)
    if data is None:
        flash(gettext("The checked file is no longer available. Please upload it again."), "error")
        return redirect(upload_url)
    filename = form.filename.data or ""
    if len(data) > background_bytes():
        return queue_import(kind, data, filename)
    report = run_upload(kind, data, filename, dry_run=False)
    return render_template(template, report=report, confirm=None, filename=filename, dry_run=False,
                           **context)


def queue_import(kind: str, data: bytes, filename: str, dry_run: bool = False) -> Response:
    """Keep the file and queue its check (``dry_run``) or import; send the user to the run's page."""
    path = uploads.keep(data, current_user.id, filename)
    return redirect(url_for("job_runs.show", run_id=queue_kept(kind, path, filename, dry_run)))


def queue_kept(kind: str, path: str, filename: str, dry_run: bool) -> int | None:
    """Queue the check or the import of a kept file, in one transaction; returns the run's id."""
    session = db.session()
    run_id = job_queue().enqueue("import_file", kind, path, current_user.username, current_user.id, filename,
                                 dry_run, session=session, requested_by=current_user.id)
    session.commit()
    if dry_run:
        flash(gettext("The file is large: it is being checked in the background. This page shows how far the "
                      "check has got, then offers to import the file."), "info")
    else:
        flash(gettext("The file is large: it is being imported in the background. This page shows when it is "
                      "done."), "info")
    return run_id


def error_report_csv(kind: str, download_name: str) -> Response:
    """The posted file's error report as a CSV download (the file is checked again)."""
    form = UploadForm()
    if not form.validate_on_submit():
        raise BadRequest()
    report = run_upload(kind, form.file.data.read(), form.file.data.filename or "", dry_run=True)
    return Response(report.to_csv(gettext), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={download_name}"})
