"""The keys that chain the audit trail (审计日志密钥), kept outside the database.

An entry's hash is an HMAC-SHA256 under the instance's current key, so whoever can
write to the database but does not hold the key cannot re-chain edited entries.
Each entry records the id of the key that chained it; retired keys stay listed so
older entries can still be checked (see docs/operations.md, "Rotating the audit key").
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

KEY_FILE = "audit_key"
MIN_KEY_LENGTH = 32


class AuditKeyError(ValueError):
    """A configured audit key is unusable."""


@dataclass(frozen=True)
class AuditKey:
    """One HMAC key and its public id (a digest of the key, not the key)."""

    id: str
    secret: bytes = field(repr=False)

    @classmethod
    def from_text(cls, text: str) -> AuditKey:
        secret = text.strip()
        if len(secret) < MIN_KEY_LENGTH:
            raise AuditKeyError(f"an audit key needs at least {MIN_KEY_LENGTH} characters")
        raw = secret.encode("utf-8")
        return cls(id=hmac.new(raw, b"duban audit key id", hashlib.sha256).hexdigest()[:12], secret=raw)

    def hasher(self) -> Any:
        """A keyed HMAC-SHA256 ready to be copied for each message (the key is set up once)."""
        return hmac.new(self.secret, digestmod=hashlib.sha256)

    def sign(self, message: bytes) -> str:
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class AuditKeys:
    """The key new entries are chained with, and every key older entries may have used."""

    current: AuditKey
    retired: tuple[AuditKey, ...] = ()

    def by_id(self, key_id: str) -> AuditKey | None:
        for key in (self.current, *self.retired):
            if key.id == key_id:
                return key
        return None


def _texts(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part).strip() for part in value if str(part).strip()]


def _read_or_create_key_file(path: str) -> str:
    """The key kept in ``path``, created with a fresh random key (mode 0600) when absent."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def load_keys(config: Mapping[str, Any], instance_path: str) -> AuditKeys:
    """The instance's audit keys.

    ``AUDIT_KEY`` (environment ``DUBAN_AUDIT_KEY``) is the current key; without it, the key
    in ``<instance>/audit_key``, created on first start. ``AUDIT_RETIRED_KEYS`` (a list, or
    text separated by commas) holds keys used before a rotation.
    """
    configured = config.get("AUDIT_KEY")
    text = str(configured) if configured else _read_or_create_key_file(os.path.join(instance_path, KEY_FILE))
    current = AuditKey.from_text(text)
    retired = tuple(AuditKey.from_text(old) for old in _texts(config.get("AUDIT_RETIRED_KEYS")))
    return AuditKeys(current=current, retired=tuple(key for key in retired if key.id != current.id))


def keyring(keys: Iterable[str]) -> AuditKeys:
    """Keys from texts, the first current (tests and scripts)."""
    parsed = [AuditKey.from_text(text) for text in keys]
    return AuditKeys(current=parsed[0], retired=tuple(parsed[1:]))
