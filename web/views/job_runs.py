"""The page that follows one queued job, for who asked: a background import and what it did,
a background export and its download.

A run is shown to the user whose action queued it and to administrators
(:meth:`core.jobs.JobRun.__scope__`); to anyone else it does not exist (404).
"""
from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, render_template, send_file
from flask_login import login_required
from werkzeug.wrappers import Response

from core.errors import NotFound
from core.i18n import N_
from core.importing.report import problems_from_summary
from core.jobs import JobRun, RunState
from core.plugins import importers
from web import db, uploads

bp = Blueprint("job_runs", __name__, url_prefix="/jobs/runs")

# What each job is called on its page; a job not listed here shows its name.
JOB_LABELS = {
    "import_file": N_("File import"),
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
    if run.job == "import_file":
        context = _import_context(run)
    return render_template("jobs/run.html", run=run, label=JOB_LABELS.get(run.job), **context,
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


def _import_context(run: JobRun) -> dict[str, Any]:
    # import_file(kind, path, actor, user_id, filename): the name it was uploaded under, else the kept file's.
    arguments = [*(run.arguments or []), None, None, None, None, None][:5]
    kind, path, _actor, _user_id, filename = arguments
    filename = filename or os.path.basename(str(path or ""))
    result = run.result if run.state == RunState.done and isinstance(run.result, dict) else None
    return {"importer": importers(db.plugins()).get(str(kind)), "kind": kind, "filename": filename, "report": result,
            "problems": problems_from_summary(result) if result else []}
