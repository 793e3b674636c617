"""Uploads held between a validation preview and the user's confirmation, and the files of
background jobs: imports waiting to run, exports waiting to be downloaded."""
from __future__ import annotations

import os
import re
import secrets
import time

from flask import current_app

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
EXTENSION = re.compile(r"^\.[a-z0-9]{1,8}$")
MAX_AGE = 3600
# A background import's file stays this long, so a failed import can be queued again with it.
KEEP_AGE = 30 * 24 * 3600
# A background export waits this long to be downloaded (finished runs are forgotten after a week too).
EXPORT_AGE = 7 * 24 * 3600


def _folder(kind: str = "staged") -> str:
    path = os.path.join(current_app.instance_path, kind)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def stage(data: bytes, owner: int) -> str:
    """Keep ``data`` for ``owner``; returns the token that fetches it back."""
    _prune()
    token = secrets.token_urlsafe(24)
    with open(os.path.join(_folder(), f"{owner}-{token}"), "wb") as handle:
        handle.write(data)
    return token


def take(token: str, owner: int) -> bytes | None:
    """The staged bytes for ``token`` if ``owner`` staged them; removed once taken."""
    if not TOKEN.match(token or ""):
        return None
    path = os.path.join(_folder(), f"{owner}-{token}")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    os.remove(path)
    return data


def keep(data: bytes, owner: int, filename: str) -> str:
    """Keep ``data`` for a background import by ``owner``; returns its path in the instance folder.

    Every job consumer reads the same instance folder. The name is ours (only the
    upload's extension is kept); files older than :data:`KEEP_AGE` are removed.
    """
    path = job_file("imports", owner, os.path.splitext(filename)[1].lower(), KEEP_AGE)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


def job_file(kind: str, owner: int, extension: str, age: float = EXPORT_AGE) -> str:
    """A fresh path under the instance's ``kind`` folder for a job's file; older files are removed."""
    _prune(kind, age)
    name = f"{owner}-{secrets.token_urlsafe(24)}{extension if EXTENSION.match(extension) else ''}"
    return os.path.join(_folder(kind), name)


def inside(kind: str, path: str) -> bool:
    """True when ``path`` is a file in the instance's ``kind`` folder (a job's result is checked so)."""
    folder = os.path.realpath(_folder(kind))
    return os.path.dirname(os.path.realpath(path)) == folder


def _prune(kind: str = "staged", age: float = MAX_AGE) -> None:
    cutoff = time.time() - age
    folder = _folder(kind)
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.getmtime(path) < cutoff:
            os.remove(path)
