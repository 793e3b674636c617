"""Rows read straight from the database driver, for the few statements that hand over millions.

SQLAlchemy's result rows cost more than the database's work on a rescoring's
half a million signals a kind, so these statements are compiled once and run
on the driver's own cursor. On PostgreSQL, an array of numbers crosses as one
value: the server packs each row's numbers in their binary form (``int8send``,
``float8send``) and joins the rows' bytes with ``string_agg`` over the statement
taken as a subquery, in the order the statement gives them (an aggregate reads
a sorted subquery's rows in order when nothing is joined above it, as
PostgreSQL's documentation on aggregate expressions says); numpy reads the
buffer as it stands. A row a time through the driver costs twice the server's
work; the packed value costs little more than it.

A driver's error is raised as SQLAlchemy raises its own (a lost connection answers
503 like any other, not 500), and a connection the server closed leaves the pool.
"""
from __future__ import annotations

import functools
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import BigInteger, ColumnElement, Connection, Double, LargeBinary, Select, cast, func, literal, select
from sqlalchemy.exc import DBAPIError

Read = TypeVar("Read")


def raw_rows(connection: Connection, stmt: Any) -> list[tuple[Any, ...]]:
    """Rows straight from the driver's cursor: millions of plain tuples, no per-row wrapping.

    The statement is compiled with its values rendered as literals by SQLAlchemy,
    which quotes them for the dialect: dates, numbers and the catalogue's kind names.
    """
    rows: list[tuple[Any, ...]] = from_driver(connection, stmt, lambda cursor: cursor.fetchall())
    return rows


def through_psycopg(connection: Connection) -> bool:
    """Whether ``connection`` is PostgreSQL through psycopg, whose packed reads and ``COPY`` Duban uses."""
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


def raw_array(connection: Connection, stmt: Select[Any], dtype: np.dtype[Any]) -> np.ndarray:
    """The rows of ``stmt`` as a structured array of ``dtype`` (64-bit integers and floats, never NULL).

    On PostgreSQL through psycopg, the rows packed by the server into one value
    (see the module's documentation), each column cast to its field's type;
    elsewhere the cursor's rows one by one into the array, with no list of them
    all in between.
    """
    if not through_psycopg(connection):
        return from_driver(connection, stmt, lambda cursor: np.fromiter(cursor, dtype=dtype))
    names = dtype.names or ()
    rows = stmt.subquery()
    packed = [func.int8send(cast(column, BigInteger)) if dtype[name].kind in "iu"
              else func.float8send(cast(column, Double)) for column, name in zip(rows.c, names, strict=True)]
    joined: ColumnElement[Any] = functools.reduce(lambda left, right: left.op("||")(right), packed)
    wire = np.dtype([(name, ">i8" if dtype[name].kind in "iu" else ">f8") for name in names])
    count, data = from_driver(connection, select(func.count(), func.string_agg(joined, cast(literal(""), LargeBinary)))
                              .select_from(rows), lambda cursor: cursor.fetchone(), binary=True)
    data = data or b""
    if len(data) != count * wire.itemsize:
        # string_agg leaves out a row whose bytes are NULL: never read as numbers what is not there.
        raise ValueError("a row read as numbers holds a NULL")
    return np.frombuffer(data, dtype=wire).astype(dtype)


def raw_arrays(connection: Connection, statements: Sequence[Select[Any]], dtype: np.dtype[Any]) -> list[np.ndarray]:
    """:func:`raw_array` of each statement, in order; on PostgreSQL two at a time, on two connections.

    The second connection, from the engine's pool, sees what this one's next
    statement would see (both read committed) unless this transaction has written
    something: then every statement runs here. The database reading one kind while
    the other connection's rows are unpacked, and on two cores, costs a little more
    than half the time of one after the other.
    """
    if (len(statements) < 2 or connection.dialect.name != "postgresql"
            or connection.scalar(select(func.pg_current_xact_id_if_assigned())) is not None):
        return [raw_array(connection, stmt, dtype) for stmt in statements]
    waiting = queue.SimpleQueue[int]()
    for index in range(len(statements)):
        waiting.put(index)
    found: list[np.ndarray | None] = [None] * len(statements)

    def work(on: Connection) -> None:
        while True:
            try:
                index = waiting.get_nowait()
            except queue.Empty:
                return
            found[index] = raw_array(on, statements[index], dtype)

    with connection.engine.connect() as other, ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(work, connection), pool.submit(work, other)]:
            done.result()
    parts = [part for part in found if part is not None]
    if len(parts) != len(statements):  # each worker reads until none is left or raises: never reached
        raise RuntimeError("a statement's rows were not read")
    return parts


def from_driver(connection: Connection, stmt: Any, read: Callable[[Any], Read], binary: bool = False) -> Read:
    """``read(cursor)`` after running ``stmt`` on a cursor of the driver (results in binary with ``binary``)."""
    sql = str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))

    def run(cursor: Any) -> Read:
        cursor.execute(sql, **({"binary": True} if binary else {}))
        return read(cursor)

    return on_cursor(connection, run, sql)


def on_cursor(connection: Connection, run: Callable[[Any], Read], sql: str) -> Read:
    """``run(cursor)`` on a cursor of the driver, its errors raised as SQLAlchemy's (``sql`` named in them)."""
    raw: Any = connection.connection.dbapi_connection
    dbapi = connection.dialect.loaded_dbapi
    try:
        cursor = raw.cursor()
        try:
            return run(cursor)
        finally:
            cursor.close()
    except dbapi.Error as error:
        lost = connection.dialect.is_disconnect(error, raw, None)
        if lost:
            connection.invalidate(error)
        raise DBAPIError.instance(sql, None, error, dbapi.Error, connection_invalidated=lost) from error
