"""The leaders' dashboard and the lists behind its figures."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import format_decimal, format_number, format_percent, get_locale, gettext
from sqlalchemy import select

from core import clock
from core.circulars.facts import is_mean
from core.circulars.problems import review_outcome_model
from core.dashboard.figures import Dashboard, Figure, build_dashboard
from core.dashboard.lists import TaskListFilter, signal_list, task_page
from core.ledger.deadlines import days_overdue, light
from core.ledger.labels import LIGHT_LABELS, STATE_LABELS
from core.org.models import Unit
from core.plugins import signal_kinds
from web import db
from web.actions import int_arg
from web.auth import capability_required

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def today() -> date:
    return clock.today()


def _warning_days() -> int:
    return int(current_app.config.get("DEADLINE_WARNING_DAYS", 3))


def figure_url(figure: Figure) -> str:
    """Where a figure clicks through to."""
    return url_for(figure.endpoint, **figure.args)


def figure_label(figure: Figure) -> str:
    return gettext(figure.label) if figure.translate else figure.label


def figure_value(figure: Figure, percent: bool = False) -> str:
    """A figure as the reader's language writes numbers: counts whole with thousands separated, shares as
    percentages, money with two decimals, scores with one."""
    value = figure.value
    if value is None:
        return "—"
    if percent or figure.scale == "share":
        return format_percent(value, "#,##0.0%")
    if figure.scale == "percent":
        return format_percent(value / 100, "#,##0.0%")
    if figure.scale == "yuan":
        return format_decimal(value, "#,##0.00")
    if figure.scale in ("0-100", "score", "points") or figure.note == "mean":
        return format_decimal(value, "#,##0.0")
    return format_number(round(value))


def chart_data(board: Dashboard) -> dict[str, Any]:
    """What the charts draw: labels, values and the link of every bar or slice."""
    def series(figures: list[Figure]) -> dict[str, list[Any]]:
        return {"labels": [figure_label(f) for f in figures], "values": [f.value for f in figures],
                "links": [figure_url(f) for f in figures]}

    trend = series(board.on_time)
    trend["values"] = [None if v is None else round(v * 100, 1) for v in trend["values"]]
    trend["due"] = board.on_time_due
    return {"state": series(board.by_state), "light": series(board.by_light),
            "overdue_unit": series(board.overdue_by_unit), "overdue_region": series(board.overdue_by_region),
            "on_time": trend, "names": {"on_time": gettext("On-time completion (%)"),
                                        "due": gettext("Tasks due")},
            "locale": str(get_locale() or "zh_CN").replace("_", "-")}


@bp.get("/")
@capability_required("dashboard.view")
def index() -> str:
    board = build_dashboard(db.scope(), today(), signal_kinds(db.plugins()), warning_days=_warning_days())
    return render_template("dashboard/index.html", board=board, charts=chart_data(board), url=figure_url,
                           label=figure_label, value=figure_value)


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/tasks")
@capability_required("dashboard.view")
def tasks() -> str:
    """Tasks behind a figure: overdue of one unit or region, or due in a period (on time or not)."""
    scope = db.scope()
    unit_id = int_arg("unit_id")
    if unit_id is not None:
        scope.get(Unit, unit_id)  # another unit's id is "not found"
    on_time = request.args.get("on_time")
    f = TaskListFilter(overdue=request.args.get("overdue") == "1", unit_id=unit_id,
                       region=request.args.get("region", "")[:6] if request.args.get("region", "").isdigit() else "",
                       due_from=_date_arg("due_from"), due_to=_date_arg("due_to"),
                       on_time=None if on_time not in ("0", "1") else on_time == "1")
    now = today()
    page = task_page(scope, f, now, int_arg("page") or 1)
    args = {k: v for k, v in request.args.items() if k != "page"}
    on_time_count = None
    if f.due_from is not None and f.on_time is None:
        on_time_count = task_page(scope, TaskListFilter(**{**f.__dict__, "on_time": True}), now, 1, 1).total
    return render_template("dashboard/tasks.html", page=page, args=args, filter=f, on_time_count=on_time_count,
                           today=now, warning_days=_warning_days(), light=light, days_overdue=days_overdue,
                           state_labels=STATE_LABELS, light_labels=LIGHT_LABELS)


@bp.get("/signals")
@capability_required("dashboard.view")
def signals() -> str:
    """The per-unit figures behind a signal figure."""
    source, name = request.args.get("source", ""), request.args.get("kind", "")
    kind = next((k for k in signal_kinds(db.plugins()) if k.source == source and k.name == name), None)
    if kind is None:
        abort(404)
    until = _date_arg("until") or today()
    since = _date_arg("since") or until
    rows, combined = signal_list(db.scope(), kind, since, until)
    return render_template("dashboard/signals.html", kind=kind, rows=rows, combined=combined, since=since,
                           until=until, mean=is_mean(kind))


@bp.get("/reviews")
@capability_required("dashboard.view")
def reviews() -> str:
    """On-site reviews behind the review figures."""
    model = review_outcome_model()
    if model is None:
        abort(404)
    scope = db.scope()
    since = _date_arg("since") or date(today().year, 1, 1)
    found = request.args.get("found") == "1"
    rows = list(db.session().execute(
        select(model, Unit.name).join(Unit, Unit.id == model.unit_id)
        .where(model.problem_found.is_(found), model.visited_on >= since, model.visited_on <= today(),
               scope.clause(model)).order_by(model.visited_on.desc()).limit(5000)))
    return render_template("dashboard/reviews.html", rows=rows, found=found, since=since)
