"""Password hashing (argon2id) and login throttling per account."""
from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.access.models import User
from core.db import utcnow
from core.errors import DubanError, ValidationError

_hasher = PasswordHasher()

MIN_LENGTH = 10
FREE_FAILURES = 4  # the fifth failure in a row starts the lock-out
BASE_LOCK = timedelta(seconds=30)
MAX_LOCK = timedelta(minutes=30)


class AccountLocked(DubanError):
    """Too many wrong passwords in a row."""

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


def verify_login(user: User | None, password: str, now: datetime | None = None) -> bool:
    """Check ``password``; count failures and lock the account with growing delays.

    Raises :class:`AccountLocked` while a lock is in force, whether or not the
    password is right, so guessing gains nothing during the lock.
    """
    now = now or utcnow()
    if user is None:
        # Spend the same time as a real check so usernames cannot be probed by timing.
        _burn(password)
        return False
    if user.locked_until is not None and _as_aware(user.locked_until) > now:
        raise AccountLocked("Too many failed logins. Try again after %(time)s.",
                            time=_as_aware(user.locked_until).strftime("%H:%M:%S UTC"))
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins = (user.failed_logins or 0) + 1
        excess = user.failed_logins - FREE_FAILURES
        if excess > 0:
            user.locked_until = now + min(BASE_LOCK * (2 ** (excess - 1)), MAX_LOCK)
        return False
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user.active


_DUMMY_HASH = _hasher.hash("duban-timing-equaliser")


def _burn(password: str) -> None:
    try:
        _hasher.verify(_DUMMY_HASH, password)
    except VerificationError:
        pass


def set_password(user: User, password: str) -> None:
    """Give ``user`` a new password and end their other sessions."""
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 1) + 1
    user.failed_logins = 0
    user.locked_until = None
