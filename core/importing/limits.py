"""How much an uploaded file may weigh before Duban refuses to read it."""
from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    """Upper bounds on an uploaded table, checked before and while it is read.

    ``max_expanded_bytes`` and ``max_compression_ratio`` guard XLSX files, which are ZIP
    archives: a few kilobytes can otherwise expand to gigabytes (a "zip bomb").
    Columns beyond ``max_columns`` are ignored.
    """

    max_bytes: int = 10 * MiB
    max_expanded_bytes: int = 50 * MiB
    max_zip_entries: int = 2000
    max_rows: int = 200_000
    max_columns: int = 1000
    max_compression_ratio: int = 200


DEFAULT_LIMITS = UploadLimits()


def human_size(size: int) -> str:
    """``size`` in bytes as a short figure for messages, such as ``12.5 MiB``."""
    if size < 1024:
        return f"{size} B"
    if size < MiB:
        return f"{size / 1024:.1f} KiB"
    return f"{size / MiB:.1f} MiB"
