"""Pooled PostgreSQL connections are pinged before use only when they have been idle."""
from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy import text

import core.db
from core.db import make_engine, normalise_url

SERVER = os.environ.get("DUBAN_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not SERVER.startswith("postgres"), reason="needs DUBAN_TEST_DATABASE_URL on PostgreSQL")


def _backend(connection) -> int:
    return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_killed_while_idle_is_replaced_before_use(monkeypatch) -> None:
    monkeypatch.setattr(core.db, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = make_engine(normalise_url(SERVER), pool_size=1, max_overflow=0)
    other = make_engine(normalise_url(SERVER))
    try:
        with engine.connect() as connection:
            killed = _backend(connection)
        with other.connect() as admin:
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": killed}).scalar_one()
        with engine.connect() as connection:  # the same pooled connection, found dead by the ping
            assert _backend(connection) != killed
    finally:
        engine.dispose()
        other.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged(monkeypatch) -> None:
    monkeypatch.setattr(core.db, "PING_AFTER_IDLE_SECONDS", 3600.0)
    engine = make_engine(normalise_url(SERVER), pool_size=1, max_overflow=0)
    pings = []
    original = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return original(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    try:
        for _ in range(3):
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        assert pings == []
        monkeypatch.setattr(core.db, "PING_AFTER_IDLE_SECONDS", 0.0)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert pings == [1]
    finally:
        engine.dispose()
