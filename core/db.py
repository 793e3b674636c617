"""Engine, sessions and the declarative base.

SQLite (the embedded default) gets WAL, foreign keys and real SAVEPOINT support;
PostgreSQL is reached through psycopg 3 (``postgresql+psycopg://``).
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, ClassVar, cast
from weakref import WeakKeyDictionary

from sqlalchemy import DateTime, MetaData, Table, create_engine, event, text
from sqlalchemy.engine import Connection, CursorResult, Engine, Result, make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

from core.writer_file_lock import WriterFileLock

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
    type_annotation_map = {datetime: DateTime(timezone=True)}  # noqa: RUF012  (SQLAlchemy reads it from the class)
    # Every model here maps one Table (SQLAlchemy types it as any FromClause), so bulk
    # statements (insert(Model.__table__), its columns, its name) are typed as they run.
    __table__: ClassVar[Table]


def rowcount(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows an UPDATE or DELETE without RETURNING matched.

    ``Session.execute`` is typed as returning any :class:`Result`; for these statements it is a
    :class:`CursorResult`, which SQLAlchemy's typing notes say to cast to.
    """
    return cast("CursorResult[*tuple[Any, ...]]", result).rowcount


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` URLs and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# Execution options for a transaction that will write, e.g. ``session.connection(execution_options=WRITE_INTENT)``.
# On SQLite it takes the write lock as it begins (BEGIN IMMEDIATE) instead of at its first write.
WRITE_INTENT: dict[str, Any] = {"write_intent": True}


def take_turn(connection: Connection, key: int) -> None:
    """On PostgreSQL, wait until no other transaction holds ``key``, and hold it to this one's end.

    For work that several processes must not do at once (appending to the audit chain, rewriting
    stored scores). SQLite needs nothing: one transaction writes at a time there anyway.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


# How long a writer waits for the other writers of its process before it gives up, as SQLite's
# busy_timeout does for the writers of other processes. It then fails as SQLite would:
# ``OperationalError: database is locked`` (the API and pages answer 503, try again).
WRITER_WAIT_SECONDS = 10.0
BUSY_TIMEOUT_MS = 10000

# Statements that need SQLite's write lock. SAVEPOINT is among them: a savepoint opened before
# the transaction became a writing one would be lost when it does (see _configure_sqlite).
_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT", "CREATE", "DROP", "ALTER"})


class WriterLock:
    """One writing transaction at a time among the connections of one process to one SQLite file.

    SQLite lets one transaction write at a time; a writer that finds the lock taken sleeps
    for growing intervals before it tries again, and a transaction that read before its
    first write cannot wait at all (its snapshot is stale once another writer commits). So
    the writers of a process queue here, in order, each taking over the moment the last
    one commits; the writers of other processes wait in SQLite's busy handler.

    Re-entrant per thread: a thread that holds it for one connection may open another
    (SQLite then makes that one wait, and fail after the busy timeout, as it always did).
    It may be released from another thread (a connection returned by the garbage collector).
    """

    def __init__(self) -> None:
        self._free = threading.Condition(threading.Lock())
        self._owner: int | None = None
        self._depth = 0

    def acquire(self, timeout: float = WRITER_WAIT_SECONDS) -> bool:
        me = threading.get_ident()
        with self._free:
            if self._owner == me:
                self._depth += 1
                return True
            if not self._free.wait_for(lambda: self._owner is None, timeout):
                return False
            self._owner, self._depth = me, 1
            return True

    def release(self) -> None:
        with self._free:
            self._depth -= 1
            if self._depth <= 0:
                self._owner, self._depth = None, 0
                self._free.notify()

    @property
    def held(self) -> bool:
        return self._owner is not None

    @property
    def held_by_this_thread(self) -> bool:
        return self._owner == threading.get_ident()

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Hold the lock for a block (waiting at most ``WRITER_WAIT_SECONDS``)."""
        _take(self)
        try:
            yield
        finally:
            self.release()


def _take(lock: WriterLock) -> None:
    if not lock.acquire():
        raise OperationalError("BEGIN IMMEDIATE", None,
                               sqlite3.OperationalError("database is locked (waited for this process's writers)"))


_WRITER_LOCKS: WeakKeyDictionary[Engine, WriterLock] = WeakKeyDictionary()


def writer_lock(engine: Engine) -> WriterLock | None:
    """The process's writer lock of a SQLite engine made by :func:`make_engine`; None for other databases."""
    return _WRITER_LOCKS.get(engine)


def _is_write(statement: str, context: Any) -> bool:
    if context is not None and getattr(context, "isddl", False):
        return True
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    words = statement.lstrip(" \n\t(").split(None, 1)
    return bool(words) and words[0].upper() in _WRITES


def _raw(connection: Any) -> Any:
    """The driver's connection under a SQLAlchemy Connection, pool proxy or driver connection."""
    if isinstance(connection, Connection):
        connection = connection.connection
    return getattr(connection, "dbapi_connection", connection)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, SAVEPOINT support, and one writer at a time (:class:`WriterLock`).

    Transactions begin deferred: a request that only reads takes no lock and never waits.
    At a transaction's first write (or with ``WRITE_INTENT``, as it begins) its connection
    takes the process's :class:`WriterLock`, ends the read-only transaction it had (nothing
    was written in it) and begins again with BEGIN IMMEDIATE, which waits for the other
    processes' writers; the lock is released as the transaction commits or rolls back. Reads
    before the first write thus see the data as of their own statement, as PostgreSQL's
    READ COMMITTED does, and a writer never fails because another one committed after it
    read. Writing transactions must be kept short: every other writer waits for them.
    """
    lock = WriterLock()
    _WRITER_LOCKS[engine] = lock
    on_file = engine.url.database not in (None, "", ":memory:")
    holding: set[int] = set()  # ids of driver connections in a writing transaction
    # The other processes' writers: turns on a lock file beside the database (core.writer_file_lock).
    turns = WriterFileLock(os.path.abspath(str(engine.url.database)) + ".writers") if on_file else None
    turn_taken_by: list[int | None] = [None]  # the driver connection whose transaction holds the turn

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions so SAVEPOINT works.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if on_file:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    def _become_writer(raw: Any, statement: str, restart: bool) -> None:
        _take(lock)
        # A thread already writing through another connection holds the turn (SQLite makes this one wait).
        taking_turn = turns is not None and turn_taken_by[0] is None
        if taking_turn:
            if not turns.acquire(WRITER_WAIT_SECONDS):  # type: ignore[union-attr]  # checked above
                lock.release()
                raise OperationalError(statement, None, sqlite3.OperationalError(
                    "database is locked (waited for the other processes' writers)"))
            turn_taken_by[0] = id(raw)
        try:
            if restart:
                raw.execute("COMMIT")  # the read-only part: nothing to keep or lose
            raw.execute("BEGIN IMMEDIATE")
        except BaseException as error:
            if taking_turn:
                turn_taken_by[0] = None
                turns.release()  # type: ignore[union-attr]  # checked above
            lock.release()
            if isinstance(error, sqlite3.OperationalError):
                raise OperationalError(statement, None, error) from error
            raise
        holding.add(id(raw))

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = connection.get_execution_options().get("write_intent")
        if writes and on_file:
            _become_writer(_raw(connection), "BEGIN IMMEDIATE", restart=False)
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    if not on_file:
        return  # one shared connection: nobody to wait for

    @event.listens_for(engine, "before_cursor_execute")
    def _before_execute(connection: Any, _cursor: Any, statement: str, _parameters: Any, context: Any,
                        _executemany: bool) -> None:
        raw = _raw(connection)
        if id(raw) in holding or not connection.in_transaction() or not _is_write(statement, context):
            return
        _become_writer(raw, statement, restart=True)

    def _ended(dbapi_connection: Any) -> None:
        raw = _raw(dbapi_connection)
        if id(raw) in holding:
            holding.discard(id(raw))
            if turns is not None and turn_taken_by[0] == id(raw):
                turn_taken_by[0] = None
                turns.release()
            lock.release()

    dialect = engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            _ended(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            _ended(dbapi_connection)

    # This engine's own dialect object: its commit and rollback are wrapped, no other engine's.
    dialect.do_commit = do_commit  # type: ignore[method-assign]  # see above
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]  # see above

    @event.listens_for(engine, "checkin")
    @event.listens_for(engine, "close")
    def _returned(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:
            _ended(dbapi_connection)


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
        # The process's writers of a SQLite database take turns (see WriterLock).
        self._writer = writer_lock(self.engine)

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
        with self._writer.holding() if self._writer else nullcontext(), self.engine.connect() as connection:
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
