"""The page that follows one queued job: a background import (and what it did), for who asked.

A run is shown to the user whose action queued it and to administrators
(:meth:`core.jobs.JobRun.__scope__`); to anyone else it does not exist (404).
"""
from __future__ import annotations

import os
from typing import Any

from flask import Blueprint, render_template
from flask_login import login_required

from core.i18n import N_
from core.importing.report import problems_from_summary
from core.jobs import JobRun, RunState
from core.plugins import importers
from web import db

bp = Blueprint("job_runs", __name__, url_prefix="/jobs/runs")

# What each job is called on its page; a job not listed here shows its name.
JOB_LABELS = {
    "import_file": N_("File import"),
    "train_model": N_("Model training"),
}


@bp.get("/<int:run_id>")
@login_required
def show(run_id: int) -> str:
    run = db.scope().get(JobRun, run_id)
    context: dict[str, Any] = {}
    if run.job == "import_file":
        context = _import_context(run)
    return render_template("jobs/run.html", run=run, label=JOB_LABELS.get(run.job), **context,
                           waiting=run.state in (RunState.queued, RunState.running))


def _import_context(run: JobRun) -> dict[str, Any]:
    # import_file(kind, path, actor, user_id, filename): the name it was uploaded under, else the kept file's.
    arguments = [*(run.arguments or []), None, None, None, None, None][:5]
    kind, path, _actor, _user_id, filename = arguments
    filename = filename or os.path.basename(str(path or ""))
    result = run.result if run.state == RunState.done and isinstance(run.result, dict) else None
    return {"importer": importers(db.plugins()).get(str(kind)), "kind": kind, "filename": filename, "report": result,
            "problems": problems_from_summary(result) if result else []}
