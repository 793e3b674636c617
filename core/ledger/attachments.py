"""Files filed with progress reports: checked by content, capped in size, kept outside static.

Files live under ``<instance>/attachments/`` with random names; the web layer
serves them only through a scoped view, always as a download.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import ValidationError
from core.importing.limits import MiB, human_size

DEFAULT_MAX_BYTES = 10 * MiB
MAX_FILES = 10
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


@dataclass(frozen=True)
class Upload:
    """A file as the user sent it."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks, with what its content says it is."""

    filename: str
    data: bytes
    content_type: str


def sniff_content_type(data: bytes) -> str | None:
    """The MIME type ``data`` holds if it is an accepted kind, else None.

    Accepted: PDF, PNG, JPEG, Word and Excel (.docx, .xlsx, and the older OLE2
    .doc/.xls/.wps), OFD, and plain UTF-8 or GB18030 text that is not markup.
    """
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/vnd.ms-office"
    if data.startswith(b"PK\x03\x04"):
        return _office_zip(data)
    return _plain_text(data)


def _office_zip(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "word/document.xml" in names:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if "xl/workbook.xml" in names:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if "OFD.xml" in names:
        return "application/ofd"
    return None  # other archives may hide anything


def _plain_text(data: bytes) -> str | None:
    if b"\x00" in data[:8192]:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Markup (HTML, SVG, XML) could run script if ever shown inline: refuse it.
        return None if text.lstrip().startswith("<") else "text/plain"
    return None


def clean_filename(name: str) -> str:
    """A file name safe to store and to send back: no path, no control characters."""
    name = unicodedata.normalize("NFC", os.path.basename(name.replace("\\", "/")))
    name = _UNSAFE.sub("_", name).strip(" .")
    return name[-200:] or "file"


def check_uploads(uploads: Sequence[Upload], max_bytes: int = DEFAULT_MAX_BYTES) -> list[CheckedFile]:
    """Check every upload; raise :class:`ValidationError` naming the first bad file."""
    uploads = [upload for upload in uploads if upload.data or upload.filename]
    if len(uploads) > MAX_FILES:
        raise ValidationError("At most %(count)s files can be attached to one report.", count=MAX_FILES)
    checked = []
    for upload in uploads:
        filename = clean_filename(upload.filename)
        if not upload.data:
            raise ValidationError("The file %(name)s is empty.", name=filename)
        if len(upload.data) > max_bytes:
            raise ValidationError("The file %(name)s is %(size)s; files may be at most %(limit)s.",
                                  name=filename, size=human_size(len(upload.data)), limit=human_size(max_bytes))
        content_type = sniff_content_type(upload.data)
        if content_type is None:
            raise ValidationError(
                "The file %(name)s is not of an accepted kind (PDF, image, Word, Excel, OFD or text).",
                name=filename)
        checked.append(CheckedFile(filename, upload.data, content_type))
    return checked


def store_file(folder: str, data: bytes) -> tuple[str, str]:
    """Write ``data`` under ``folder`` with a random name; returns (storage name, sha256)."""
    storage_name = secrets.token_hex(16)
    path = stored_path(folder, storage_name)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "xb") as handle:
        handle.write(data)
    return storage_name, hashlib.sha256(data).hexdigest()


def stored_path(folder: str, storage_name: str) -> str:
    """Where a stored file lives (``storage_name`` is always our own random hex)."""
    if not re.fullmatch(r"[0-9a-f]{32}", storage_name):
        raise ValueError("not a storage name")
    return os.path.join(folder, storage_name[:2], storage_name)


def remove_files(folder: str, storage_names: list[str]) -> None:
    """Delete stored files (after a transaction that would have kept them failed)."""
    for name in storage_names:
        try:
            os.remove(stored_path(folder, name))
        except FileNotFoundError:
            pass
