"""Feature rows read straight from the driver: exact, in order, and failing as SQLAlchemy's own statements do.

Seen with bench/faults.py --mixed: with the database connections cut, task pages answered 500
because the driver's own error (psycopg.errors.AdminShutdown) escaped, where every other
statement raised SQLAlchemy's OperationalError (503); and the dead connection stayed in the pool.
"""
from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, literal, literal_column, null, select, table, text, union_all
from sqlalchemy.exc import DBAPIError, OperationalError

from core.scoring.driver import raw_array, raw_arrays, raw_rows


def test_rows_come_back_as_plain_tuples(engine):
    with engine.connect() as connection:
        assert raw_rows(connection, select(literal(1), literal("a"))) == [(1, "a")]


def test_a_failing_statement_raises_sqlalchemys_error(engine):
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))  # a transaction SQLAlchemy knows of, as a session's is
        with pytest.raises(DBAPIError):
            raw_rows(connection, select(text("*")).select_from(table("no_such_table")))
        connection.rollback()
        assert raw_rows(connection, select(literal(2))) == [(2,)]


def test_a_connection_the_server_closed_is_an_operational_error_and_leaves_the_pool(engine):
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            connection.commit()
            with engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                other.commit()
            expected = OperationalError
        else:
            connection.connection.dbapi_connection.close()
            expected = DBAPIError
        with pytest.raises(expected) as caught:
            raw_rows(connection, select(literal(1)))
        assert caught.value.connection_invalidated
        assert connection.invalidated


ROW = np.dtype([("key", np.int64), ("value", np.float64)])


def test_an_array_comes_back_with_its_numbers_exact(engine):
    big, tiny = (1 << 62) + 12345, -2.5e-300
    rows = union_all(select(literal(big), literal(tiny)), select(literal(-7), literal(3)),
                     select(literal(0), literal(1.0 / 3)))
    with engine.connect() as connection:
        found = raw_array(connection, select(rows.subquery()), ROW)
    assert found.dtype == ROW
    assert found.tolist() == [(big, tiny), (-7, 3.0), (0, 1.0 / 3)]


def test_an_empty_statement_is_an_empty_array(engine):
    with engine.connect() as connection:
        found = raw_array(connection, select(literal(1), literal(2.0)).where(literal(1) == 2), ROW)
    assert found.dtype == ROW and len(found) == 0


def test_rows_keep_the_statements_order_across_the_copys_blocks(engine):
    # Enough rows for the order to matter: the packed bytes keep the statement's.
    numbers = select(func.generate_series(1, 200_000).label("n")) if engine.dialect.name == "postgresql" else None
    if numbers is None:
        pytest.skip("generate_series: PostgreSQL's; SQLite reads row by row")
    n = numbers.subquery().c.n
    with engine.connect() as connection:
        found = raw_array(connection, select(n * 3, n / 2.0).order_by(n.desc()), ROW)
    assert len(found) == 200_000
    assert (found["key"] == np.arange(200_000, 0, -1) * 3).all()
    assert (found["value"] == np.arange(200_000, 0, -1) / 2.0).all()


def test_a_missing_value_is_refused_not_read_as_a_number(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's rows go through numpy one by one, which refuses None itself")
    with engine.connect() as connection, pytest.raises(ValueError, match="NULL"):
        raw_array(connection, select(literal(1), null()), ROW)


def test_a_failing_copy_raises_sqlalchemys_error(engine):
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        with pytest.raises(DBAPIError):
            missing = select(literal_column("1"), literal_column("2.0")).select_from(table("no_such_table"))
            raw_array(connection, missing, ROW)
        connection.rollback()
        assert raw_array(connection, select(literal(4), literal(0.5)), ROW).tolist() == [(4, 0.5)]


def _slow_rows(k: int):
    # The reading connection's process id and the statement's number, after a tenth of a second.
    return select(func.pg_backend_pid(), literal(float(k))).select_from(func.pg_sleep(0.1))


def test_arrays_come_back_in_order_read_on_two_connections(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads one statement after another on its one connection")
    with engine.connect() as connection:
        own = connection.scalar(select(func.pg_backend_pid()))
        found = raw_arrays(connection, [_slow_rows(k) for k in range(6)], ROW)
        assert [part["value"].tolist() for part in found] == [[float(k)] for k in range(6)]
        readers = {int(part["key"][0]) for part in found}
        assert own in readers and len(readers) == 2


def test_a_transaction_that_has_written_reads_alone(engine):
    """Another connection would not see what this transaction wrote and has not committed."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads one statement after another on its one connection")
    with engine.connect() as connection:
        own = connection.scalar(select(func.pg_backend_pid()))
        connection.execute(text("CREATE TEMPORARY TABLE written (n integer)"))
        connection.execute(text("INSERT INTO written VALUES (1)"))
        found = raw_arrays(connection, [_slow_rows(k) for k in range(4)], ROW)
        assert {int(part["key"][0]) for part in found} == {own}
        connection.rollback()
