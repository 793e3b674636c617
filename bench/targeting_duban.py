"""Put a simulated history into a fresh Duban instance the way users do, and read its queue.

The history is written as files in Duban's import formats and goes in through
the ``duban`` command line, in a temporary instance folder with its SQLite
database: ``duban db upgrade``, ``duban import KIND FILE`` per kind, ``duban
tick``, ``duban model train``, ``duban queue --format csv``. Commands run in this
process by default (the same click entry point as the console script, a fresh
application per command) or as real subprocesses with ``subprocess=True``.

Evaluations need a registered institution. When the command line offers
``duban evaluations institution add NAME`` it is used; otherwise the
institution is registered with the plugin's domain function
(``plugins.third_party_eval.registry.register_institution``), as the staff page does.
"""
from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ("units", "matters", "audit", "evaluations", "tips", "signals", "reviews")
INSTITUTION = "Bench Evaluation Centre"


@dataclass
class Command:
    args: list[str]
    code: int
    out: str
    err: str
    seconds: float


@dataclass
class DubanRun:
    """What the command line said and the queue it printed."""

    commands: list[Command] = field(default_factory=list)
    queue: list[dict[str, str]] = field(default_factory=list)
    trained: bool = False
    train_output: str = ""
    institution_by: str = ""
    problems: list[str] = field(default_factory=list)

    def seconds(self) -> float:
        return sum(c.seconds for c in self.commands)


class Instance:
    """A temporary instance folder; commands run against it."""

    def __init__(self, use_subprocess: bool) -> None:
        self.path = tempfile.mkdtemp(prefix="duban-targeting-")
        self.use_subprocess = use_subprocess
        self.env = {"DUBAN_INSTANCE": self.path, "DUBAN_LANG": "en",
                    "DUBAN_DATABASE_URL": "sqlite:///" + os.path.join(self.path, "duban.sqlite"),
                    "DUBAN_BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai"}

    def run(self, *args: str) -> Command:
        started = time.perf_counter()
        if self.use_subprocess:
            env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")} | self.env
            done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "duban"), *args], cwd=self.path,
                                  env=env, capture_output=True, text=True)
            return Command(list(args), done.returncode, done.stdout, done.stderr, time.perf_counter() - started)
        from flask.cli import ScriptInfo

        from web.app import create_app
        from web.cli import cli

        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        out, err = io.StringIO(), io.StringIO()
        code = 0
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                info = ScriptInfo(create_app=lambda: create_app(), set_debug_flag=False, load_dotenv_defaults=False)
                try:
                    cli.main(args=list(args), prog_name="duban", obj=info, standalone_mode=False)
                except SystemExit as stop:
                    code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
                except Exception as error:
                    code = 99
                    err.write(f"{type(error).__name__}: {error}\n")
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        return Command(list(args), code, out.getvalue(), err.getvalue(), time.perf_counter() - started)

    def register_institution(self) -> str:
        """Through the command line when it offers it, else the plugin's domain function; says which."""
        probe = self.run("evaluations", "--help")
        if probe.code == 0 and "institution" in probe.out:
            done = self.run("evaluations", "institution", "add", INSTITUTION)
            if done.code == 0:
                return "duban evaluations institution add"
        from sqlalchemy import select

        from core.org.models import Unit
        from plugins.third_party_eval.registry import register_institution
        from web.app import create_app

        app = create_app({"INSTANCE_PATH": self.path, "DATABASE_URL": self.env["DUBAN_DATABASE_URL"]})
        db = app.extensions["duban.db"]
        with app.app_context(), db.transaction(actor="bench") as session:
            root = session.scalar(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id))
            register_institution(session, name=INSTITUTION, contact="", owner_unit_id=root.id)
        with contextlib.suppress(Exception):
            db.engine.dispose()
        return "plugins.third_party_eval.registry.register_institution (no command for it)"

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def write_csv(path: str, rows: list[dict]) -> None:
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def run_duban(rows: dict[str, list[dict]], budget: int, queue_limit: int, use_subprocess: bool = False,
              keep: bool = False) -> DubanRun:
    """Import ``rows`` (kind -> rows) into a fresh instance, train, and read the first ``queue_limit`` of the queue."""
    instance = Instance(use_subprocess)
    result = DubanRun()
    try:
        step = instance.run("db", "upgrade")
        result.commands.append(step)
        if step.code:
            result.problems.append(f"duban db upgrade exited {step.code}: {(step.err or step.out)[-400:]}")
            return result
        for kind in KINDS:
            if not rows.get(kind):
                continue
            if kind == "evaluations":
                result.institution_by = instance.register_institution()
            path = os.path.join(instance.path, f"{kind}.csv")
            write_csv(path, rows[kind])
            step = instance.run("import", kind, path)
            result.commands.append(step)
            if step.code:
                result.problems.append(f"duban import {kind} exited {step.code}: {(step.err or step.out)[-600:]}")
        step = instance.run("tick")
        result.commands.append(step)
        if step.code:
            result.problems.append(f"duban tick exited {step.code}: {(step.err or step.out)[-400:]}")
        step = instance.run("model", "train", "--budget", str(budget))
        result.commands.append(step)
        result.trained = step.code == 0
        result.train_output = (step.out + step.err).strip()
        step = instance.run("queue", "--format", "csv", "--limit", str(queue_limit))
        result.commands.append(step)
        if step.code:
            result.problems.append(f"duban queue exited {step.code}: {(step.err or step.out)[-400:]}")
        else:
            result.queue = list(csv.DictReader(io.StringIO(step.out)))
        return result
    finally:
        if keep:
            print(f"instance kept at {instance.path}", file=sys.stderr)
        else:
            instance.close()
