"""Photos and files sent with a tip: capped in size, checked by content, kept in the instance folder.

A file is accepted only when its bytes are a JPEG, PNG, GIF, WebP or PDF *and* its
name claims the same kind: a page renamed ``photo.jpg`` is refused. Stored files
get random names and are served only through a view that checks the reader may
see the tip.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass

from core.errors import ValidationError
from core.i18n import N_
from core.importing.limits import human_size

MiB = 1024 * 1024
MAX_BYTES = 5 * MiB
MAX_FILES = 3
FOLDER = "tips_attachments"

# kind → (content type, file name extensions that may claim it)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "jpeg": ("image/jpeg", (".jpg", ".jpeg", ".jpe")),
    "png": ("image/png", (".png",)),
    "gif": ("image/gif", (".gif",)),
    "webp": ("image/webp", (".webp",)),
    "pdf": ("application/pdf", (".pdf",)),
}
_STORED_NAME = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class AttachmentRejected(ValidationError):
    """An attachment that is too large, of a kind not accepted, or not what its name claims."""


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check, ready to be stored."""

    data: bytes
    original_name: str
    content_type: str
    sha256: str


def sniff(data: bytes) -> str | None:
    """The kind of file ``data`` is, judged by its content only, or None."""
    if data.startswith(b"\xff\xd8\xff") and len(data) > 4:
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


def clean_name(name: str) -> str:
    """A file name safe to show and to offer for download: no folders, no control characters."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:200] or "file"


def check(data: bytes, filename: str) -> CheckedFile:
    """Accept ``data`` named ``filename`` or raise :class:`AttachmentRejected` saying why."""
    name = clean_name(filename)
    if len(data) > MAX_BYTES:
        raise AttachmentRejected(N_("%(name)s is %(size)s; at most %(limit)s is accepted."),
                                 name=name, size=human_size(len(data)), limit=human_size(MAX_BYTES))
    if not data:
        raise AttachmentRejected(N_("%(name)s is empty."), name=name)
    kind = sniff(data)
    if kind is None:
        raise AttachmentRejected(N_("%(name)s is not a photo (JPEG, PNG, GIF, WebP) or a PDF file."), name=name)
    extension = os.path.splitext(name)[1].lower()
    content_type, extensions = KINDS[kind]
    if extension not in extensions:
        raise AttachmentRejected(N_("%(name)s is not what its name says; it was refused."), name=name)
    return CheckedFile(data, name, content_type, hashlib.sha256(data).hexdigest())


def folder(instance_path: str) -> str:
    """Where attachments are kept (created on first use, readable by Duban only)."""
    path = os.path.join(instance_path, FOLDER)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def store(instance_path: str, checked: CheckedFile) -> str:
    """Write ``checked`` under a fresh random name; returns that name."""
    stored_name = secrets.token_urlsafe(24)
    fd = os.open(os.path.join(folder(instance_path), stored_name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(checked.data)
    return stored_name


def path_of(instance_path: str, stored_name: str) -> str:
    """The file of a stored attachment; refuses any name Duban did not make."""
    if not _STORED_NAME.match(stored_name):
        raise ValueError("not a stored attachment name")
    return os.path.join(folder(instance_path), stored_name)


def remove(instance_path: str, stored_names: list[str]) -> None:
    """Delete stored files (used when the action that stored them is rolled back)."""
    for stored_name in stored_names:
        try:
            os.remove(path_of(instance_path, stored_name))
        except (OSError, ValueError):
            pass
