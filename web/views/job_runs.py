"""The page that follows one queued job, for who asked: a background import and what it did,
a background export and its download.

A run is shown to the user whose action queued it and to administrators
(:meth:`core.jobs.JobRun.__scope__`); to anyone else it does not exist (404).
"""
from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, flash, redirect, render_template, send_file, url_for
from flask_babel import format_number, gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Response

from core.errors import Forbidden, NotFound
from core.i18n import N_
from core.importing.report import problems_from_summary
from core.jobs import JobRun, RunState
from core.plugins import importers
from web import db, uploads
from web.forms import ActionForm
from web.import_flow import queue_kept

bp = Blueprint("job_runs", __name__, url_prefix="/jobs/runs")

# What each job is called on its page; a job not listed here shows its name.
JOB_LABELS = {
    "import_file": N_("File import"),
    "check_file": N_("File check"),
    "train_model": N_("Model training"),
    "export_ledger": N_("Ledger export"),
}
# Jobs whose result is a file in the instance's folder of that name, offered for download.
DOWNLOADS = {"export_ledger": "exports"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/<int:run_id>")
@login_required
def show(run_id: int) -> str:
    run = db.scope().get(JobRun, run_id)
    context: dict[str, Any] = {}
    label = JOB_LABELS.get(run.job)
    if run.job == "import_file":
        context = _import_context(run)
        if context["dry_run"]:
            label = JOB_LABELS["check_file"]
            context["import_form"] = ActionForm(formdata=None) if _importable(run, context) else None
    progress = (format_number(run.progress_done or 0), format_number(run.progress_total or 0))
    return render_template("jobs/run.html", run=run, label=label, progress=progress, **context,
                           waiting=run.state in (RunState.queued, RunState.running),
                           download=_download(run) is not None)


@bp.get("/<int:run_id>/download")
@login_required
def download(run_id: int) -> Response:
    """The file a finished export wrote, for who asked for it (and administrators)."""
    run = db.scope().get(JobRun, run_id)
    found = _download(run)
    if found is None:
        raise NotFound("The file is no longer available; export again.")
    path, name = found
    return send_file(path, mimetype=XLSX, as_attachment=True, download_name=name)


def _download(run: JobRun) -> tuple[str, str] | None:
    """The path and download name of the run's file, when it finished and the file is still there."""
    folder = DOWNLOADS.get(run.job)
    result = run.result if isinstance(run.result, dict) else {}
    path = str(result.get("path") or "")
    if folder is None or run.state != RunState.done or not path:
        return None
    if not uploads.inside(folder, path) or not os.path.isfile(path):
        return None
    return path, os.path.basename(str(result.get("filename") or "export.xlsx"))


@bp.post("/<int:run_id>/import")
@login_required
def import_checked(run_id: int) -> Response:
    """Import the file a finished background check found clean: the same kept file, queued once."""
    if not ActionForm().validate_on_submit():
        raise BadRequest()
    run = db.scope().get(JobRun, run_id)
    context = _import_context(run)
    if not context["dry_run"] or run.requested_by != current_user.id:
        raise Forbidden("Only who uploaded the file may import it.")
    if not _importable(run, context):
        flash(gettext("The checked file is no longer available. Please upload it again."), "error")
        return redirect(url_for("job_runs.show", run_id=run.id))
    earlier = _import_of(context["path"])
    if earlier is not None:  # sent twice (Back, a double click): the import already queued
        return redirect(url_for("job_runs.show", run_id=earlier))
    return redirect(url_for("job_runs.show", run_id=queue_kept(str(context["kind"]), context["path"],
                                                               context["filename"], dry_run=False)))


def _importable(run: JobRun, context: dict[str, Any]) -> bool:
    """A clean check whose kept file is still there, for its uploader, who may still import its kind."""
    importer, report, path = context["importer"], context["report"], context["path"]
    return (run.state == RunState.done and importer is not None and bool(report) and report.get("errors") == 0
            and run.requested_by == current_user.id and db.scope().can(importer.capability)
            and uploads.inside("imports", path) and os.path.isfile(path))


def _import_of(path: str) -> int | None:
    """The import (not a check) of the kept file at ``path`` this user already queued, if any."""
    runs = db.session().scalars(select(JobRun).where(JobRun.job == "import_file",
                                                     JobRun.requested_by == current_user.id)
                                .order_by(JobRun.id.desc()).limit(200))
    for run in runs:
        _kind, kept, _actor, _user_id, _filename, dry_run = _import_arguments(run)
        if kept == path and not dry_run:
            return run.id
    return None


def _import_arguments(run: JobRun) -> list[Any]:
    """``import_file``'s arguments (kind, path, actor, user_id, filename, dry_run), None for those not given."""
    return [*(run.arguments or []), None, None, None, None, None, None][:6]


def _import_context(run: JobRun) -> dict[str, Any]:
    # The file's name is the one it was uploaded under, else the kept file's.
    kind, path, _actor, _user_id, filename, dry_run = _import_arguments(run)
    filename = filename or os.path.basename(str(path or ""))
    result = run.result if run.state == RunState.done and isinstance(run.result, dict) else None
    return {"importer": importers(db.plugins()).get(str(kind)), "kind": kind, "filename": filename, "report": result,
            "problems": problems_from_summary(result) if result else [], "path": str(path or ""),
            "dry_run": bool(dry_run)}
