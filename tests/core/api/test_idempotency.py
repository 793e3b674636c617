"""Idempotency keys: one key, one stored answer; a racing copy replays the winner."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import utcnow
from core.errors import ValidationError
from core.idempotency import Answer, IdempotencyConflict, IdempotencyRecord, purge, request_digest, run_once


def test_the_work_runs_once_per_key(db_session):
    calls = []

    def work():
        calls.append(1)
        return Answer(201, {"n": len(calls)})

    digest = request_digest("POST", "/x", b"{}")
    first = run_once(db_session, "user:1", "k", digest, work)
    second = run_once(db_session, "user:1", "k", digest, work)
    assert first == Answer(201, {"n": 1}) and second == Answer(201, {"n": 1}, replayed=True)
    assert len(calls) == 1
    assert run_once(db_session, "user:2", "k", digest, work).body == {"n": 2}  # another client's key
    with pytest.raises(IdempotencyConflict):
        run_once(db_session, "user:1", "k", request_digest("POST", "/x", b"{ }"), work)


def test_a_racing_copy_that_loses_replays_the_winners_answer(tmp_path):
    from core.db import Database

    # Two real transactions: the test fixtures' shared connection would nest them.
    database = Database("sqlite:///" + str(tmp_path / "race.sqlite"))
    IdempotencyRecord.__table__.create(database.engine)
    db_session = database.session()
    digest = request_digest("POST", "/x", b"{}")
    other = database.session()

    def work():
        # The other copy commits the same key while this one is working.
        run_once(other, "user:1", "k", digest, lambda: Answer(201, {"by": "other"}))
        return Answer(201, {"by": "this"})

    answer = run_once(db_session, "user:1", "k", digest, work)
    other.close()
    assert answer == Answer(201, {"by": "other"}, replayed=True)
    assert db_session.scalar(select(func.count(IdempotencyRecord.id))) == 1
    db_session.close()
    database.dispose()


def test_old_keys_are_forgotten(db_session):
    run_once(db_session, "user:1", "k", "d", lambda: Answer(200, {}))
    assert purge(db_session, utcnow() + timedelta(days=8)) == 1


@pytest.mark.parametrize(("key", "taken"), [
    ("hotline-2026-11-27-0001", True), ("a b", True), ("~", True), ("k" * 200, True),
    ("", False), ("   ", False), ("k" * 201, False), ("键-1", False), ("a\tb", False), ("é", False),
])
def test_a_key_is_taken_exactly_when_the_documented_pattern_allows_it(key, taken):
    """schemathesis sent a key the document allowed and the server refused (400)."""
    from core.idempotency import KEY_SCHEMA, check_key

    documented = KEY_SCHEMA["minLength"] <= len(key) <= KEY_SCHEMA["maxLength"] and \
        re.fullmatch(KEY_SCHEMA["pattern"].strip("^$"), key) is not None
    assert documented == taken
    if taken:
        assert check_key(key) == key
    else:
        with pytest.raises(ValidationError):
            check_key(key)
