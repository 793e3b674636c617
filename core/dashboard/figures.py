"""The leaders' dashboard: figures aggregated in SQL, each with the list behind it.

Every figure names the page that lists what it counts (a Flask endpoint and
its query arguments; core knows no URLs) and is computed with the same
conditions as that list, so clicking a figure shows exactly that many rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.access.scope import Scope
from core.circulars.facts import combine, is_mean, on_time_clause, signals_by_unit
from core.circulars.problems import review_outcome_model
from core.dashboard.lists import TaskListFilter, task_conditions
from core.hooktypes import SignalKind
from core.i18n import N_
from core.ledger.deadlines import DEFAULT_WARNING_DAYS, light_expression
from core.ledger.labels import LIGHT_LABELS, STATE_LABELS
from core.ledger.models import Task, TaskState
from core.org.models import Unit

SIGNAL_WINDOW_DAYS = 90
TREND_MONTHS = 12
# Shown first among the signal figures, as the opinion names them.
FEATURED_SIGNALS = ("survey.satisfaction", "audit.open_findings", "media_tips.cluster_size",
                    "third_party_eval.weighted_score")


@dataclass
class Figure:
    """One number on the dashboard and the list behind it."""

    key: str
    label: str  # a msgid, or a unit's name (``translate`` False)
    value: float | int | None
    endpoint: str
    args: dict[str, Any] = field(default_factory=dict)
    translate: bool = True
    note: str = ""  # how the units' values were combined: "mean" or "sum"
    scale: str = "count"  # what the value measures (a signal kind's scale): "count", "share", "yuan", …


@dataclass
class Dashboard:
    """Everything the dashboard page draws."""

    today: date
    by_state: list[Figure]
    by_light: list[Figure]
    overdue_by_unit: list[Figure]
    overdue_by_region: list[Figure]
    on_time: list[Figure]  # one per month, oldest first: value is the rate (0–1) or None
    on_time_due: list[int]
    reviews: list[Figure]
    signals: list[Figure]


def month_start(day: date, back: int = 0) -> date:
    """The first day of the month ``back`` months before ``day``'s."""
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def month_end(first: date) -> date:
    return month_start(first, -1) - timedelta(days=1)


def build_dashboard(scope: Scope, today: date, kinds: list[SignalKind], *,
                    warning_days: int = DEFAULT_WARNING_DAYS, zone: str | None = None) -> Dashboard:
    """All figures for the user's scope on ``today`` (a fixed number of grouped queries)."""
    return Dashboard(
        today=today,
        by_state=(counts := tasks_by_state_and_light(scope, today, warning_days))[0],
        by_light=counts[1],
        overdue_by_unit=overdue_by_unit(scope, today),
        overdue_by_region=overdue_by_region(scope, today),
        on_time=(trend := on_time_trend(scope, today, zone=zone))[0],
        on_time_due=trend[1],
        reviews=review_outcomes(scope, today),
        signals=signal_figures(scope, today, kinds),
    )


def tasks_by_state_and_light(scope: Scope, today: date, warning_days: int) -> tuple[list[Figure], list[Figure]]:
    """Tasks in each state and under each traffic light, from one grouped query.

    Each state links to the ledger filtered by that state, each light to the
    ledger filtered by that light; the ledger's own light expression decides.
    (Every task has a matter, so the ledger's join to matters changes no count.)
    """
    lit = light_expression(today, warning_days)
    stmt = select(Task.state, lit, func.count(Task.id)).where(scope.clause(Task)).group_by(Task.state, lit)
    states: dict[TaskState, int] = {}
    lights = {"green": 0, "yellow": 0, "red": 0}
    for state, colour, n in scope.session.execute(stmt):
        states[TaskState(state)] = states.get(TaskState(state), 0) + int(n)
        lights[str(colour)] += int(n)
    by_state = [Figure(f"state:{s.value}", STATE_LABELS[s], states.get(s, 0), "ledger.tasks", {"state": s.value})
                for s in TaskState]
    by_light = [Figure(f"light:{name}", LIGHT_LABELS[name], lights[name], "ledger.tasks", {"light": name})
                for name in ("green", "yellow", "red")]
    return by_state, by_light


def overdue_by_unit(scope: Scope, today: date, limit: int = 10) -> list[Figure]:
    """The units with the most overdue tasks of their own (not their subtree's)."""
    f = TaskListFilter(overdue=True)
    stmt = (select(Unit.id, Unit.code, Unit.name, func.count(Task.id)).select_from(Task)
            .join(Unit, Unit.id == Task.unit_id)
            .where(*task_conditions(scope, f, today))
            .group_by(Unit.id, Unit.code, Unit.name).order_by(func.count(Task.id).desc(), Unit.code).limit(limit))
    return [Figure(f"overdue-unit:{code}", name, int(n), "dashboard.tasks", {"overdue": 1, "unit_id": uid},
                   translate=False) for uid, code, name, n in scope.session.execute(stmt)]


def overdue_by_region(scope: Scope, today: date, limit: int = 20) -> list[Figure]:
    """Overdue tasks by prefecture-level region (the first four digits of the GB/T 2260 code)."""
    prefix = func.substr(Unit.region_code, 1, 4)
    stmt = (select(prefix, func.count(Task.id)).select_from(Task)
            .join(Unit, Unit.id == Task.unit_id)
            .where(*task_conditions(scope, TaskListFilter(overdue=True), today))
            .group_by(prefix).order_by(func.count(Task.id).desc(), prefix).limit(limit))
    rows = [(str(p), int(n)) for p, n in scope.session.execute(stmt)]
    names = region_names(scope.session, [p for p, _n in rows])
    return [Figure(f"overdue-region:{p}", names.get(p, p + "00"), n, "dashboard.tasks",
                   {"overdue": 1, "region": p}, translate=False) for p, n in rows]


def region_names(session: Session, prefixes: list[str]) -> dict[str, str]:
    """A name for each 4-digit region prefix: the unit whose region code is ``prefix + "00"``."""
    if not prefixes:
        return {}
    rows = session.execute(select(Unit.region_code, Unit.name)
                           .where(Unit.region_code.in_([p + "00" for p in prefixes]))
                           .order_by(Unit.path))
    names: dict[str, str] = {}
    for code, name in rows:
        names.setdefault(code[:4], name)
    return names


def on_time_trend(scope: Scope, today: date, months: int = TREND_MONTHS,
                  zone: str | None = None) -> tuple[list[Figure], list[int]]:
    """Per month: the share of tasks due that were completed on time.

    Grouped by deadline day in SQL (a few hundred rows) and summed into months
    here, which spares the database a date function on every task.
    """
    first = month_start(today, months - 1)
    session = scope.session
    in_range = (scope.clause(Task), Task.deadline >= first, Task.deadline <= today)
    # Two passes: all tasks due (the deadline index alone answers it), then only the
    # completed ones, whose report times must be read.
    due_rows = session.execute(select(Task.deadline, func.count(Task.id)).where(*in_range).group_by(Task.deadline))
    done_rows = session.execute(select(Task.deadline, func.count(Task.id))
                                .where(*in_range, on_time_clause(session, zone)).group_by(Task.deadline))
    found: dict[str, list[int]] = {}
    for column, rows in ((0, due_rows), (1, done_rows)):
        for deadline, n in rows:
            day = deadline if isinstance(deadline, date) else date.fromisoformat(str(deadline))
            found.setdefault(day.strftime("%Y-%m"), [0, 0])[column] += int(n)
    figures, dues = [], []
    for back in range(months - 1, -1, -1):
        start = month_start(today, back)
        end = min(month_end(start), today)
        due, done = found.get(start.strftime("%Y-%m"), (0, 0))
        figures.append(Figure(f"on-time:{start:%Y-%m}", start.strftime("%Y-%m"), done / due if due else None,
                              "dashboard.tasks", {"due_from": start.isoformat(), "due_to": end.isoformat()},
                              translate=False))
        dues.append(due)
    return figures, dues


def review_outcomes(scope: Scope, today: date, days: int = 365) -> list[Figure]:
    """On-site reviews of the past year: problems confirmed and not (when reviews are recorded)."""
    model = review_outcome_model()
    if model is None:
        return []
    since = today - timedelta(days=days)
    stmt = (select(model.problem_found, func.count(model.id))
            .where(model.visited_on >= since, model.visited_on <= today, scope.clause(model))
            .group_by(model.problem_found))
    counts = {bool(found): int(n) for found, n in scope.session.execute(stmt)}
    return [Figure("reviews:found", N_("Problems confirmed on site"), counts.get(True, 0), "dashboard.reviews",
                   {"found": 1, "since": since.isoformat()}),
            Figure("reviews:clear", N_("Reviews that found no problem"), counts.get(False, 0), "dashboard.reviews",
                   {"found": 0, "since": since.isoformat()})]


def signal_figures(scope: Scope, today: date, kinds: list[SignalKind],
                   days: int = SIGNAL_WINDOW_DAYS) -> list[Figure]:
    """One figure per signal kind with data in the window: the units' mean or sum."""
    since = today - timedelta(days=days)
    order = {name: i for i, name in enumerate(FEATURED_SIGNALS)}
    ranked = sorted(kinds, key=lambda k: (order.get(f"{k.source}.{k.name}", len(order)), k.source, k.name))
    figures = []
    by_kind = signals_by_unit(scope, ranked, since, today)
    for kind in ranked:
        values = by_kind.get((kind.source, kind.name))
        if not values:
            continue
        figure = combine(kind, values.values())
        figures.append(Figure(f"signal:{kind.source}.{kind.name}", kind.label, figure, "dashboard.signals",
                              {"source": kind.source, "kind": kind.name, "since": since.isoformat(),
                               "until": today.isoformat()},
                              note="mean" if is_mean(kind) else "sum", scale=kind.scale))
    return figures
