"""Signed checkpoints of the audit trail's head (审计日志检查点), kept outside the database.

A checkpoint is a small JSON file naming the newest entry and its hash, where keyed
chaining began, and how many direct changes were on record, signed with the audit
key. The database cannot vouch for its own newest entries: whoever deletes them can
rewrite the head row too. A checkpoint kept elsewhere can: :func:`compare` shows an
entry it names that is gone or has another hash, a legacy prefix stretched over keyed
entries, and recorded direct changes that were deleted.
"""
from __future__ import annotations

import hmac
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit_direct import DirectChange, direct_change_tally
from core.audit_keys import AuditKeys
from core.audit_log import AuditEntry, ChainReport, Problem, check_chain
from core.db import utcnow

PREFIX = "audit-checkpoint-"
VERSION = 1


class CheckpointError(Exception):
    """A checkpoint file that cannot be trusted, or a chain that must not be checkpointed."""


@dataclass(frozen=True)
class Checkpoint:
    """The head of the trail at one moment, as signed into a file."""

    entry_id: int
    hash: str
    keyed: bool
    keyed_from: int | None
    direct_changes: int
    direct_changes_last_id: int
    at: str
    key_id: str
    signature: str = ""

    def body(self) -> bytes:
        fields = {name: value for name, value in asdict(self).items() if name != "signature"}
        fields["version"] = VERSION
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


def read(path: str, keys: AuditKeys) -> Checkpoint:
    """The checkpoint in ``path``; :class:`CheckpointError` when it is unreadable or its signature fails."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        data.pop("version", None)
        checkpoint = Checkpoint(**data)
    except (OSError, ValueError, TypeError) as error:
        raise CheckpointError(f"{path}: not a readable checkpoint ({error})") from error
    key = keys.by_id(checkpoint.key_id)
    if key is None:
        raise CheckpointError(f"{path}: signed with key {checkpoint.key_id}, which is not configured")
    if not hmac.compare_digest(key.sign(checkpoint.body()), checkpoint.signature):
        raise CheckpointError(f"{path}: the signature does not match (altered, or not this instance's)")
    return checkpoint


def latest_path(folder: str) -> str | None:
    """The newest checkpoint file in ``folder`` (names sort by entry id, then time)."""
    try:
        names = sorted(name for name in os.listdir(folder) if name.startswith(PREFIX) and name.endswith(".json"))
    except FileNotFoundError:
        return None
    return os.path.join(folder, names[-1]) if names else None


def compare(session: Session, checkpoint: Checkpoint, report: ChainReport | None = None) -> list[Problem]:
    """What differs between the database and ``checkpoint``.

    ``report``, from a full :func:`core.audit_log.check_chain`, adds the check that keyed
    chaining still begins where the checkpoint says.
    """
    problems: list[Problem] = []
    stored = session.execute(select(AuditEntry.hash).where(AuditEntry.id == checkpoint.entry_id)).scalar()
    if checkpoint.entry_id == 0:
        pass  # taken of an empty trail
    elif stored is None:
        problems.append(Problem(checkpoint.entry_id, f"is missing, but the checkpoint of {checkpoint.at} recorded it: "
                                                     "the newest entries were cut off"))
    elif stored != checkpoint.hash:
        problems.append(Problem(checkpoint.entry_id, f"has another hash than in the checkpoint of {checkpoint.at}: "
                                                     "the trail was rewritten up to here"))
    if report is not None and checkpoint.keyed_from is not None and report.keyed_from != checkpoint.keyed_from:
        problems.append(Problem(report.keyed_from or checkpoint.keyed_from,
                                f"keyed chaining begins at entry {report.keyed_from}, but the checkpoint of "
                                f"{checkpoint.at} says {checkpoint.keyed_from}: "
                                "entries were re-chained without the key"))
    if checkpoint.direct_changes:
        kept = session.scalar(select(func.count(DirectChange.id))
                              .where(DirectChange.id <= checkpoint.direct_changes_last_id)) or 0
        if kept < checkpoint.direct_changes:
            problems.append(Problem(None, f"{checkpoint.direct_changes - kept} recorded direct change(s) were deleted "
                                          f"since the checkpoint of {checkpoint.at}"))
    return problems


def write(session: Session, keys: AuditKeys, folder: str, keep: int = 100) -> tuple[Checkpoint, str | None]:
    """Check the entries since the latest checkpoint in ``folder``, then sign and write a new one.

    Returns the checkpoint and the path written, or None when nothing changed since the
    latest. Raises :class:`CheckpointError`, writing nothing, when the latest checkpoint
    cannot be trusted or the entries since it are broken: a checkpoint vouches only for
    what was intact. Keeps the newest ``keep`` files.
    """
    previous_path = latest_path(folder)
    previous = read(previous_path, keys) if previous_path else None
    if previous is not None:
        problems = compare(session, previous)
        # Start at the checkpoint's own entry, so an edit of it shows too: its stored hash
        # matches the checkpoint, so its recomputed one must as well.
        anchor_prev = session.scalar(select(AuditEntry.prev_hash).where(AuditEntry.id == previous.entry_id))
        keyed_before = previous.keyed and previous.keyed_from != previous.entry_id
        start = (previous.entry_id - 1, anchor_prev, keyed_before) if anchor_prev is not None else None
        report = check_chain(session, keys, start_after=start)
    else:
        problems = []
        report = check_chain(session, keys)
    problems += report.problems
    if problems:
        first = problems[0]
        raise CheckpointError(f"no checkpoint written: entry {first.entry_id}: {first.reason}")
    count, last_direct = direct_change_tally(session)
    keyed = report.keyed_from is not None or bool(previous and previous.keyed)
    keyed_from = previous.keyed_from if previous and previous.keyed_from is not None else report.keyed_from
    checkpoint = Checkpoint(entry_id=report.last_id, hash=report.last_hash, keyed=keyed, keyed_from=keyed_from,
                            direct_changes=count, direct_changes_last_id=last_direct,
                            at=utcnow().isoformat(timespec="seconds"), key_id=keys.current.id)
    if previous is not None and (
            (previous.entry_id, previous.hash, previous.direct_changes_last_id, previous.key_id)
            == (checkpoint.entry_id, checkpoint.hash, checkpoint.direct_changes_last_id, checkpoint.key_id)):
        return previous, None
    checkpoint = Checkpoint(**{**asdict(checkpoint), "signature": keys.current.sign(checkpoint.body())})
    os.makedirs(folder, mode=0o700, exist_ok=True)
    stamp = checkpoint.at.replace("-", "").replace(":", "").replace("+0000", "Z")
    path = os.path.join(folder, f"{PREFIX}{checkpoint.entry_id:012d}-{stamp}.json")
    data: dict[str, Any] = {"version": VERSION, **asdict(checkpoint)}
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".checkpoint-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _prune(folder, keep)
    return checkpoint, path


def _prune(folder: str, keep: int) -> None:
    names = sorted(name for name in os.listdir(folder) if name.startswith(PREFIX) and name.endswith(".json"))
    for name in names[:-keep] if keep > 0 else []:
        os.remove(os.path.join(folder, name))
