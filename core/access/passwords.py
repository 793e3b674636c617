"""Password hashing (argon2id), checking a login, and locks after failed logins.

Failed logins are counted per (user name as typed, client address) in ``login_failures``:
a name nobody holds is counted and locked exactly like a real one, so the answers never
tell which names exist, and failures from one address never lock the name's holder out
of another. Every refusal carries the same message, :data:`LOGIN_REFUSED`.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, object_session

from core.access.models import LoginFailure, User
from core.db import utcnow
from core.errors import DubanError, ValidationError
from core.i18n import N_

_hasher = PasswordHasher()

MIN_LENGTH = 10
FREE_FAILURES = 4  # the fifth failure in a row from one address starts the lock
BASE_LOCK = timedelta(seconds=30)  # doubled with each further failure
MAX_LOCK = timedelta(hours=1)
# Failures this old are forgotten: the count starts again.
FORGET_AFTER = timedelta(days=1)

LOGIN_REFUSED = N_("Wrong username or password, or too many attempts: wait a few minutes and try again.")


class AccountLocked(DubanError):
    """Too many failed logins in a row for this name from this address."""

    status = 429


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` after checking it is strong enough."""
    check_strength(password)
    return _hasher.hash(password)


def check_strength(password: str) -> None:
    """Refuse passwords too short or too simple to resist guessing."""
    if len(password) < MIN_LENGTH:
        raise ValidationError("The password must have at least %(n)d characters.", n=MIN_LENGTH)
    if len(set(password)) < 4:
        raise ValidationError("The password is too simple.")


def _as_aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _key(username: str, source: str) -> tuple[str, str]:
    return username.strip().lower()[:80], (source or "-")[:64]


def lock_for(failures: int) -> timedelta | None:
    """How long ``failures`` failed logins in a row lock their name at their address, if at all."""
    excess = failures - FREE_FAILURES
    if excess <= 0:
        return None
    return min(BASE_LOCK * (1 << min(excess - 1, 20)), MAX_LOCK)  # doubles with each failure


def check_login(session: Session, username: str, password: str, source: str,
                now: datetime | None = None) -> User | None:
    """The active account named ``username`` when ``password`` is its password, else None.

    ``source`` is the client's address. Raises :class:`AccountLocked` (with
    :data:`LOGIN_REFUSED`) while failures from ``source`` lock the name there, without
    looking at the password, so guessing gains nothing during the lock. Counts a failure
    otherwise, and forgets the failures of this name at this address on success.
    """
    now = now or utcnow()
    name, address = _key(username, source)
    locked_until = session.scalar(select(LoginFailure.locked_until).where(
        LoginFailure.username == name, LoginFailure.source == address))
    if locked_until is not None and _as_aware(locked_until) > now:
        raise AccountLocked(LOGIN_REFUSED)
    user = session.scalar(select(User).where(func.lower(User.username) == name))
    if user is None:
        # Spend the same time as a real check so names cannot be probed by timing.
        _burn(password)
        ok = False
    else:
        ok = _verify(user, password) and user.active
    if ok:
        session.execute(delete(LoginFailure).where(LoginFailure.username == name,
                                                   LoginFailure.source == address))
        return user
    _count_failure(session, name, address, now)
    return None


def _verify(user: User, password: str) -> bool:
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def _count_failure(session: Session, name: str, address: str, now: datetime) -> None:
    # Counters are written with plain statements, not through the ORM: they are no business
    # data for the audit trail, and a stream of failed logins must not queue on its lock.
    forgotten = now - FORGET_AFTER
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = LoginFailure.__table__
    statement = insert(table).values(username=name, source=address, failures=1, last_failed_at=now)
    failures = session.scalar(statement.on_conflict_do_update(
        index_elements=[table.c.username, table.c.source],
        set_={"failures": case((table.c.last_failed_at < forgotten, 1), else_=table.c.failures + 1),
              "last_failed_at": now},
    ).returning(table.c.failures))
    lock = lock_for(failures or 1)
    if lock is not None:
        session.execute(update(table).where(table.c.username == name, table.c.source == address)
                        .values(locked_until=now + lock))
    # Keep the table small: rows of names and addresses that stopped failing long ago.
    session.execute(delete(table).where(table.c.last_failed_at < forgotten))


_DUMMY_HASH = _hasher.hash("duban-timing-equaliser")


def _burn(password: str) -> None:
    try:
        _hasher.verify(_DUMMY_HASH, password)
    except VerificationError:
        pass


def set_password(user: User, password: str) -> None:
    """Give ``user`` a new password; end their sessions and revoke their API tokens."""
    from core.access.tokens import revoke_tokens_of

    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 1) + 1
    session = object_session(user)
    if session is not None and user.id is not None:
        revoke_tokens_of(session, user)


def end_sessions(user: User) -> None:
    """Make every session cookie of ``user`` stop working (logout, deactivation)."""
    user.session_version = (user.session_version or 1) + 1
