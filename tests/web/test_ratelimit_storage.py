"""The limiter's default storage counts like limits' memory storage, without a thread per window."""
from __future__ import annotations

import threading
import time
from typing import Any

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

import web.ratelimit
from web.ratelimit import SweptMemoryStorage


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
