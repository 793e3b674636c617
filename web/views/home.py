"""The home page: what each role can do."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from core.access.models import ROLE_LABELS

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index() -> str:
    return render_template("home.html", role_labels=ROLE_LABELS)
