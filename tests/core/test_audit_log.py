"""The audit trail records every change and detects tampering."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat

import pytest
from sqlalchemy import select, text

from core import audit_checkpoints, audit_direct, audit_log
from core.access.models import Role
from core.audit_keys import AuditKey, AuditKeyError, AuditKeys
from core.audit_log import AuditEntry
from core.db import Database
from core.org.models import Unit
from tests.conftest import make_app


def test_every_change_is_recorded_with_actor_and_values(db_session, org):
    unit = db_session.scalar(select(Unit).where(Unit.code == "A1"))
    unit.name = "河东新区"
    db_session.commit()
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.table_name == "units", AuditEntry.action == "update")
        .order_by(AuditEntry.id.desc())).first()
    assert entry.actor == "tests"
    assert entry.before == {"name": "河东区"} and entry.after == {"name": "河东新区"}
    db_session.delete(db_session.scalar(select(Unit).where(Unit.code == "P-EDU")))
    db_session.commit()
    deleted = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "delete")).one()
    assert deleted.before["code"] == "P-EDU"


def test_password_hashes_are_masked(db_session, org):
    org.user("wang", Role.supervisor, org.province)
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.table_name == "users")).first()
    assert entry.after["password_hash"] == "***"


def test_verify_passes_then_detects_an_edited_row(db_session, org, runner):
    checked, problems = audit_log.verify(db_session)
    assert checked > 5 and problems == []
    assert "审计日志完整" in runner.invoke(args=["audit", "verify"]).output  # intact
    db_session.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE id = 3"))
    _checked, problems = audit_log.verify(db_session)
    assert [p.entry_id for p in problems] == [3]
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "entry 3" in result.output


def test_verify_detects_a_deleted_row_and_a_removed_tail(db_session, org):
    last = db_session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()))
    db_session.execute(text("DELETE FROM audit_log WHERE id = 2"))
    _checked, problems = audit_log.verify(db_session)
    assert any(p.entry_id == 3 for p in problems)
    db_session.rollback()
    db_session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": last})
    _checked, problems = audit_log.verify(db_session)
    assert problems and "removed" in problems[-1].reason


# ---------------------------------------------------------------------------
# Keyed chaining, checkpoints and direct changes: an attacker with write access to
# the database but not the key (nor the checkpoint folder) cannot rewrite the trail.
# ---------------------------------------------------------------------------

def _entries(session):
    return session.execute(select(*AuditEntry.__table__.c).order_by(AuditEntry.id)).all()


def _rechain(session, key_id, digest, start=1):
    """Recompute every hash from entry ``start`` on as an attacker would, and rewrite the head."""
    previous = audit_log.GENESIS
    for entry in _entries(session):
        if entry.id < start:
            previous = entry.hash
            continue
        payload = audit_log._payload(entry.id, entry.at, entry.actor, entry.action, entry.table_name,
                                     entry.row_id, entry.before, entry.after, key_id)
        body = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        new = digest((previous + body).encode("utf-8"))
        session.execute(text("UPDATE audit_log SET prev_hash = :p, hash = :h, key_id = :k WHERE id = :id"),
                        {"p": previous, "h": new, "k": key_id, "id": entry.id})
        previous = new
    last = _entries(session)[-1]
    session.execute(text("UPDATE audit_head SET last_id = :i, last_hash = :h"), {"i": last.id, "h": previous})


def _sha256(message):
    return hashlib.sha256(message).hexdigest()


def _edit_entry(session, entry_id):
    session.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE id = :id"), {"id": entry_id})


def _cut_newest(session, count):
    """Delete the newest ``count`` entries and point the head at the one before, as an attacker would."""
    entries = _entries(session)
    keep = entries[-count - 1]
    session.execute(text("DELETE FROM audit_log WHERE id > :id"), {"id": keep.id})
    session.execute(text("UPDATE audit_head SET last_id = :i, last_hash = :h"), {"i": keep.id, "h": keep.hash})


def test_entries_are_chained_with_the_instance_key_from_a_private_key_file(app, db_session, org):
    key_file = os.path.join(app.instance_path, "audit_key")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    keys = app.extensions["duban.audit_keys"]
    with open(key_file) as handle:
        assert keys.current == AuditKey.from_text(handle.read())
    assert {entry.key_id for entry in _entries(db_session)} == {keys.current.id}
    report = audit_log.check_chain(db_session)
    assert report.problems == [] and report.keyed_from == 1 and report.legacy == 0


def test_a_configured_key_is_used_and_a_short_one_refused(database_url, tmp_path):
    app = make_app(database_url, tmp_path, AUDIT_KEY="k" * 40)
    assert app.extensions["duban.audit_keys"].current == AuditKey.from_text("k" * 40)
    assert not os.path.exists(os.path.join(app.instance_path, "audit_key"))
    app.extensions["duban.db"].dispose()
    with pytest.raises(AuditKeyError):
        make_app(database_url, tmp_path / "short", AUDIT_KEY="secret")


def test_rechaining_an_edited_trail_with_plain_sha256_is_detected(db_session, org, runner):
    _edit_entry(db_session, 3)
    keyed = _entries(db_session)[0].key_id
    _rechain(db_session, keyed, _sha256)  # the old attack: recompute every hash without a key
    problems = audit_log.check_chain(db_session).problems
    assert problems and problems[0].entry_id == 1
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "entry 1" in result.output


def test_rechaining_the_whole_trail_as_unkeyed_legacy_is_caught_by_a_checkpoint(db_session, org, runner):
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    _edit_entry(db_session, 3)
    _rechain(db_session, None, _sha256)  # every entry now looks like an old unkeyed one
    assert audit_log.check_chain(db_session).problems == []  # the database alone cannot tell
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert "keyed chaining begins at entry None" in result.output


def test_rechaining_after_an_edit_with_a_guessed_key_is_detected(db_session, org, runner):
    _edit_entry(db_session, 3)
    keys = db_session.info["audit_keys"]
    guessed = AuditKey.from_text("0" * 64)
    _rechain(db_session, guessed.id, lambda message: hmac.new(guessed.secret, message, "sha256").hexdigest(), start=3)
    problems = audit_log.check_chain(db_session).problems
    assert problems[0].entry_id == 3 and "not configured" in problems[0].reason
    # Keeping the real key's id does not help either.
    _rechain(db_session, keys.current.id, lambda message: hmac.new(guessed.secret, message, "sha256").hexdigest(),
             start=3)
    problems = audit_log.check_chain(db_session).problems
    assert problems[0].entry_id == 3 and "edited" in problems[0].reason
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "第一处：entry 3" in result.output


def test_a_checkpoint_detects_the_newest_entries_cut_off_with_the_head_rewritten(app, db_session, org, runner):
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    newest = _entries(db_session)[-1].id
    _cut_newest(db_session, 2)
    assert audit_log.check_chain(db_session).problems == []  # the database alone cannot tell
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"entry {newest}: is missing" in result.output
    # The same against a checkpoint file named on the command line.
    path = audit_checkpoints.latest_path(os.path.join(app.instance_path, "audit_checkpoints"))
    result = runner.invoke(args=["audit", "verify", "--checkpoint", path])
    assert result.exit_code != 0 and f"entry {newest}" in result.output


def test_an_edited_checkpoint_file_is_refused(app, db_session, org, runner):
    runner.invoke(args=["audit", "checkpoint"])
    path = audit_checkpoints.latest_path(os.path.join(app.instance_path, "audit_checkpoints"))
    with open(path) as handle:
        data = json.load(handle)
    data["entry_id"] -= 2
    with open(path, "w") as handle:
        json.dump(data, handle)
    result = runner.invoke(args=["audit", "verify", "--checkpoint", path])
    assert result.exit_code != 0 and "signature does not match" in result.output


def test_tick_writes_checkpoints_only_while_the_trail_is_intact(app, db_session, org, runner):
    folder = os.path.join(app.instance_path, "audit_checkpoints")
    result = runner.invoke(args=["tick"])
    assert "audit checkpoint: entry" in result.output
    first = audit_checkpoints.latest_path(folder)
    assert "audit checkpoint: unchanged" in runner.invoke(args=["tick"]).output
    org.user("zhao", Role.supervisor, org.province)
    runner.invoke(args=["tick"])
    second = audit_checkpoints.latest_path(folder)
    assert second != first
    assert audit_checkpoints.read(second, app.extensions["duban.audit_keys"]).entry_id == _entries(db_session)[-1].id
    _edit_entry(db_session, len(_entries(db_session)))
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code != 0 and "no checkpoint written" in result.output
    assert audit_checkpoints.latest_path(folder) == second


def test_legacy_unkeyed_entries_stay_verifiable_and_keyed_chaining_follows(db_session, org, runner):
    keys = db_session.info.pop("audit_keys")
    try:
        org.user("legacy", Role.supervisor, org.province)  # written as before keys existed
    finally:
        db_session.info["audit_keys"] = keys
    legacy = len(_entries(db_session))
    db_session.execute(text("UPDATE audit_log SET key_id = NULL"))
    _rechain(db_session, None, _sha256)
    org.user("keyed", Role.supervisor, org.province)
    report = audit_log.check_chain(db_session)
    assert report.problems == [] and report.legacy == legacy and report.keyed_from == legacy + 1
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"1–{legacy}" in result.output and f"{legacy + 1}" in result.output
    # An unkeyed entry after keyed chaining began is a break.
    db_session.info.pop("audit_keys")
    org.user("nokey", Role.supervisor, org.province)
    db_session.info["audit_keys"] = keys
    assert any("has no key" in p.reason for p in audit_log.check_chain(db_session).problems)


def test_rotated_keys_keep_older_entries_verifiable(db_session, org):
    old = db_session.info["audit_keys"]
    new = AuditKey.from_text("n" * 48)
    db_session.info["audit_keys"] = AuditKeys(current=new, retired=(old.current,))
    org.user("after-rotation", Role.supervisor, org.province)
    report = audit_log.check_chain(db_session)
    assert report.problems == [] and report.key_ids == [old.current.id, new.id]
    forgotten = audit_log.check_chain(db_session, AuditKeys(current=new))
    assert "not configured" in forgotten.problems[0].reason


def test_many_entries_are_written_with_one_hmac_each(db_session, org):
    rows = [("insert", "units", str(i), None, {"code": f"X{i}"}) for i in range(2000)]
    audit_log.append_entries(db_session, rows)
    report = audit_log.check_chain(db_session)
    assert report.problems == [] and report.checked == len(_entries(db_session))


@pytest.mark.skipif(not os.environ.get("DUBAN_TEST_DATABASE_URL"), reason="triggers need PostgreSQL")
def test_a_direct_sql_change_on_postgresql_is_recorded_and_reported(app, connection, db_session, org, runner):
    watched = audit_direct.install_triggers(connection)
    assert {"users", "units", "matters", "tasks", "review_outcomes", "signals", "audit_log"} <= set(watched)
    audit_direct.set_mark(connection, True)  # the test's connection stands in for Duban's own
    org.user("liu", Role.supervisor, org.province)
    assert audit_direct.direct_changes(db_session) == []
    audit_direct.set_mark(connection, False)  # from here on: someone with psql
    connection.execute(text("UPDATE units SET name = 'renamed' WHERE code = 'A1'"))
    connection.execute(text("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)"))
    changes = audit_direct.direct_changes(db_session)
    assert [(c.table_name, c.action) for c in changes] == [("units", "update"), ("audit_log", "delete")]
    assert changes[0].before["name"] == "河东区" and changes[0].after["name"] == "renamed"
    assert changes[0].db_user
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and "direct change" in result.output and "update on units" in result.output
    audit_direct.set_mark(connection, True)
    last = changes[-1].id
    result = runner.invoke(args=["audit", "acknowledge", str(last), "--note", "ticket 42"])
    assert result.exit_code == 0, (result.output, result.exception)
    result = runner.invoke(args=["audit", "verify"])
    assert "update on units" not in result.output and "已记录 2 处直接修改，均已确认" in result.output


@pytest.mark.skipif(not os.environ.get("DUBAN_TEST_DATABASE_URL"), reason="PostgreSQL only")
def test_duban_marks_its_own_postgresql_connections(database_url):
    database = Database(database_url)
    audit_log.install(database.sessionmaker)
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql(
                f"SELECT current_setting('{audit_direct.MARK}', true)").scalar() == "on"
    finally:
        database.dispose()
