"""Backing up and restoring the database: SQLite's online backup, or pg_dump for PostgreSQL.

A SQLite backup is a consistent copy taken while the instance keeps serving; a
PostgreSQL backup is a ``pg_dump`` custom-format archive, restored with
``pg_restore --clean``. Either way the file holds the whole database: every core
and plugin table and the migration history.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess

from sqlalchemy.engine import make_url

from core.db import normalise_url
from core.errors import ValidationError


def _sqlite_path(url: str) -> str | None:
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise ValidationError("An in-memory database cannot be backed up.")
    return parsed.database


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and an environment carrying it (not visible in ps)."""
    parsed = make_url(normalise_url(url))
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name) or f"/usr/bin/{name}"
    if not os.path.exists(path):
        raise ValidationError("%(tool)s is not installed.", tool=name)
    return path


def backup(url: str, target: str) -> None:
    """Write a backup of the database at ``url`` to the file ``target``."""
    source = _sqlite_path(url)
    if source is not None:
        tmp = target + ".partial"
        with sqlite3.connect(source) as src, sqlite3.connect(tmp) as dst:
            src.backup(dst)
        os.replace(tmp, target)
        return
    dsn, env = _libpq(url)
    subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", target, "--dbname", dsn],
                   check=True, env=env, capture_output=True)


def restore(url: str, source: str) -> None:
    """Replace the database at ``url`` with the backup in ``source``.

    Stop the application servers and job consumers first: their connections would
    see the database change under them.
    """
    if not os.path.exists(source):
        raise ValidationError("The backup file %(path)s does not exist.", path=source)
    target = _sqlite_path(url)
    if target is not None:
        with open(source, "rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise ValidationError("%(path)s is not a SQLite backup.", path=source)
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return
    with open(source, "rb") as handle:
        if handle.read(5) != b"PGDMP":
            raise ValidationError("%(path)s is not a pg_dump archive.", path=source)
    dsn, env = _libpq(url)
    subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                    "--dbname", dsn, source], check=True, env=env, capture_output=True)
