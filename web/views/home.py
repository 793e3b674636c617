"""The home page: what each role can do, and for those who report, what is waiting for them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, render_template, send_from_directory, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from core.access.models import ROLE_LABELS
from core.i18n import N_
from core.ledger.models import TaskState
from core.ledger.queries import LedgerFilter, count_tasks
from web import db
from web.views.ledger import today, warning_days

bp = Blueprint("home", __name__)


@dataclass(frozen=True)
class Waiting:
    """One count of tasks waiting for the unit, and the ledger list that shows them."""

    label: str
    count: int
    url: str
    urgent: bool = False


# What a unit owes, as offices say it, and the ledger filter that lists it.
WAITING: tuple[tuple[str, dict[str, Any], LedgerFilter, bool], ...] = (
    (N_("To sign for"), {"state": TaskState.dispatched.value}, LedgerFilter(state=TaskState.dispatched), False),
    (N_("To report on"), {"state": TaskState.signed.value}, LedgerFilter(state=TaskState.signed), False),
    (N_("Sent back to report again"), {"state": TaskState.returned.value}, LedgerFilter(state=TaskState.returned),
     True),
    (N_("Deadline near"), {"light": "yellow"}, LedgerFilter(light="yellow"), False),
    (N_("Overdue"), {"light": "red"}, LedgerFilter(light="red"), True),
)


def waiting() -> list[Waiting]:
    """The counts a reporting unit's officer sees first (their scope only)."""
    scope = db.scope()
    if not scope.can("tasks.report"):
        return []
    day, warning = today(), warning_days()
    return [Waiting(label, count_tasks(scope, wanted, day, warning), url_for("ledger.tasks", **args), urgent)
            for label, args, wanted, urgent in WAITING]


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The site's icon where browsers look for it first (pages link the SVG, web/static/favicon.svg)."""
    return send_from_directory(str(current_app.static_folder), "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=7 * 24 * 3600)


@bp.get("/")
@login_required
def index() -> str:
    return render_template("home.html", role_labels=ROLE_LABELS, waiting=waiting())
