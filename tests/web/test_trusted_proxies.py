"""Rate limits count per real client: behind TRUSTED_PROXIES proxies, from X-Forwarded-For; else from the socket."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import make_app
from web.app import create_app


@pytest.fixture
def app_factory(database_url: str, connection: Any, tmp_path: Any) -> Iterator[Callable[..., Any]]:
    """Applications on the test's connection, each with its own configuration (and its own counters)."""
    made: list[Any] = []

    def factory(**config: Any) -> Any:
        app = make_app(database_url, tmp_path, **config)
        app.extensions["duban.db"].bind(connection)
        made.append(app)
        return app

    yield factory
    for app in made:
        app.extensions["duban.db"].dispose()


def _statuses(app: Any, sends: list[tuple[str, str | None]]) -> list[int]:
    """GET the public cases page (limited by PUBLIC_RATE_LIMIT) from (socket address, X-Forwarded-For) pairs."""
    client = app.test_client()
    statuses = []
    for socket_address, forwarded in sends:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        statuses.append(client.get("/cases/", headers=headers,
                                   environ_base={"REMOTE_ADDR": socket_address}).status_code)
    return statuses


def test_without_trusted_proxies_a_spoofed_forwarded_address_is_ignored(app_factory) -> None:
    app = app_factory(PUBLIC_RATE_LIMIT="2 per minute")
    assert app.config["TRUSTED_PROXIES"] == 0
    # One client writing a new X-Forwarded-For on every request still has one bucket.
    statuses = _statuses(app, [("198.51.100.7", "203.0.113.1"), ("198.51.100.7", "203.0.113.2"),
                               ("198.51.100.7", "203.0.113.3")])
    assert statuses == [200, 200, 429]
    # Another socket address is another client.
    assert _statuses(app, [("198.51.100.8", None)]) == [200]


def test_behind_one_trusted_proxy_each_forwarded_client_has_its_own_bucket(app_factory) -> None:
    app = app_factory(PUBLIC_RATE_LIMIT="2 per minute", TRUSTED_PROXIES=1)
    proxy = "127.0.0.1"
    assert _statuses(app, [(proxy, "203.0.113.1")] * 3) == [200, 200, 429]
    # A second client behind the same proxy is not blocked by the first.
    assert _statuses(app, [(proxy, "203.0.113.2")] * 3) == [200, 200, 429]
    # With one hop trusted, only the address nginx appended counts: a client prepending its own is still itself.
    assert _statuses(app, [(proxy, "10.9.9.9, 203.0.113.1")]) == [429]


def test_the_request_sees_the_forwarded_client_and_scheme(app_factory) -> None:
    from flask import request

    app = app_factory(TRUSTED_PROXIES=1)

    @app.get("/_test/whoami")
    def whoami() -> str:
        return f"{request.remote_addr} {request.scheme}"

    response = app.test_client().get("/_test/whoami", headers={"X-Forwarded-For": "203.0.113.9",
                                                               "X-Forwarded-Proto": "https"},
                                     environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.get_data(as_text=True) == "203.0.113.9 https"


def test_trusted_proxies_comes_from_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DUBAN_TRUSTED_PROXIES", "2")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x",
                      "DATABASE_URL": "sqlite:///" + str(tmp_path / "d.sqlite")})
    assert app.config["TRUSTED_PROXIES"] == 2
    assert type(app.wsgi_app).__name__ == "ProxyFix"
    app.extensions["duban.db"].dispose()
