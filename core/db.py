"""Engine, sessions and the declarative base.

SQLite (the embedded default) gets WAL, foreign keys and real SAVEPOINT support;
PostgreSQL is reached through psycopg 3 (``postgresql+psycopg://``).
"""
from __future__ import annotations

import os
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every table of Duban, core and plugins alike."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True)}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` URLs and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# Execution options for a transaction that will write, e.g. ``session.connection(execution_options=WRITE_INTENT)``.
# On SQLite it takes the write lock as it begins (BEGIN IMMEDIATE): a transaction that read first
# and then writes fails at once when another writer got there in between, instead of waiting.
WRITE_INTENT: dict[str, Any] = {"write_intent": True}


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions so SAVEPOINT works.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = connection.get_execution_options().get("write_intent")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


# A pooled server connection returned longer ago than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection is alive before use, unless it was in use a moment ago.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip to the server on
    every request. A connection that was returned less than ``PING_AFTER_IDLE_SECONDS`` ago
    has just worked, so only the others are pinged (the rule connection pools such as
    HikariCP follow). A dead one is replaced before the request sees it.
    """
    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is not None and time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("the pooled connection is gone") from error
        if not alive:
            raise DisconnectionError("the pooled connection is gone")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with Duban's per-dialect settings."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            # One connection holds the whole database: there is no pool to size.
            kwargs.setdefault("poolclass", StaticPool)
            kwargs.pop("pool_size", None)
            kwargs.pop("max_overflow", None)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_idle_connections(engine)
    return engine


@contextmanager
def scratch_database(server_url: str | None, prefix: str = "duban_scratch") -> Iterator[str]:
    """A fresh, empty database for tests and benchmarks, dropped afterwards.

    With no ``server_url``, a SQLite file in a temporary folder; otherwise a new
    database on that PostgreSQL server, so several runs can share one server.
    """
    if not server_url:
        with tempfile.TemporaryDirectory() as folder:
            yield "sqlite:///" + os.path.join(folder, f"{prefix}.sqlite")
        return
    server = make_url(normalise_url(server_url))
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Database:
    """An engine and the session factory bound to it; one per application."""

    def __init__(self, url: str, *, info: dict[str, Any] | None = None, **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self.info = info or {}
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False, info=self.info)
        self._bound: Connection | None = None
        # SQLite lets one transaction write at a time, and a writer that finds the lock taken
        # sleeps for growing intervals before it tries again. Writers of this process wait
        # for each other here instead, and each takes over the moment the last one commits.
        self._writer = threading.Lock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def bind(self, connection: Any) -> None:
        """Make every new session, and :meth:`begin`, join ``connection`` (tests roll it back afterwards)."""
        self.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
        self._bound = connection

    @contextmanager
    def begin(self, **execution_options: Any) -> Iterator[Connection]:
        """A Core connection in a transaction of its own: committed as the block ends, rolled back if it raises.

        For the busiest writes, which need none of the ORM's work (no session, no identity map,
        no audit log): e.g. ``database.begin(**WRITE_INTENT)``. Under :meth:`bind`, a savepoint
        of the bound connection; a session using that connection must have ended its own
        transaction first, or rolling that back would take this one with it. On SQLite, such
        blocks of one process run one at a time (they are meant for writes, which SQLite runs
        one at a time anyway).
        """
        if self._bound is not None:
            with self._bound.begin_nested():
                yield self._bound
            return
        with self._writer or nullcontext(), self.engine.connect() as connection:
            if execution_options:
                connection.execution_options(**execution_options)
            with connection.begin():
                yield connection

    def session(self, **kwargs: Any) -> Session:
        """A new session; callers own its transaction."""
        return self.sessionmaker(**kwargs)

    @contextmanager
    def transaction(self, actor: str | None = None) -> Iterator[Session]:
        """One unit of work: commits on success, rolls everything back on any error."""
        session = self.session()
        if actor is not None:
            session.info["actor"] = actor
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
