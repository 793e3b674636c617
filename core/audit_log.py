"""The audit trail: an append-only, hash-chained record of every change.

Every flush of an ORM session appends one entry per inserted, updated or deleted
row: who, when, what, and the values before and after. Each entry's hash covers
its content and the previous entry's hash, and a one-row head records the last
entry, so :func:`verify` detects an edited, inserted or deleted row.
"""
from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Integer, String, event, insert, inspect, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from core.db import Base, utcnow

GENESIS = "0" * 64
ADVISORY_LOCK_ID = 0x64756261  # "duba": serialises chain appends on PostgreSQL


class AuditEntry(Base):
    """One change to one row. Never updated, never deleted."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(10))
    table_name: Mapped[str] = mapped_column(String(80), index=True)
    row_id: Mapped[str] = mapped_column(String(80), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last entry of the chain, so that removing the newest entries shows."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    return value


def entry_hash(prev_hash: str, payload: dict[str, Any]) -> str:
    """The chain hash of one entry's ``payload`` following ``prev_hash``."""
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _payload(entry_id: int, at: str, actor: str | None, action: str, table: str, row_id: str,
             before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    return {"id": entry_id, "at": at, "actor": actor, "action": action, "table": table,
            "row": row_id, "before": before, "after": after}


def _columns(obj: Any) -> list[Any]:
    return list(inspect(obj).mapper.column_attrs)


def _masked(obj: Any) -> set[str]:
    return set(getattr(obj, "__audit_mask__", ()))


def _snapshot(obj: Any) -> dict[str, Any]:
    masked = _masked(obj)
    values: dict[str, Any] = {}
    for attr in _columns(obj):
        value = getattr(obj, attr.key)
        values[attr.key] = "***" if attr.key in masked and value is not None else _jsonable(value)
    return values


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    masked = _masked(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in _columns(obj):
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if _jsonable(old) == _jsonable(new):
            continue
        if attr.key in masked:
            old, new = "***", "*** (changed)"
        before[attr.key], after[attr.key] = _jsonable(old), _jsonable(new)
    return before, after


def _row_id(obj: Any) -> str:
    identity = inspect(obj).identity
    return "/".join(str(part) for part in identity) if identity else "?"


def _record(session: Session, _flush_context: Any) -> None:
    changes: list[tuple[str, Any, dict[str, Any] | None, dict[str, Any] | None]] = []
    for obj in session.new:
        if not isinstance(obj, (AuditEntry, AuditHead)):
            changes.append(("insert", obj, None, _snapshot(obj)))
    for obj in session.dirty:
        if isinstance(obj, (AuditEntry, AuditHead)) or not session.is_modified(obj):
            continue
        before, after = _changes(obj)
        if after:
            changes.append(("update", obj, before, after))
    for obj in session.deleted:
        if not isinstance(obj, (AuditEntry, AuditHead)):
            changes.append(("delete", obj, _snapshot(obj), None))
    if changes:
        append_entries(session, [
            (action, obj.__tablename__, _row_id(obj), before, after)
            for action, obj, before, after in changes
        ])


def append_entries(session: Session,
                   entries: list[tuple[str, str, str, dict[str, Any] | None, dict[str, Any] | None]]) -> None:
    """Append entries ``(action, table, row_id, before, after)`` to the chain.

    Bulk writers that bypass the ORM unit of work (imports using Core inserts)
    call this so their changes are on the record too.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_ID})
    head = connection.execute(select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1)).first()
    last_id, last_hash = (head.last_id, head.last_hash) if head else (0, GENESIS)
    actor = session.info.get("actor")
    at = utcnow().isoformat(timespec="microseconds")
    rows = []
    for action, table, row_id, before, after in entries:
        last_id += 1
        digest = entry_hash(last_hash, _payload(last_id, at, actor, action, table, row_id, before, after))
        rows.append({"id": last_id, "at": at, "actor": actor, "action": action, "table_name": table,
                     "row_id": row_id, "before": before, "after": after, "prev_hash": last_hash,
                     "hash": digest})
        last_hash = digest
    connection.execute(insert(AuditEntry), rows)
    if head:
        connection.execute(update(AuditHead).where(AuditHead.id == 1).values(last_id=last_id, last_hash=last_hash))
    else:
        connection.execute(insert(AuditHead).values(id=1, last_id=last_id, last_hash=last_hash))


def _refuse_change(*_args: Any) -> None:
    raise RuntimeError("the audit log is append-only")


event.listen(AuditEntry, "before_update", _refuse_change)
event.listen(AuditEntry, "before_delete", _refuse_change)


def install(factory: sessionmaker[Session]) -> None:
    """Record every change made through sessions from ``factory``."""
    if not event.contains(factory, "after_flush", _record):
        event.listen(factory, "after_flush", _record)


@dataclass
class Problem:
    """A break in the chain found by :func:`verify`."""

    entry_id: int | None
    reason: str


def verify(session: Session, batch: int = 5000) -> tuple[int, list[Problem]]:
    """Recompute the chain; return the number of entries checked and every problem found."""
    problems: list[Problem] = []
    expected_prev, expected_id, checked = GENESIS, 1, 0
    last_seen = 0
    while True:
        chunk = session.execute(
            select(*AuditEntry.__table__.c).where(AuditEntry.id > last_seen).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not chunk:
            break
        for entry in chunk:
            checked += 1
            if entry.id != expected_id:
                problems.append(Problem(entry.id, f"entries {expected_id}–{entry.id - 1} are missing"))
            if entry.prev_hash != expected_prev:
                problems.append(Problem(entry.id, "does not follow the previous entry's hash"))
            payload = _payload(entry.id, entry.at, entry.actor, entry.action, entry.table_name,
                               entry.row_id, entry.before, entry.after)
            if entry_hash(entry.prev_hash, payload) != entry.hash:
                problems.append(Problem(entry.id, "content does not match its hash (edited)"))
            expected_prev, expected_id = entry.hash, entry.id + 1
            last_seen = entry.id
    head = session.execute(select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1)).first()
    if head is not None and (head.last_id != expected_id - 1 or head.last_hash != expected_prev):
        problems.append(Problem(head.last_id, "the newest entries were removed"))
    if head is None and checked:
        problems.append(Problem(None, "the chain head is missing"))
    return checked, problems
