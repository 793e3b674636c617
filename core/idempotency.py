"""Idempotency keys: a post retried with the same key is answered, not done again.

A client sends ``Idempotency-Key: <any unique text>`` with a post. The first time,
the work is done and its answer stored with the key *in the same transaction*, so
either both are stored or neither is. A retry with the same key and the same body
gets the first answer back and stores nothing; the same key with a different body is
refused (:class:`IdempotencyConflict`, HTTP 422), because it is a client bug.

Two copies of one request racing each other both try to insert the key; the unique
constraint lets one commit and the other rolls back and replays the winner's answer.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, rowcount, utcnow
from core.errors import DubanError, ValidationError

MAX_KEY_LENGTH = 200
# How the OpenAPI document describes the header: what a server sees after HTTP strips the spaces
# around a field value is 1 to 200 characters from space to tilde, the first and last visible.
KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[ -~]*[!-~][ -~]*$"}
_KEY = re.compile(rf"[!-~](?:[ -~]{{0,{MAX_KEY_LENGTH - 2}}}[!-~])?", re.ASCII)
KEEP_FOR = timedelta(days=7)


class IdempotencyConflict(DubanError):
    """The key was used before for a different request."""

    status = 422


class IdempotencyRecord(Base):
    """The answer given to the first request carrying ``key`` from ``owner``."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("owner", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose key it is ("user:12", "public:survey"): keys of different clients never clash.
    owner: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


@dataclass(frozen=True)
class Answer:
    """What a post answered: HTTP status and JSON body; ``replayed`` for a retry."""

    status: int
    body: Any
    replayed: bool = False


def request_digest(method: str, path: str, body: bytes) -> str:
    """A fingerprint of a request: same method, path and body give the same digest."""
    hasher = hashlib.sha256()
    for part in (method.upper().encode(), b"\0", path.encode("utf-8"), b"\0", body):
        hasher.update(part)
    return hasher.hexdigest()


def check_key(key: str) -> str:
    """``key`` stripped, or :class:`ValidationError` when it is empty, too long or not printable ASCII.

    The IETF idempotency draft makes the key a structured-field string: printable ASCII only,
    as the OpenAPI document's pattern says (:data:`KEY_SCHEMA`).
    """
    key = key.strip()
    if not _KEY.fullmatch(key):
        raise ValidationError("The Idempotency-Key header must be 1 to 200 printable ASCII characters.")
    return key


def stored_answer(session: Session, owner: str, key: str, digest: str) -> Answer | None:
    """The answer stored for ``key``; :class:`IdempotencyConflict` if its request differed."""
    record = session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.owner == owner, IdempotencyRecord.key == key))
    if record is None:
        return None
    if record.request_digest != digest:
        raise IdempotencyConflict("This Idempotency-Key was already used for a different request.")
    return Answer(record.status, record.body, replayed=True)


def run_once(session: Session, owner: str, key: str, digest: str,
             work: Callable[[], Answer]) -> Answer:
    """Do ``work`` once per key: store its answer with the key and commit both together.

    ``work`` writes through ``session`` and does not commit. An answer with a status
    of 400 or more is not stored (nothing was done, so a retry may try again) and the
    session is rolled back. A retry, or the loser of a race, gets the stored answer.
    """
    key = check_key(key)
    earlier = stored_answer(session, owner, key, digest)
    if earlier is not None:
        session.rollback()
        return earlier
    answer = work()
    if answer.status >= 400:
        session.rollback()
        return answer
    session.add(IdempotencyRecord(owner=owner, key=key, request_digest=digest,
                                  status=answer.status, body=answer.body))
    try:
        session.commit()
    except (IntegrityError, OperationalError):
        # Another copy of this request committed first (PostgreSQL reports the
        # unique key, SQLite a write conflict): answer as it did.
        session.rollback()
        earlier = stored_answer(session, owner, key, digest)
        if earlier is None:
            raise
        session.rollback()
        return earlier
    return answer


def purge(session: Session, now: datetime | None = None, keep_for: timedelta = KEEP_FOR) -> int:
    """Forget keys older than ``keep_for``; returns how many were removed."""
    cutoff = (now or utcnow()) - keep_for
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    return rowcount(result)
