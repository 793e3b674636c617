"""Filing progress reports, reviewing them, and downloading their attachments."""
from __future__ import annotations

import os

from flask import abort, flash, send_file, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from core.ledger.attachments import Upload, stored_path
from core.ledger.report_models import Attachment, ProgressReport
from core.ledger.workflow import file_report, review_report
from web import db
from web.actions import USER_ERRORS, done, refused
from web.auth import capability_required
from web.i18n import render_message
from web.views.ledger import attachment_folder, attachment_max_bytes, bp
from web.views.ledger.forms import ReportForm, ReviewForm
from web.views.ledger.tasks import render_task


@bp.post("/tasks/<int:task_id>/reports")
@capability_required("ledger.view")
def file(task_id: int) -> Response | tuple[str, int]:
    """File a report; a refused one comes back on the task's page with what was typed still in it."""
    form = ReportForm()
    back = url_for("ledger.task", task_id=task_id)
    if not form.validate_on_submit():
        flash(gettext("Write what has been done and the percent done (0 to 100)."), "error")
        return render_task(task_id, report_form=form), 422
    uploads = [Upload(storage.filename or "", storage.read())  # MAX_CONTENT_LENGTH bounds it
               for storage in form.files.data or [] if storage and storage.filename]
    try:
        file_report(db.scope(), task_id, text=form.text.data, percent_done=form.percent_done.data,
                    uploads=uploads, attachment_folder=attachment_folder(), max_bytes=attachment_max_bytes())
    except USER_ERRORS as error:
        db.session().rollback()
        flash(render_message(error.message), "error")
        if uploads:  # a browser never fills a file field again
            flash(gettext("Your text is kept below; choose the files again before sending."), "info")
        return render_task(task_id, report_form=form), 422
    return done(gettext("Your report has been filed."), back)


@bp.post("/reports/<int:report_id>/review")
@capability_required("ledger.manage")
def review(report_id: int) -> Response:
    form = ReviewForm()
    if not form.validate_on_submit() or form.decision.data not in ("accept", "return"):
        abort(400)
    report = db.scope().get(ProgressReport, report_id)
    back = url_for("ledger.task", task_id=report.task_id)
    try:
        review_report(db.scope(), report_id, accept=form.decision.data == "accept", comment=form.comment.data or "")
    except USER_ERRORS as error:
        return refused(error, back)
    text = gettext("The report is accepted.") if form.decision.data == "accept" else gettext("The report is sent back.")
    return done(text, back)


@bp.get("/attachments/<int:attachment_id>")
@capability_required("ledger.view")
def attachment(attachment_id: int) -> Response:
    """An attachment, only for users who may see its task, always as a download."""
    stored = db.scope().get(Attachment, attachment_id)
    path = stored_path(attachment_folder(), stored.storage_name)
    if not os.path.exists(path):
        abort(404)
    response = send_file(path, mimetype=stored.content_type, as_attachment=True, download_name=stored.filename,
                         max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
