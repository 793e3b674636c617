"""The limiter's default storage: counters in each process's memory, expired as they are read.

``limits``' own ``memory://`` storage starts a timer thread to forget old counters whenever
the previous one has finished, which under steady traffic means a new thread every 10 ms:
a thread start in the middle of most requests. Counters already expire when they are read,
so this storage only sweeps the forgotten ones now and then, on the request that finds the
sweep due. Several servers share counts through ``redis://`` instead.

It replaces a private method of ``MemoryStorage``, so pyproject.toml pins ``limits`` to the
minor release it was tested on; tests/web/test_ratelimit_storage.py fails (a thread is
started) if a new release renames it.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from flask import Flask, current_app, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from werkzeug.exceptions import TooManyRequests

SWEEP_SECONDS = 5.0
# Set on a view that counts its own requests with count_request().
COUNTS_ITSELF = "_duban_counts_itself"
View = TypeVar("View", bound=Callable[..., object])


class SweptMemoryStorage(MemoryStorage):
    """``limits``' memory storage without its timer thread (scheme ``swept-memory://``)."""

    STORAGE_SCHEME = ["swept-memory"]  # noqa: RUF012  (limits reads its storages' schemes from the class)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._next_sweep = time.monotonic() + SWEEP_SECONDS
        self._sweeping = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:
        if time.monotonic() < self._next_sweep or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._next_sweep = time.monotonic() + SWEEP_SECONDS
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]  # limits' private sweep (pinned)
        finally:
            self._sweeping.release()


@lru_cache(maxsize=64)
def _limit(text: str) -> RateLimitItem:
    return parse(text)


def count_request(limit: str, scope: str, key: str | None = None) -> None:
    """Count this request against ``limit`` (e.g. ``"30 per minute"``) within ``scope``; 429 when over.

    One hit in the limiter's storage, per client address unless ``key`` is given. For the
    busiest public endpoints, where Flask-Limiter's decorator would cost more than the
    work it guards, and for limits that must not pile up on the shared limiter.
    """
    from web.extensions import limiter

    if not limiter.enabled:
        return
    if not limiter.limiter.hit(_limit(limit), scope, key if key is not None else get_remote_address()):
        raise TooManyRequests()


def counts_itself(view: View) -> View:
    """Mark a view that calls :func:`count_request` itself, as the first thing it does.

    Flask-Limiter's own check, which runs before every request to find the limits of the
    view, is then skipped for it (:func:`skip_check_for_counted_views`, and for a decorator's
    check, :func:`counted_by_view`): those limits are the view's call.
    """
    setattr(view, COUNTS_ITSELF, True)
    return view


def counted_by_view() -> bool:
    """Flask-Limiter request filter: True for a view marked with :func:`counts_itself`."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, COUNTS_ITSELF, False)


def skip_check_for_counted_views(app: Flask, check: Callable[[], None]) -> None:
    """Run Flask-Limiter's per-request ``check`` (its before-request hook) only for views not marked.

    Its request filter (:func:`counted_by_view`) still leaves it looking up the view's limits
    and meta limits on every request; the busiest public pages need none of that.
    """
    hooks = app.before_request_funcs.setdefault(None, [])

    def check_unless_counted() -> None:
        if not counted_by_view():
            check()

    hooks[:] = [check_unless_counted if hook == check else hook for hook in hooks]
