"""Failed logins per name and address: growing locks, forgotten after a quiet day, names unknown alike."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.access.models import LoginFailure, Role, User
from core.access.passwords import (
    BASE_LOCK,
    MAX_LOCK,
    AccountLocked,
    check_login,
    lock_for,
    set_password,
)
from core.access.tokens import create_token_for
from core.db import utcnow


def test_locks_start_at_the_fifth_failure_and_double_up_to_the_cap():
    assert [lock_for(n) for n in range(1, 5)] == [None] * 4
    assert [lock_for(n) for n in (5, 6, 7)] == [BASE_LOCK, BASE_LOCK * 2, BASE_LOCK * 4]
    assert lock_for(40) == MAX_LOCK and lock_for(10**6) == MAX_LOCK


def _fail(session, name: str, source: str, times: int, now) -> None:
    for _ in range(times):
        assert check_login(session, name, "wrong-password-x", source, now) is None


@pytest.mark.parametrize("name", ["wang", "no-such-person"])
def test_known_and_unknown_names_lock_alike_and_only_at_their_address(org, db_session, name):
    org.user("wang", Role.supervisor, org.province)
    now = utcnow()
    _fail(db_session, name, "10.0.0.1", 5, now)
    with pytest.raises(AccountLocked):
        check_login(db_session, name, "correct-horse-battery", "10.0.0.1", now)
    assert check_login(db_session, name.upper(), "wrong-password-x", "10.0.0.2", now) is None
    after = now + BASE_LOCK + timedelta(seconds=1)
    expected = db_session.scalar(select(User).where(User.username == name))
    assert check_login(db_session, name, "correct-horse-battery", "10.0.0.1", after) is expected


def test_failures_a_day_old_are_forgotten(org, db_session):
    org.user("wang", Role.supervisor, org.province)
    then = utcnow() - timedelta(days=2)
    _fail(db_session, "wang", "10.0.0.1", 4, then)
    _fail(db_session, "other", "10.0.0.9", 1, then)
    _fail(db_session, "wang", "10.0.0.1", 1, utcnow())  # would be the fifth in a row: it is the first
    rows = db_session.scalars(select(LoginFailure)).all()
    assert [(row.username, row.failures, row.locked_until) for row in rows] == [("wang", 1, None)]


def test_a_new_password_revokes_the_tokens_and_ends_the_sessions(org, db_session):
    user = org.user("wang", Role.supervisor, org.province)
    token, _secret = create_token_for(db_session, user)
    generation = user.session_version
    set_password(user, "a-brand-new-secret")
    db_session.flush()
    assert token.revoked_at is not None and user.session_version == generation + 1
