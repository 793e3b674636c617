"""``duban jobs run|failed``: the background job consumer."""
from __future__ import annotations

import logging
import os
import signal
import threading
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core.i18n import N_, Message
from core.jobs import JobFailure
from web.background import job_queue
from web.commands.output import say


@click.group("jobs", help=N_("Background jobs."))
def jobs_group() -> None:
    pass


@jobs_group.command("run", help=N_("Run a job consumer until interrupted (Ctrl-C stops it gracefully)."))
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--parent", type=int, hidden=True,
              help=N_("Stop gracefully when the process with this id (the server that started this one) is gone."))
@with_appcontext
def run(workers: int, parent: int | None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    queue = job_queue()
    if parent is not None:
        _stop_when_orphaned(parent)
    click.echo(f"jobs: {type(queue.huey).__name__}, {workers} workers; jobs: {', '.join(sorted(queue.tasks))}")
    queue.consumer(workers=workers).run()


def _stop_when_orphaned(parent: int, every: float = 1.0) -> None:
    """Interrupt this consumer (huey's graceful stop) once ``parent`` is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


# Jobs queued by a user's action with its arguments (a file, a filter), never by hand.
NEEDS_ARGUMENTS = frozenset({"import_file", "export_ledger"})


@jobs_group.command("enqueue", help=N_("Queue one job now (tick, train_model, poll_feeds, deliver_webhooks, …)."))
@click.argument("name")
@with_appcontext
def enqueue(name: str) -> None:
    queue = job_queue()
    if name not in queue.tasks or name in NEEDS_ARGUMENTS:
        raise click.BadParameter(say(Message(N_("Choose one of: %(names)s"),
                                             {"names": ", ".join(sorted(set(queue.tasks) - NEEDS_ARGUMENTS))})))
    queue.enqueue(name)
    click.echo(say(Message(N_("Job %(name)s queued."), {"name": name})))


@jobs_group.command("failed", help=N_("List jobs that failed after every retry."))
@with_appcontext
def failed() -> None:
    db = current_app.extensions["duban.db"]
    with db.session() as session:
        for failure in session.scalars(select(JobFailure).order_by(JobFailure.id.desc()).limit(100)):
            last = failure.error.strip().splitlines()[-1] if failure.error.strip() else ""
            click.echo(f"{failure.id}\t{failure.failed_at:%Y-%m-%d %H:%M}\t{failure.job}\t{last}")


COMMANDS = [jobs_group]
