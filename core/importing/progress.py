"""How far a long import has got, for whoever runs it (the command line draws a bar).

Whoever runs an import installs a callback with :func:`reporting`; :func:`map_rows`
reports through it the rows it has checked, so every importer that reads its rows that
way, a plugin's included, shows progress without code of its own. An importer that
works batch by batch reports the whole file itself and silences the per-batch reports
with ``reporting(None)``.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Progress = Callable[[int, int], None]  # (rows done, rows in all)

_current: ContextVar[Progress | None] = ContextVar("duban_import_progress", default=None)


@contextmanager
def reporting(progress: Progress | None) -> Iterator[None]:
    """Send the progress of imports run inside the block to ``progress`` (``None``: to nobody)."""
    token = _current.set(progress)
    try:
        yield
    finally:
        _current.reset(token)


def current_progress() -> Progress | None:
    """The callback installed by :func:`reporting`, if any."""
    return _current.get()
