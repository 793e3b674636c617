"""The upload page behind every importer: check first, then confirm."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from core.hooktypes import Importer
from core.plugins import importers
from web import db
from web.import_flow import UploadForm, check_upload, confirm_upload, error_report_csv

bp = Blueprint("imports", __name__, url_prefix="/imports")


def _importer(kind: str) -> Importer:
    importer = importers(db.plugins()).get(kind)
    if importer is None:
        abort(404)
    if not db.scope().can(importer.capability):
        abort(403)
    return importer


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
        return check_upload(kind, form, "imports/report.html", importer=importer)
    return render_template("imports/upload.html", importer=importer, form=form)


@bp.post("/<kind>/confirm")
@login_required
def confirm(kind: str) -> Response | str:
    _importer(kind)
    importer = _importer(kind)
    return confirm_upload(kind, "imports/report.html", url_for("imports.upload", kind=kind), importer=importer)


@bp.post("/<kind>/errors.csv")
@login_required
def errors_csv(kind: str) -> Response:
    """The error report of an upload as a CSV download (re-checks the posted file)."""
    _importer(kind)
    return error_report_csv(kind, f"{kind}-errors.csv")
