"""The audit trail (审计日志): an append-only, keyed hash chain of every change.

Every flush of an ORM session appends one entry per inserted, updated or deleted
row: who, when, what, and the values before and after. Each entry's hash is an
HMAC-SHA256, under a key kept outside the database (:mod:`core.audit_keys`), of its
content and the previous entry's hash; a one-row head records the last entry, so
:func:`verify` detects an edited, inserted or deleted row, and nobody without the
key can re-chain the entries after an edit. Entries written before the instance had
a key carry plain SHA-256 hashes and no key id: they stay verifiable as a legacy
prefix, and an unkeyed entry after the first keyed one is itself a break.
Signed checkpoints of the head, kept outside the database
(:mod:`core.audit_checkpoints`), show when the newest entries were cut off.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Integer, String, event, insert, inspect, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from core.audit_direct import mark_application_connections
from core.audit_keys import AuditKey, AuditKeys
from core.db import Base, take_turn, utcnow

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
    # The id of the key whose HMAC chained this entry; NULL for the unkeyed legacy prefix.
    key_id: Mapped[str | None] = mapped_column(String(16))


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


def entry_hash(prev_hash: str, payload: dict[str, Any], key: AuditKey | None = None,
               hasher: Any = None) -> str:
    """The chain hash of one entry's ``payload`` following ``prev_hash``.

    HMAC-SHA256 under ``key`` (``hasher``: ``key.hasher()``, reused across entries), or plain
    SHA-256 for the legacy prefix when ``key`` is None.
    """
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    message = (prev_hash + body).encode("utf-8")
    if key is None:
        return hashlib.sha256(message).hexdigest()
    mac = (hasher or key.hasher()).copy()
    mac.update(message)
    return str(mac.hexdigest())


def _payload(entry_id: int, at: str, actor: str | None, action: str, table: str, row_id: str,
             before: dict[str, Any] | None, after: dict[str, Any] | None,
             key_id: str | None = None) -> dict[str, Any]:
    payload = {"id": entry_id, "at": at, "actor": actor, "action": action, "table": table,
               "row": row_id, "before": before, "after": after}
    if key_id is not None:
        payload["key"] = key_id  # legacy entries were hashed without it
    return payload


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
    take_turn(connection, ADVISORY_LOCK_ID)
    head = connection.execute(select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1)).first()
    last_id, last_hash = (head.last_id, head.last_hash) if head else (0, GENESIS)
    actor = session.info.get("actor")
    at = utcnow().isoformat(timespec="microseconds")
    keys: AuditKeys | None = session.info.get("audit_keys")
    key = keys.current if keys else None
    key_id = key.id if key else None
    hasher = key.hasher() if key else None
    rows = []
    for action, table, row_id, before, after in entries:
        last_id += 1
        payload = _payload(last_id, at, actor, action, table, row_id, before, after, key_id)
        digest = entry_hash(last_hash, payload, key, hasher)
        rows.append({"id": last_id, "at": at, "actor": actor, "action": action, "table_name": table,
                     "row_id": row_id, "before": before, "after": after, "prev_hash": last_hash,
                     "hash": digest, "key_id": key_id})
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


def install(factory: sessionmaker[Session], keys: AuditKeys | None = None) -> None:
    """Record every change made through sessions from ``factory``, chained with ``keys``.

    Without keys, entries are chained with plain SHA-256 (scripts and benchmarks only:
    :func:`verify` reports such entries after the first keyed one). On PostgreSQL the
    factory's connections are marked as the application's, so the triggers of
    :mod:`core.audit_direct` leave their changes to this trail.
    """
    if keys is not None:
        factory.kw.setdefault("info", {})["audit_keys"] = keys
    if not event.contains(factory, "after_flush", _record):
        event.listen(factory, "after_flush", _record)
    bind = factory.kw.get("bind")
    if bind is not None and hasattr(bind, "dialect") and hasattr(bind, "pool"):
        mark_application_connections(bind)


@dataclass
class Problem:
    """A break in the chain found by :func:`verify`."""

    entry_id: int | None
    reason: str


@dataclass
class ChainReport:
    """What :func:`check_chain` found: entries checked, problems, where keyed chaining starts."""

    checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0
    legacy: int = 0
    keyed_from: int | None = None
    key_ids: list[str] = field(default_factory=list)
    last_id: int = 0
    last_hash: str = GENESIS

    def add(self, entry_id: int | None, reason: str, limit: int) -> None:
        if len(self.problems) < limit:
            self.problems.append(Problem(entry_id, reason))
        else:
            self.more_problems += 1


def check_chain(session: Session, keys: AuditKeys | None = None, *, start_after: tuple[int, str, bool] | None = None,
                batch: int = 5000, problem_limit: int = 200) -> ChainReport:
    """Recompute the chain and compare the head; return a :class:`ChainReport`.

    ``keys`` defaults to the session's (``install``). ``start_after`` = (entry id, its hash,
    whether it was keyed) checks only the entries after a trusted point, such as the last
    checkpoint. Problems beyond ``problem_limit`` are only counted.
    """
    if keys is None:
        keys = session.info.get("audit_keys")
    report = ChainReport()
    expected_id, expected_prev, keyed = 1, GENESIS, False
    if start_after is not None:
        expected_id, expected_prev, keyed = start_after[0] + 1, start_after[1], start_after[2]
    last_seen = expected_id - 1
    hashers: dict[str, Any] = {}
    missing_keys: set[str] = set()
    while True:
        chunk = session.execute(
            select(*AuditEntry.__table__.c).where(AuditEntry.id > last_seen).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not chunk:
            break
        for entry in chunk:
            report.checked += 1
            if entry.id != expected_id:
                report.add(entry.id, f"entries {expected_id}–{entry.id - 1} are missing", problem_limit)
            if entry.prev_hash != expected_prev:
                report.add(entry.id, "does not follow the previous entry's hash", problem_limit)
            payload = _payload(entry.id, entry.at, entry.actor, entry.action, entry.table_name,
                               entry.row_id, entry.before, entry.after, entry.key_id)
            if entry.key_id is None:
                if keyed:
                    report.add(entry.id, "has no key although keyed chaining began before it "
                                         "(re-chained without the key)", problem_limit)
                else:
                    report.legacy += 1
                if entry_hash(entry.prev_hash, payload) != entry.hash:
                    report.add(entry.id, "content does not match its hash (edited)", problem_limit)
            else:
                if not keyed:
                    report.keyed_from = entry.id
                keyed = True
                if entry.key_id not in report.key_ids:
                    report.key_ids.append(entry.key_id)
                key = keys.by_id(entry.key_id) if keys else None
                if key is None:
                    if entry.key_id not in missing_keys:
                        missing_keys.add(entry.key_id)
                        report.add(entry.id, f"was chained with key {entry.key_id}, which is not configured "
                                             "(AUDIT_KEY or AUDIT_RETIRED_KEYS); its entries cannot be checked",
                                   problem_limit)
                else:
                    hasher = hashers.get(key.id)
                    if hasher is None:
                        hasher = hashers[key.id] = key.hasher()
                    if not hmac.compare_digest(entry_hash(entry.prev_hash, payload, key, hasher), entry.hash):
                        report.add(entry.id, "content does not match its keyed hash (edited or re-chained)",
                                   problem_limit)
            expected_prev, expected_id = entry.hash, entry.id + 1
            last_seen = entry.id
    report.last_id, report.last_hash = expected_id - 1, expected_prev
    head = session.execute(select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1)).first()
    if head is not None and (head.last_id != expected_id - 1 or head.last_hash != expected_prev):
        report.add(head.last_id, "the newest entries were removed", problem_limit)
    if head is None and (report.checked or start_after is not None):
        report.add(None, "the chain head is missing", problem_limit)
    return report


def verify(session: Session, batch: int = 5000, keys: AuditKeys | None = None) -> tuple[int, list[Problem]]:
    """Recompute the chain; return the number of entries checked and every problem found."""
    report = check_chain(session, keys, batch=batch)
    return report.checked, report.problems
