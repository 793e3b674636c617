"""``duban jobs run|failed``: the background job consumer."""
from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core.jobs import JobFailure
from web.background import job_queue


@click.group("jobs", help="Background jobs.")
def jobs_group() -> None:
    pass


@jobs_group.command("run", help="Run a job consumer until interrupted (Ctrl-C stops it gracefully).")
@click.option("--workers", default=2, show_default=True, type=int)
@with_appcontext
def run(workers: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    queue = job_queue()
    click.echo(f"jobs: {type(queue.huey).__name__}, {workers} workers; jobs: {', '.join(sorted(queue.tasks))}")
    queue.consumer(workers=workers).run()


# Jobs queued by a user's action with its arguments (a file, a filter), never by hand.
NEEDS_ARGUMENTS = frozenset({"import_file", "export_ledger"})


@jobs_group.command("enqueue", help="Queue one job now (tick, train_model, poll_feeds, deliver_webhooks, …).")
@click.argument("name")
@with_appcontext
def enqueue(name: str) -> None:
    queue = job_queue()
    if name not in queue.tasks or name in NEEDS_ARGUMENTS:
        raise click.BadParameter(f"choose one of {', '.join(sorted(set(queue.tasks) - NEEDS_ARGUMENTS))}")
    queue.enqueue(name)
    click.echo(f"queued {name}")


@jobs_group.command("failed", help="List jobs that failed after every retry.")
@with_appcontext
def failed() -> None:
    db = current_app.extensions["duban.db"]
    with db.session() as session:
        for failure in session.scalars(select(JobFailure).order_by(JobFailure.id.desc()).limit(100)):
            last = failure.error.strip().splitlines()[-1] if failure.error.strip() else ""
            click.echo(f"{failure.id}\t{failure.failed_at:%Y-%m-%d %H:%M}\t{failure.job}\t{last}")


COMMANDS = [jobs_group]
