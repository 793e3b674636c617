"""``duban model train`` and ``duban queue``."""
from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from core import clock
from core.access.models import Role, User
from core.access.scope import Scope
from core.i18n import N_, Gettext
from core.importing import safe_cell
from core.scoring.explain import render_reasons
from core.scoring.freshness import refresh
from core.scoring.model import NotEnoughOutcomes
from core.scoring.queue import QUEUE_COLUMNS, QueueEntry, queue_entries
from core.scoring.training import retrain
from web.commands.output import cli_gettext, fail, say

model_group = AppGroup("model", help="The scoring model.")


def _today() -> date:
    return clock.today()


@model_group.command("train", help=N_("Train on recorded review outcomes; print the cross-validated metrics."))
@click.option("--budget", default=20, show_default=True, help=N_("Visits per round, for precision and recall."))
@with_appcontext
def train_command(budget: int) -> None:
    db = current_app.extensions["duban.db"]
    pm = current_app.extensions["duban.plugins"]
    with db.transaction(actor="cli") as session:
        refresh(session, pm, _today())  # a short write of its own; training below writes only at its end
    with db.transaction(actor="cli") as session:
        try:
            row = retrain(session, pm, _today(), trained_by="cli", budget=budget)
        except NotEnoughOutcomes as error:
            session.rollback()
            fail(error.message)
        metrics = row.metrics

    def figure(value: float | None, pattern: str = "{:.3f}") -> str:
        return "—" if value is None else pattern.format(value)

    click.echo(f"outcomes: {row.outcomes} ({row.problems} with a problem)")
    click.echo(f"folds tested on later reviews: {metrics.get('folds')} ({metrics.get('validated', 0)} outcomes)")
    click.echo(f"model: {metrics.get('model', 'logistic')}"
               f"{' (a simple ranking beat the fitted models; the queue uses it)' if metrics.get('guardrail') else ''}")
    click.echo(f"best fitted model: {metrics.get('best_fitted', '—')}; best simple ranking: "
               f"{metrics.get('best_simple', '—')}")
    for name, figures in (metrics.get("candidates") or {}).items():
        click.echo(f"candidate {name}: AUC {figure(figures.get('auc'))}, "
                   f"precision at budget {figure(figures.get('precision'))}")
    if metrics.get("weighted"):
        click.echo("training rows weighted by the inverse of their chance of being chosen (capped)")
    click.echo(f"cross-validated AUC: {figure(metrics.get('auc'))}")
    click.echo(f"precision at budget {budget}: {figure(metrics.get('precision_at_budget'))}")
    click.echo(f"recall at budget {budget}: {figure(metrics.get('recall_at_budget'))}")
    for bin_ in metrics.get("calibration", []):
        click.echo(f"calibration: predicted {bin_['predicted']:.3f} observed {bin_['observed']:.3f} "
                   f"({bin_['count']} outcomes)")


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
