"""The limiter's default storage counts like limits' memory storage, without a thread per window."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

import web.ratelimit
from web.ratelimit import (
    SWEEP_SECONDS,
    SweptMemoryStorage,
    counted_by_view,
    counts_itself,
    skip_check_for_counted_views,
)


def test_the_application_counts_in_swept_memory_by_default(app) -> None:
    from web.extensions import limiter

    assert app.config["RATELIMIT_STORAGE_URI"] == "swept-memory://"
    assert isinstance(limiter.limiter.storage, SweptMemoryStorage)


def test_limits_are_kept_and_a_new_window_starts_afresh() -> None:
    storage = storage_from_string("swept-memory://")
    for strategy in (FixedWindowRateLimiter(storage), MovingWindowRateLimiter(storage)):
        limit = parse("3 per second")
        key = type(strategy).__name__
        assert [strategy.hit(limit, key) for _ in range(4)] == [True, True, True, False]
        time.sleep(1.05)
        assert strategy.hit(limit, key)


def test_no_thread_is_started_while_counting(monkeypatch) -> None:
    storage = storage_from_string("swept-memory://")
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self))
    strategy = FixedWindowRateLimiter(storage)
    for number in range(2000):
        strategy.hit(parse("10 per second"), f"k{number % 50}")
    assert started == []


def test_forgotten_counters_are_swept_on_a_later_hit(monkeypatch) -> None:
    storage = storage_from_string("swept-memory://")
    assert isinstance(storage, web.ratelimit.SweptMemoryStorage)
    strategy = FixedWindowRateLimiter(storage)
    for number in range(100):
        strategy.hit(parse("5 per second"), f"old{number}")
    assert len(storage.storage) == 100
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 5)
    monkeypatch.setattr(web.ratelimit, "SWEEP_SECONDS", 0.0)
    storage._next_sweep = 0.0
    strategy.hit(parse("5 per second"), "new")
    assert len(storage.storage) == 1 and "new" in next(iter(storage.storage))


def test_count_request_refuses_past_the_limit_per_scope_and_key(app) -> None:
    import pytest
    from werkzeug.exceptions import TooManyRequests

    from web.ratelimit import count_request

    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.0.0.1"}):
        count_request("2 per minute", "one")
        count_request("2 per minute", "one")
        with pytest.raises(TooManyRequests):
            count_request("2 per minute", "one")
        count_request("2 per minute", "two")  # another scope counts apart
        count_request("2 per minute", "one", key="someone-else")  # and another key
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.0.0.2"}):
        count_request("2 per minute", "one")  # another address


def test_a_view_that_counts_itself_is_not_checked_again_by_the_limiter(app) -> None:
    """Flask-Limiter's per-request check skips views marked counts_itself; count_request still limits them."""
    from web.extensions import limiter
    from web.ratelimit import count_request, counts_itself

    @app.post("/_test/limited-by-decorator")
    @limiter.limit("1 per minute")
    def by_decorator() -> str:
        return "ok"

    @app.post("/_test/counts-itself")
    @counts_itself
    @limiter.limit("1 per minute")  # skipped: the view's own count is the one that applies
    def by_itself() -> str:
        count_request("2 per minute", "test-counts-itself")
        return "ok"

    client = app.test_client()
    assert [client.post("/_test/limited-by-decorator").status_code for _ in range(2)] == [200, 429]
    assert [client.post("/_test/counts-itself").status_code for _ in range(3)] == [200, 200, 429]


def test_the_limiters_per_request_check_does_not_run_for_a_view_that_counts_itself(app, monkeypatch) -> None:
    from web.extensions import limiter
    from web.ratelimit import counts_itself

    looked_up: list[str] = []
    scope = limiter.limit_manager.exemption_scope

    def recorded(*args: Any, **kwargs: Any) -> Any:
        looked_up.append(args[1])
        return scope(*args, **kwargs)

    monkeypatch.setattr(limiter.limit_manager, "exemption_scope", recorded)

    @app.get("/_test/plain")
    def plain() -> str:
        return "ok"

    @app.get("/_test/counted")
    @counts_itself
    def counted() -> str:
        return "ok"

    client = app.test_client()
    assert client.get("/_test/counted").status_code == 200
    assert looked_up == []
    assert client.get("/_test/plain").status_code == 200
    assert "plain" in looked_up


class _Clock:
    """A stand-in for the ``time`` module as web.ratelimit reads it: a monotonic clock set by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def monotonic(self) -> float:
        return self.now


def _storage_and_sweeps(monkeypatch) -> tuple[SweptMemoryStorage, _Clock, list[float]]:
    clock = _Clock(1000.0)
    monkeypatch.setattr(web.ratelimit, "time", clock)
    storage = SweptMemoryStorage()
    sweeps: list[float] = []
    monkeypatch.setattr(storage, "_MemoryStorage__expire_events", lambda: sweeps.append(clock.now))
    return storage, clock, sweeps


def test_counters_are_swept_once_per_interval_and_not_on_every_request(monkeypatch) -> None:
    storage, clock, sweeps = _storage_and_sweeps(monkeypatch)
    storage.incr("a", 60)
    clock.now = 1000.0 + SWEEP_SECONDS - 0.001
    storage.incr("a", 60)
    assert sweeps == []  # not before the first interval has passed
    clock.now = 1000.0 + SWEEP_SECONDS
    storage.incr("a", 60)
    assert sweeps == [1005.0]  # due exactly then
    storage.incr("a", 60)
    clock.now = 1005.0 + SWEEP_SECONDS - 0.001
    storage.incr("a", 60)
    assert sweeps == [1005.0]  # the next one an interval later
    clock.now = 1005.0 + SWEEP_SECONDS
    storage.acquire_entry("b", 5, 60)
    assert sweeps == [1005.0, 1010.0]
    assert storage.get("a") == 5


def test_a_request_does_not_wait_for_a_sweep_under_way(monkeypatch) -> None:
    storage, clock, sweeps = _storage_and_sweeps(monkeypatch)
    clock.now += SWEEP_SECONDS
    storage._sweeping.acquire()  # another request is sweeping
    try:
        counting = threading.Thread(target=storage.incr, args=("a", 60))
        counting.start()
        counting.join(timeout=2)
        assert not counting.is_alive()
    finally:
        storage._sweeping.release()
    counting.join()
    assert sweeps == []
    storage.incr("a", 60)  # the sweep is still due: this request does it
    assert sweeps == [clock.now]
    assert storage.get("a") == 2


def test_storage_errors_are_wrapped_only_when_asked() -> None:
    assert SweptMemoryStorage().wrap_exceptions is False
    assert storage_from_string("swept-memory://").wrap_exceptions is False
    assert storage_from_string("swept-memory://", wrap_exceptions=True).wrap_exceptions is True


def _app_with_hooks(calls: list[str]) -> tuple[Flask, Callable[[], None], Callable[[], None]]:
    app = Flask(__name__)

    def check() -> None:
        calls.append("check")

    def other() -> None:
        calls.append("other")

    def plain() -> str:
        return "ok"

    def counted() -> str:
        return "ok"

    app.before_request(check)
    app.before_request(other)
    app.add_url_rule("/plain", "plain", plain)
    app.add_url_rule("/counted", "counted", counts_itself(counted))
    return app, check, other


def test_only_the_limiters_check_is_skipped_for_a_counted_view(monkeypatch) -> None:
    calls: list[str] = []
    app, check, other = _app_with_hooks(calls)
    skip_check_for_counted_views(app, check)
    hooks = app.before_request_funcs[None]
    assert len(hooks) == 2 and hooks[0] is not check and hooks[1] is other
    client = app.test_client()
    assert client.get("/counted").status_code == 200
    assert calls == ["other"]
    calls.clear()
    assert client.get("/plain").status_code == 200
    assert calls == ["check", "other"]
    calls.clear()
    assert client.get("/nowhere").status_code == 404  # no view: checked
    assert calls == ["check", "other"]


def test_an_application_without_before_request_hooks_keeps_none() -> None:
    app = Flask(__name__)
    skip_check_for_counted_views(app, lambda: None)
    assert app.before_request_funcs[None] == []


def test_counted_by_view_answers_true_or_false() -> None:
    app, _, _ = _app_with_hooks([])
    for path, counted in (("/counted", True), ("/plain", False), ("/nowhere", False)):
        with app.test_request_context(path):
            assert counted_by_view() is counted, path
