"""Telling what kind of file some bytes are, from their content and never their name."""
from __future__ import annotations

import io
import zipfile
from typing import Literal

Kind = Literal["xlsx", "csv", "jsonl", "xls", "zip", "binary"]

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
WORKBOOK_ENTRY = "xl/workbook.xml"

# Formats people rename to .csv by mistake that may not contain a NUL byte early on.
BINARY_MAGIC = (
    b"\x89PNG", b"%PDF", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!",
    b"{\\rtf",
)


def sniff_kind(data: bytes) -> Kind:
    """Say what ``data`` holds: ``xlsx``, ``csv``, ``jsonl``, ``xls``, ``zip`` or ``binary``.

    ``xls`` is any OLE2 compound file (old Excel, and old Word too); ``zip`` is a ZIP
    archive that is not an Excel workbook (or a damaged one); ``binary`` is anything
    that is not text. Text starting (after any BOM and blank space) with ``{`` is
    taken as JSON Lines and all other text as CSV. Only the ZIP's directory is read,
    never its contents, so this is cheap and safe on hostile files.
    """
    if data.startswith(ZIP_MAGIC):
        return "xlsx" if _is_workbook(data) else "zip"
    if data.startswith(OLE2_MAGIC):
        return "xls"
    if data.startswith(UTF16_BOMS):
        # Excel's "Unicode text" export: UTF-16 with a BOM, so NUL bytes are expected.
        text = data[2:].decode("utf-16-le" if data[0] == 0xFF else "utf-16-be", "ignore")
        return "jsonl" if text.lstrip().startswith("{") else "csv"
    if data.startswith(BINARY_MAGIC) or b"\x00" in data:
        return "binary"
    body = data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data
    return "jsonl" if body.lstrip().startswith(b"{") else "csv"


def _is_workbook(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return WORKBOOK_ENTRY in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
