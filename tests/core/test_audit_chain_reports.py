"""What the audit trail's check reports, word for word, and the hashes it computes.

The hashes are pinned: entries already stored were chained with this payload and this
encoding, so any change to either would make every existing trail fail its check.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from core import audit_log
from core.access.models import Role
from core.audit_keys import AuditKey, AuditKeys, keyring
from core.audit_log import AuditEntry, Problem

KEY = AuditKey.from_text("k" * 40)


def _payload(key_id=None):
    return audit_log._payload(3, "2026-01-02T03:04:05.000006+00:00", "张三", "update", "units", "7",
                              {"name": "旧"}, {"name": "示范"}, key_id)


def test_entry_hashes_are_those_stored_trails_were_chained_with():
    assert KEY.id == "ee335627d8b3"
    assert audit_log.entry_hash("ab" * 32, _payload(KEY.id), KEY) == (
        "304016ee03bab311b9f85599ecd20f8f017426ebba64b0ef47a61f98ab77db49")
    assert audit_log.entry_hash("ab" * 32, _payload(KEY.id), KEY, KEY.hasher()) == (
        "304016ee03bab311b9f85599ecd20f8f017426ebba64b0ef47a61f98ab77db49")
    assert audit_log.entry_hash("ab" * 32, _payload()) == (
        "ad33068120ecda7569ceb9bb1b37059099a8d0df05010880685ec50e845df97d")


def test_recorded_values_are_stored_as_json():
    class Colour(enum.Enum):
        red = "r"

    assert audit_log._jsonable(Decimal("1.50")) == "1.50"
    assert audit_log._jsonable(b"abc") == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert audit_log._jsonable(Colour.red) == "r"
    assert audit_log._jsonable(date(2026, 1, 2)) == "2026-01-02"
    assert audit_log._jsonable(datetime(2026, 1, 2, 3, 4)) == "2026-01-02T03:04:00"
    assert audit_log._jsonable(7) == 7


def _trail(db_session, org, users=4):
    for number in range(users):
        org.user(f"u{number}", Role.supervisor, org.province)
    return [row.id for row in db_session.execute(text("SELECT id FROM audit_log ORDER BY id"))]


def test_a_deleted_entry_is_reported_with_the_ids_missing(db_session, org):
    ids = _trail(db_session, org)
    gone = ids[2]
    db_session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": gone})
    assert audit_log.check_chain(db_session).problems == [
        Problem(gone + 1, f"entries {gone}–{gone} are missing"),
        Problem(gone + 1, "does not follow the previous entry's hash"),
    ]
    db_session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": gone + 1})
    assert audit_log.check_chain(db_session).problems[0] == Problem(gone + 2, f"entries {gone}–{gone + 1} are missing")


def test_an_edited_keyed_entry_and_an_edited_legacy_entry_are_reported(db_session, org):
    ids = _trail(db_session, org)
    db_session.execute(text("UPDATE audit_log SET actor = 'x' WHERE id = :id"), {"id": ids[1]})
    assert audit_log.check_chain(db_session).problems == [
        Problem(ids[1], "content does not match its keyed hash (edited or re-chained)")]
    db_session.execute(text("UPDATE audit_log SET actor = 'tests'"))
    # Chained without a key (legacy), then edited.
    keys = db_session.info.pop("audit_keys")
    try:
        db_session.execute(text("DELETE FROM audit_log"))
        db_session.execute(text("DELETE FROM audit_head"))
        audit_log.append_entries(db_session, [("insert", "units", str(n), None, {"n": n}) for n in range(3)])
        db_session.execute(text("UPDATE audit_log SET actor = 'x' WHERE id = 2"))
        assert audit_log.check_chain(db_session, keys).problems == [
            Problem(2, "content does not match its hash (edited)")]
    finally:
        db_session.info["audit_keys"] = keys


def test_an_unkeyed_entry_after_keyed_ones_is_reported_by_id(db_session, org):
    _trail(db_session, org, 1)
    keys = db_session.info.pop("audit_keys")
    try:
        audit_log.append_entries(db_session, [("insert", "units", "9", None, {"n": 9})])
    finally:
        db_session.info["audit_keys"] = keys
    last = db_session.scalar(text("SELECT max(id) FROM audit_log"))
    assert audit_log.check_chain(db_session).problems == [
        Problem(last, "has no key although keyed chaining began before it (re-chained without the key)")]


def test_entries_of_a_key_not_configured_are_reported_once(db_session, org):
    _trail(db_session, org)
    first = db_session.scalar(text("SELECT min(id) FROM audit_log"))
    key_id = db_session.info["audit_keys"].current.id
    expected = [Problem(first, f"was chained with key {key_id}, which is not configured "
                               "(AUDIT_KEY or AUDIT_RETIRED_KEYS); its entries cannot be checked")]
    assert audit_log.check_chain(db_session, AuditKeys(current=KEY)).problems == expected
    keys = db_session.info.pop("audit_keys")
    try:  # no keys at all: the same report, not a crash
        assert audit_log.check_chain(db_session).problems == expected
        assert audit_log.verify(db_session, keys=keys)[1] == []  # keys given outright are used
    finally:
        db_session.info["audit_keys"] = keys
    assert audit_log.verify(db_session, keys=AuditKeys(current=KEY))[1] == expected


def test_a_rewritten_head_and_a_missing_head_are_reported(db_session, org):
    ids = _trail(db_session, org)
    db_session.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": "0" * 64})
    assert audit_log.check_chain(db_session).problems == [Problem(ids[-1], "the newest entries were removed")]
    db_session.execute(text("DELETE FROM audit_head"))
    assert audit_log.check_chain(db_session).problems == [Problem(None, "the chain head is missing")]
    assert audit_log.verify(db_session)[1] == [Problem(None, "the chain head is missing")]


def test_an_empty_trail_is_intact(db_session):
    report = audit_log.check_chain(db_session)
    assert (report.checked, report.problems, report.last_id, report.last_hash) == (0, [], 0, audit_log.GENESIS)


def test_problems_beyond_the_limit_are_only_counted(db_session, org):
    ids = _trail(db_session, org)
    db_session.execute(text("UPDATE audit_log SET actor = 'x'"))
    report = audit_log.check_chain(db_session, problem_limit=2)
    assert [problem.entry_id for problem in report.problems] == ids[:2]
    assert report.more_problems == len(ids) - 2
    audit_log.append_entries(db_session, [("insert", "units", str(n), None, {"n": n}) for n in range(250)])
    db_session.execute(text("UPDATE audit_log SET actor = 'y'"))
    report = audit_log.check_chain(db_session)
    assert len(report.problems) == 200 and report.more_problems == len(ids) + 250 - 200


def test_a_keyring_makes_its_first_key_current_and_keeps_the_rest_in_order():
    texts = ["a" * 32, "b" * 32, "c" * 32]
    keys = keyring(texts)
    assert keys.current == AuditKey.from_text(texts[0])
    assert keys.retired == (AuditKey.from_text(texts[1]), AuditKey.from_text(texts[2]))


def test_entries_cannot_be_changed_or_deleted_through_the_orm(db_session, org):
    org.user("someone", Role.supervisor, org.province)
    entry = db_session.scalars(select(AuditEntry).order_by(AuditEntry.id)).first()
    entry.actor = "forged"
    with pytest.raises(RuntimeError, match=r"^the audit log is append-only$"):
        db_session.flush()
    db_session.rollback()
    db_session.delete(db_session.scalars(select(AuditEntry)).first())
    with pytest.raises(RuntimeError, match=r"^the audit log is append-only$"):
        db_session.flush()
    db_session.rollback()
