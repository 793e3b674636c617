"""Signed checkpoints of the audit trail: the file, its signature, and what a comparison reports."""
from __future__ import annotations

import json
import os
import re
import stat
import tempfile

import pytest
from sqlalchemy import text

from core import audit_checkpoints, audit_log
from core.access.models import Role
from core.audit_checkpoints import Checkpoint, CheckpointError
from core.audit_direct import DirectChange
from core.audit_keys import AuditKey, AuditKeys
from core.audit_log import ChainReport, Problem

KEY = AuditKey.from_text("k" * 40)
AT = "2026-01-02T03:04:05+00:00"


def _checkpoint(**fields):
    values = {"entry_id": 7, "hash": "cd" * 32, "keyed": True, "keyed_from": 2, "direct_changes": 1,
              "direct_changes_last_id": 9, "at": AT, "key_id": KEY.id}
    return Checkpoint(**{**values, **fields})


def test_the_signed_body_is_the_one_earlier_checkpoints_were_signed_over():
    body = _checkpoint().body()
    assert body == (b'{"at":"2026-01-02T03:04:05+00:00","direct_changes":1,"direct_changes_last_id":9,"entry_id":7,'
                    b'"hash":"' + b"cd" * 32 + b'","key_id":"ee335627d8b3","keyed":true,"keyed_from":2,"version":1}')
    assert KEY.sign(body) == "32205068ae9b74eec935d2d375c2acb882909137d413a933f7bc70ffc69893bf"


def _write_file(folder, data, name="audit-checkpoint-000000000007-20260102T030405Z.json"):
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    return path


def test_reading_refuses_unreadable_files_and_unknown_keys(tmp_path):
    keys = AuditKeys(current=KEY)
    broken = _write_file(tmp_path, {"entry_id": 1})
    with pytest.raises(CheckpointError, match=re.escape(f"{broken}: not a readable checkpoint (")):
        audit_checkpoints.read(broken, keys)
    other = AuditKey.from_text("o" * 40)
    signed = _checkpoint(key_id=other.id)
    path = _write_file(tmp_path, {**signed.__dict__, "signature": other.sign(signed.body())})
    with pytest.raises(CheckpointError) as refused:
        audit_checkpoints.read(path, keys)
    assert str(refused.value) == f"{path}: signed with key {other.id}, which is not configured"
    assert audit_checkpoints.read(path, AuditKeys(current=KEY, retired=(other,))) == Checkpoint(
        **{**signed.__dict__, "signature": other.sign(signed.body())})


def test_a_file_without_its_version_field_is_still_read(tmp_path):
    checkpoint = _checkpoint(signature=KEY.sign(_checkpoint().body()))
    path = _write_file(tmp_path, checkpoint.__dict__)
    assert audit_checkpoints.read(path, AuditKeys(current=KEY)) == checkpoint


def test_the_latest_checkpoint_ignores_other_files(tmp_path):
    assert audit_checkpoints.latest_path(str(tmp_path / "absent")) is None
    assert audit_checkpoints.latest_path(str(tmp_path)) is None
    _write_file(tmp_path, {}, "zz-notes.json")
    _write_file(tmp_path, {}, "audit-checkpoint-999999999999-x.json.partial")
    assert audit_checkpoints.latest_path(str(tmp_path)) is None
    first = _write_file(tmp_path, {}, "audit-checkpoint-000000000007-20260102T030405Z.json")
    second = _write_file(tmp_path, {}, "audit-checkpoint-000000000012-20260101T000000Z.json")
    assert audit_checkpoints.latest_path(str(tmp_path)) == second != first


def _trail(db_session, org, users=3):
    for number in range(users):
        org.user(f"u{number}", Role.supervisor, org.province)
    return [row for row in db_session.execute(text("SELECT id, hash FROM audit_log ORDER BY id"))]


def test_comparison_reports_a_cut_off_or_rewritten_entry_word_for_word(db_session, org):
    rows = _trail(db_session, org)
    last = rows[-1]
    assert audit_checkpoints.compare(db_session, _checkpoint(entry_id=last.id, hash=last.hash, direct_changes=0)) == []
    assert audit_checkpoints.compare(db_session, _checkpoint(entry_id=0, hash="", direct_changes=0)) == []
    assert audit_checkpoints.compare(db_session, _checkpoint(entry_id=last.id + 5, direct_changes=0)) == [
        Problem(last.id + 5, f"is missing, but the checkpoint of {AT} recorded it: the newest entries were cut off")]
    assert audit_checkpoints.compare(db_session, _checkpoint(entry_id=1, hash="0" * 64, direct_changes=0)) == [
        Problem(1, f"has another hash than in the checkpoint of {AT}: the trail was rewritten up to here")]


def test_comparison_reports_keyed_chaining_moved(db_session, org):
    _trail(db_session, org)
    checkpoint = _checkpoint(entry_id=0, direct_changes=0, keyed_from=5)
    reason = (f"keyed chaining begins at entry {{}}, but the checkpoint of {AT} says 5: "
              "entries were re-chained without the key")
    assert audit_checkpoints.compare(db_session, checkpoint, ChainReport(keyed_from=3)) == [
        Problem(3, reason.format(3))]
    assert audit_checkpoints.compare(db_session, checkpoint, ChainReport(keyed_from=None)) == [
        Problem(5, reason.format(None))]
    assert audit_checkpoints.compare(db_session, checkpoint, ChainReport(keyed_from=5)) == []


def test_comparison_counts_deleted_direct_changes_up_to_the_checkpoint(db_session):
    for number in range(3):
        db_session.add(DirectChange(id=number + 1, table_name="units", action="update"))
    db_session.flush()
    checkpoint = _checkpoint(entry_id=0, direct_changes=2, direct_changes_last_id=2)
    assert audit_checkpoints.compare(db_session, checkpoint) == []
    db_session.execute(text("DELETE FROM audit_direct_changes WHERE id = 1"))
    reason = "{} recorded direct change(s) were deleted since the checkpoint of " + AT
    assert audit_checkpoints.compare(db_session, checkpoint) == [Problem(None, reason.format(1))]
    db_session.execute(text("DELETE FROM audit_direct_changes WHERE id = 2"))
    assert audit_checkpoints.compare(db_session, checkpoint) == [Problem(None, reason.format(2))]


def test_a_checkpoint_is_written_atomically_into_a_private_folder(db_session, org, tmp_path, monkeypatch):
    rows = _trail(db_session, org)
    keys = db_session.info["audit_keys"]
    folder = str(tmp_path / "checkpoints")
    # The file is first written beside its final name, never in the system's temporary folder.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    checkpoint, path = audit_checkpoints.write(db_session, keys, folder)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert re.fullmatch(r"audit-checkpoint-\d{12}-\d{8}T\d{6}Z\.json", os.path.basename(path))
    assert os.path.basename(path).startswith(f"audit-checkpoint-{rows[-1].id:012d}-")
    assert os.listdir(folder) == [os.path.basename(path)]
    assert (checkpoint.entry_id, checkpoint.hash, checkpoint.keyed, checkpoint.keyed_from) == (
        rows[-1].id, rows[-1].hash, True, rows[0].id)
    assert (checkpoint.direct_changes, checkpoint.direct_changes_last_id) == (0, 0)
    assert audit_checkpoints.read(path, keys) == checkpoint
    assert audit_checkpoints.write(db_session, keys, folder) == (checkpoint, None)


def test_writing_refuses_when_the_newest_entries_were_cut_off(db_session, org, tmp_path):
    rows = _trail(db_session, org)
    keys = db_session.info["audit_keys"]
    folder = str(tmp_path)
    audit_checkpoints.write(db_session, keys, folder)
    keep = rows[-2]
    db_session.execute(text("DELETE FROM audit_log WHERE id > :id"), {"id": keep.id})
    db_session.execute(text("UPDATE audit_head SET last_id = :i, last_hash = :h"), {"i": keep.id, "h": keep.hash})
    with pytest.raises(CheckpointError) as refused:
        audit_checkpoints.write(db_session, keys, folder)
    assert str(refused.value).startswith(f"no checkpoint written: entry {rows[-1].id}: is missing")


def test_writing_checks_only_the_entries_since_the_previous_checkpoint(db_session, org, tmp_path, monkeypatch):
    keys = db_session.info["audit_keys"]
    rows = _trail(db_session, org)
    audit_checkpoints.write(db_session, keys, str(tmp_path))
    org.user("later", Role.supervisor, org.province)
    checked = []
    real = audit_checkpoints.check_chain

    def counting(*args, **kwargs):
        report = real(*args, **kwargs)
        checked.append(report.checked)
        return report

    monkeypatch.setattr(audit_checkpoints, "check_chain", counting)
    checkpoint, path = audit_checkpoints.write(db_session, keys, str(tmp_path))
    newest = db_session.scalar(text("SELECT max(id) FROM audit_log"))
    assert path is not None and checkpoint.entry_id == newest
    assert checked == [newest - rows[-1].id + 1]  # the previous checkpoint's entry, then the new ones
    assert checkpoint.keyed and checkpoint.keyed_from == rows[0].id


def test_a_legacy_trail_is_checkpointed_as_unkeyed(db_session, org, tmp_path):
    keys = db_session.info.pop("audit_keys")
    try:  # a trail begun before the instance had a key
        db_session.execute(text("DELETE FROM audit_log"))
        db_session.execute(text("DELETE FROM audit_head"))
        _trail(db_session, org, 2)
        checkpoint, _path = audit_checkpoints.write(db_session, keys, str(tmp_path))
        assert (checkpoint.keyed, checkpoint.keyed_from) == (False, None)
        org.user("more", Role.supervisor, org.province)
        later, path = audit_checkpoints.write(db_session, keys, str(tmp_path))
        assert path is not None and (later.keyed, later.keyed_from) == (False, None)
    finally:
        db_session.info["audit_keys"] = keys
    org.user("keyed", Role.supervisor, org.province)
    keyed, _path = audit_checkpoints.write(db_session, keys, str(tmp_path))
    first_keyed = db_session.scalar(text("SELECT min(id) FROM audit_log WHERE key_id IS NOT NULL"))
    assert (keyed.keyed, keyed.keyed_from) == (True, first_keyed)
    assert audit_checkpoints.write(db_session, keys, str(tmp_path))[0].keyed_from == first_keyed


def test_writing_checks_with_the_keys_it_is_given(db_session, org, tmp_path):
    old = db_session.info["audit_keys"]
    rotated = AuditKeys(current=KEY, retired=(old.current,))
    db_session.info["audit_keys"] = rotated
    try:
        _trail(db_session, org, 1)  # chained with the new key
    finally:
        db_session.info["audit_keys"] = old
    checkpoint, path = audit_checkpoints.write(db_session, rotated, str(tmp_path))
    assert path is not None and checkpoint.key_id == KEY.id
    org.user("after", Role.supervisor, org.province)
    assert audit_checkpoints.write(db_session, rotated, str(tmp_path))[1] is not None


def test_the_newest_checkpoints_are_kept(db_session, org, tmp_path):
    keys = db_session.info["audit_keys"]
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    (folder / "notes.json").write_text("{}", encoding="utf-8")  # not a checkpoint: never pruned
    paths = []
    for number in range(4):
        org.user(f"k{number}", Role.supervisor, org.province)
        paths.append(audit_checkpoints.write(db_session, keys, str(folder), keep=2)[1])
    assert sorted(os.listdir(folder)) == [*(os.path.basename(path) for path in paths[-2:]), "notes.json"]
    org.user("all", Role.supervisor, org.province)
    audit_checkpoints.write(db_session, keys, str(folder), keep=0)
    assert len(os.listdir(folder)) == 4
    audit_checkpoints._prune(str(folder), 1)
    assert len(os.listdir(folder)) == 2
    assert audit_log.check_chain(db_session).problems == []


def test_a_hundred_checkpoints_are_kept_by_default(db_session, org, tmp_path):
    keys = db_session.info["audit_keys"]
    folder = tmp_path / "checkpoints"
    first = audit_checkpoints.write(db_session, keys, str(folder))[1]
    assert first is not None
    # 99 older checkpoints (their entry ids sort before any real one): 100 files in all.
    older = [f"{audit_checkpoints.PREFIX}{0:012d}-{number:04d}.json" for number in range(99)]
    for name in older:
        (folder / name).write_text("{}", encoding="utf-8")
    org.user("one-more", Role.supervisor, org.province)
    second = audit_checkpoints.write(db_session, keys, str(folder))[1]
    assert second is not None
    assert sorted(os.listdir(folder)) == [*older[1:], os.path.basename(first), os.path.basename(second)]
