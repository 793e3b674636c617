"""Uploads held between a validation preview and the user's confirmation."""
from __future__ import annotations

import os
import re
import secrets
import time

from flask import current_app

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_AGE = 3600


def _folder() -> str:
    path = os.path.join(current_app.instance_path, "staged")
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


def _prune() -> None:
    cutoff = time.time() - MAX_AGE
    folder = _folder()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.getmtime(path) < cutoff:
            os.remove(path)
