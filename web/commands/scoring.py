"""``duban model train`` and ``duban queue``."""
from __future__ import annotations

import csv
import io
import json
import sys
import time
from datetime import date
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from core import clock
from core.access.models import Role, User
from core.access.scope import Scope
from core.i18n import N_, Gettext, Message
from core.importing import safe_cell
from core.scoring.explain import render_reasons
from core.scoring.freshness import refresh
from core.scoring.model import NotEnoughOutcomes
from core.scoring.queue import QUEUE_COLUMNS, QueueEntry, queue_entries
from core.scoring.training import retrain
from web.commands.output import cli_gettext, fail, say

model_group = AppGroup("model", help=N_("The scoring model."))


def _today() -> date:
    return clock.today()


@model_group.command("train", help=N_("Train on recorded review outcomes; print the cross-validated metrics."))
@click.option("--budget", default=20, show_default=True, help=N_("Visits per round, for precision and recall."))
@with_appcontext
def train_command(budget: int) -> None:
    db = current_app.extensions["duban.db"]
    pm = current_app.extensions["duban.plugins"]
    click.echo(say(N_("Bringing the scores up to date…")), err=True)
    with db.transaction(actor="cli") as session:
        refresh(session, pm, _today())  # a short write of its own; training below writes only at its end
    click.echo(say(N_("Training the candidate models on the recorded outcomes (this takes a while)…")), err=True)
    started = time.monotonic()
    with db.transaction(actor="cli") as session:
        try:
            row = retrain(session, pm, _today(), trained_by="cli", budget=budget)
        except NotEnoughOutcomes as error:
            session.rollback()
            fail(error.message)
        metrics = row.metrics
    for line in training_report(row.outcomes, row.problems, metrics, budget, time.monotonic() - started):
        click.echo(say(line))


def training_report(outcomes: int, problems: int, metrics: dict[str, Any], budget: int,
                    seconds: float) -> list[Message]:
    """What ``duban model train`` prints: the data, the chosen model, its cross-validated figures."""

    def figure(value: float | None) -> str:
        return "—" if value is None else f"{value:.3f}"

    lines = [Message(N_("Trained in %(seconds)s s on %(outcomes)s outcomes (%(problems)s with a problem)."),
                     {"seconds": f"{seconds:.1f}", "outcomes": outcomes, "problems": problems}),
             Message(N_("Folds tested on later reviews: %(folds)s (%(validated)s outcomes)."),
                     {"folds": metrics.get("folds"), "validated": metrics.get("validated", 0)}),
             Message(N_("Model in use: %(model)s."), {"model": metrics.get("model", "logistic")})]
    if metrics.get("guardrail"):
        lines.append(Message(N_("A simple ranking beat the fitted models; the queue uses it.")))
    lines.append(Message(N_("Best fitted model: %(fitted)s; best simple ranking: %(simple)s."),
                         {"fitted": metrics.get("best_fitted", "—"), "simple": metrics.get("best_simple", "—")}))
    for name, figures in (metrics.get("candidates") or {}).items():
        lines.append(Message(N_("Candidate %(name)s: AUC %(auc)s, precision at the budget %(precision)s."),
                             {"name": name, "auc": figure(figures.get("auc")),
                              "precision": figure(figures.get("precision"))}))
    if metrics.get("weighted"):
        lines.append(Message(N_("Training rows were weighted by the inverse of their chance of being chosen "
                                "(capped).")))
    lines += [Message(N_("Cross-validated AUC: %(auc)s."), {"auc": figure(metrics.get("auc"))}),
              Message(N_("Precision at %(budget)s visits: %(value)s."),
                      {"budget": budget, "value": figure(metrics.get("precision_at_budget"))}),
              Message(N_("Recall at %(budget)s visits: %(value)s."),
                      {"budget": budget, "value": figure(metrics.get("recall_at_budget"))})]
    for bin_ in metrics.get("calibration", []):
        lines.append(Message(N_("Calibration: predicted %(predicted)s, observed %(observed)s (%(count)s outcomes)."),
                             {"predicted": f"{bin_['predicted']:.3f}", "observed": f"{bin_['observed']:.3f}",
                              "count": bin_["count"]}))
    return lines


def _row(entry: QueueEntry, gettext: Gettext) -> dict[str, object]:
    return {"rank": entry.rank, "task_id": entry.task.id, "matter_code": entry.matter.code,
            "unit_code": entry.unit.code, "priority": round(entry.score.priority, 4),
            "p_problem": round(entry.score.p_problem, 4), "mode": entry.mode,
            "reasons": "; ".join(render_reasons(entry.score.reasons, gettext)),
            "impact": round(entry.score.impact, 4), "scoring": entry.score.mode, "unit_name": entry.unit.name}


@click.command("queue", help=N_("Print the review queue, best first."))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--as", "username", help=N_("Show the queue as this user sees it (default: the whole instance)."))
@with_appcontext
def queue_command(limit: int, fmt: str, username: str | None) -> None:
    db = current_app.extensions["duban.db"]
    pm = current_app.extensions["duban.plugins"]
    gettext = cli_gettext()
    with db.transaction(actor="cli") as session:
        refresh(session, pm, _today())
    with db.transaction(actor="cli") as session:
        if username:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                fail(f"no user {username!r}")
        else:
            # The command line acts for the instance as a whole, like an administrator.
            user = User(username="cli", role=Role.admin, active=True, password_hash="")
        entries, _total = queue_entries(Scope(session, user), limit=limit)
        rows = [_row(entry, gettext) for entry in entries]
    columns = list(QUEUE_COLUMNS) + ["impact", "scoring", "unit_name"]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([safe_cell(row[c]) for c in columns])
        sys.stdout.write(buffer.getvalue())
    else:
        click.echo("\t".join(QUEUE_COLUMNS))
        for row in rows:
            click.echo("\t".join(str(row[c]) for c in QUEUE_COLUMNS))
    if not rows and fmt == "table":
        click.echo(say("No tasks to review."), err=True)


COMMANDS = [model_group, queue_command]
