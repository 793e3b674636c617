"""Changes made to the database outside Duban (直接修改), recorded by PostgreSQL triggers.

Duban marks every connection it opens (the session variable ``duban.application``);
a trigger on each table in :data:`WATCHED_TABLES` records, in ``audit_direct_changes``,
any row inserted, updated or deleted (and any truncation) by a connection without
that mark: a change made with ``psql``, another program or a restored dump, which
the ORM's audit trail never sees. ``duban audit verify`` reports them.

On SQLite there are no such triggers: a direct edit of a business table is not
recorded, and one of the audit trail shows only through its chain and checkpoints.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, event, func, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base

MARK = "duban.application"

# Who may act, what is decided on, and the evidence and rules the decisions come from;
# plus the trail itself. Derived tables (scores, notifications, job bookkeeping) are left out.
WATCHED_TABLES = (
    "users", "api_tokens", "assignments", "units", "matters", "tasks", "task_co_units",
    "review_outcomes", "signals", "scoring_rule_files", "scoring_models", "audit_log", "audit_head",
    "work_plans", "plan_items",
)

# Columns that never leave the row into the record: secrets, and the model's pickled estimator.
MASKED_COLUMNS = ("password_hash", "digest", "secret", "estimator")

FUNCTION = "duban_record_direct_change"


class DirectChange(Base):
    """One row changed, or one table truncated, by a connection that is not Duban's."""

    __tablename__ = "audit_direct_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    db_user: Mapped[str | None] = mapped_column(String(120))
    client_addr: Mapped[str | None] = mapped_column(String(60))
    application_name: Mapped[str | None] = mapped_column(String(120))
    table_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(10))
    row_id: Mapped[str | None] = mapped_column(String(80))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def mark_application_connections(engine: Engine) -> None:
    """Mark every connection ``engine`` opens to PostgreSQL as Duban's own."""
    if engine.dialect.name != "postgresql":
        return

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SELECT set_config('{MARK}', 'on', false)")
        dbapi_connection.commit()

    if not event.contains(engine, "connect", on_connect):
        event.listen(engine, "connect", on_connect)


def set_mark(connection: Connection, on: bool) -> None:
    """Mark (or unmark) ``connection`` as Duban's for the rest of its current transaction."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT set_config('{MARK}', '{'on' if on else 'off'}', true)")


# Built from this module's constants only, never from input.
_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
BEGIN
    IF coalesce(current_setting('{MARK}', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_LEVEL = 'ROW' AND TG_OP IN ('UPDATE', 'DELETE') THEN
        old_row := to_jsonb(OLD) - ARRAY[{", ".join(f"'{c}'" for c in MASKED_COLUMNS)}];
    END IF;
    IF TG_LEVEL = 'ROW' AND TG_OP IN ('INSERT', 'UPDATE') THEN
        new_row := to_jsonb(NEW) - ARRAY[{", ".join(f"'{c}'" for c in MASKED_COLUMNS)}];
    END IF;
    INSERT INTO audit_direct_changes (at, db_user, client_addr, application_name, table_name, action,
                                      row_id, before, after)
    VALUES (clock_timestamp(), session_user, host(inet_client_addr()), current_setting('application_name', true),
            TG_TABLE_NAME, lower(TG_OP), coalesce(new_row ->> 'id', old_row ->> 'id'), old_row::json,
            new_row::json);
    RETURN NULL;
END
$$
"""  # noqa: S608


def install_triggers(connection: Connection, tables: tuple[str, ...] = WATCHED_TABLES) -> list[str]:
    """Create the recording function and a trigger on each of ``tables`` that exists (PostgreSQL only).

    Returns the tables now watched. Safe to run again.
    """
    if connection.dialect.name != "postgresql":
        return []
    connection.exec_driver_sql(_FUNCTION_SQL)
    watched = []
    for table in tables:
        if connection.exec_driver_sql(f"SELECT to_regclass('{table}')").scalar() is None:
            continue
        rows = f"duban_direct_rows_{table}"
        truncate = f"duban_direct_truncate_{table}"
        connection.exec_driver_sql(f'DROP TRIGGER IF EXISTS {rows} ON "{table}"')
        connection.exec_driver_sql(f'DROP TRIGGER IF EXISTS {truncate} ON "{table}"')
        # The WHEN clause keeps Duban's own writes from calling the function at all.
        connection.exec_driver_sql(
            f'CREATE TRIGGER {rows} AFTER INSERT OR UPDATE OR DELETE ON "{table}" FOR EACH ROW '
            f"WHEN (coalesce(current_setting('{MARK}', true), '') <> 'on') EXECUTE FUNCTION {FUNCTION}()")
        connection.exec_driver_sql(
            f'CREATE TRIGGER {truncate} AFTER TRUNCATE ON "{table}" FOR EACH STATEMENT '
            f"EXECUTE FUNCTION {FUNCTION}()")
        watched.append(table)
    return watched


def remove_triggers(connection: Connection, tables: tuple[str, ...] = WATCHED_TABLES) -> None:
    """Drop what :func:`install_triggers` created."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        if connection.exec_driver_sql(f"SELECT to_regclass('{table}')").scalar() is None:
            continue
        connection.exec_driver_sql(f'DROP TRIGGER IF EXISTS duban_direct_rows_{table} ON "{table}"')
        connection.exec_driver_sql(f'DROP TRIGGER IF EXISTS duban_direct_truncate_{table} ON "{table}"')
    connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


def watched_tables(connection: Connection) -> list[str]:
    """The tables that carry Duban's direct-change trigger now (empty on SQLite)."""
    if connection.dialect.name != "postgresql":
        return []
    rows = connection.execute(text(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname LIKE :pattern AND t.tgenabled <> 'D' ORDER BY c.relname"),
        {"pattern": "duban_direct_rows_%"}).all()
    return [row[0] for row in rows]


def direct_changes(session: Session, after_id: int = 0, limit: int = 50) -> list[DirectChange]:
    """Recorded direct changes with an id above ``after_id``, oldest first."""
    return list(session.scalars(select(DirectChange).where(DirectChange.id > after_id)
                                .order_by(DirectChange.id).limit(limit)))


def direct_change_tally(session: Session) -> tuple[int, int]:
    """(how many direct changes are recorded, the highest id)."""
    count, last = session.execute(select(func.count(DirectChange.id), func.max(DirectChange.id))).one()
    return int(count or 0), int(last or 0)
