"""Reading an uploaded file into a :class:`Table`, whatever its format."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from core.i18n import N_, Message, message
from core.importing.cells import clean_cell, is_blank, trim_headers
from core.importing.errors import FileRejected, FileTooLarge, RowError
from core.importing.limits import DEFAULT_LIMITS, UploadLimits, human_size
from core.importing.sniff import UTF16_BOMS, sniff_kind
from core.importing.table import Table
from core.importing.xlsx import read_xlsx

DELIMITERS = (",", ";", "\t")


def read_table(data: bytes, filename: str | None = None, *,
               limits: UploadLimits = DEFAULT_LIMITS) -> Table:
    """Read an uploaded CSV, XLSX or JSON Lines file into a :class:`Table`.

    The format is decided by the content, never by ``filename`` (which is only
    used in messages): a renamed file is read as what it is. Raises
    :class:`FileRejected` (or :class:`FileTooLarge`) when the file cannot be
    accepted as a whole; problems with single rows are left in ``Table.errors``.
    """
    name: str | Message = filename or message(N_("The file"))
    if len(data) > limits.max_bytes:
        raise FileTooLarge(
            N_("The file is %(size)s; at most %(limit)s is accepted."),
            size=human_size(len(data)), limit=human_size(limits.max_bytes),
        )
    kind = sniff_kind(data)
    if kind == "xlsx":
        return read_xlsx(data, limits)
    if kind == "xls":
        raise FileRejected(
            N_("%(name)s is an old Excel (.xls) file. "
               "Please save it as Excel Workbook (.xlsx) or CSV and upload it again."),
            name=name,
        )
    if kind == "zip":
        # A ZIP without a workbook inside; check_archive gives the precise reason.
        return read_xlsx(data, limits)
    if kind == "binary":
        raise FileRejected(
            N_("%(name)s is not a spreadsheet. Please upload an XLSX, CSV or JSON Lines file."),
            name=name,
        )
    text = decode_text(data, name)
    if kind == "jsonl":
        return read_jsonl(text, limits)
    return read_csv(text, limits)


def decode_text(data: bytes, name: str | Message = "") -> str:
    """``data`` as text: UTF-8 (with or without BOM), UTF-16 with a BOM, else GB18030.

    GB18030 is a superset of GBK and GB2312, which older Chinese Excel and WPS
    versions use for CSV.
    """
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise FileRejected(
        N_("%(name)s is not readable text. Please save it as CSV UTF-8 (or GBK) and upload it again."),
        name=name,
    )


def read_csv(text: str, limits: UploadLimits = DEFAULT_LIMITS) -> Table:
    """A table from CSV text; the delimiter (comma, semicolon or tab) is guessed.

    Row numbers count every record from the header's, so they match what a
    spreadsheet shows when it opens the file.
    """
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    headers: list[str] | None = None
    lines: list[tuple[int, tuple[Any, ...]]] = []
    line = 0
    try:
        for line, record in enumerate(reader, start=1):
            # csv yields only text, so cleaning a cell is stripping it, and a row
            # is blank when no stripped cell has anything left.
            cells = tuple([value.strip() for value in record])
            if not any(cells):
                continue
            if headers is None:
                headers = trim_headers(list(cells), limits.max_columns)
                continue
            if len(lines) >= limits.max_rows:
                raise FileTooLarge(N_("The file has more than %(limit)s rows."), limit=limits.max_rows)
            lines.append((line, cells[: len(headers)]))
    except csv.Error as exc:
        raise FileRejected(N_("Row %(line)s of the CSV file could not be read."), line=line + 1) from exc
    return Table.build("csv", headers or [], lines)


def sniff_delimiter(text: str) -> str:
    """The most frequent of ``,`` ``;`` and tab outside quotes on the first non-blank line."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in first:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def read_jsonl(text: str, limits: UploadLimits = DEFAULT_LIMITS) -> Table:
    """A table from JSON Lines: one object per line, the headers being all keys seen.

    A line that is not a JSON object becomes a row error; blank lines are skipped.
    """
    headers: dict[str, int] = {}
    records: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    # Split on "\n" only: str.splitlines would also split on U+2028 inside strings.
    for line, raw in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except (ValueError, RecursionError):
            record = None
        if not isinstance(record, dict):
            errors.append(RowError(line, None, message(N_("This line is not a valid JSON object."))))
            continue
        if all(is_blank(value) for value in record.values()):
            continue
        if len(records) >= limits.max_rows:
            raise FileTooLarge(N_("The file has more than %(limit)s rows."), limit=limits.max_rows)
        for key in record:
            if len(headers) < limits.max_columns:
                headers.setdefault(str(key), len(headers))
        records.append((line, {str(key): value for key, value in record.items()}))
    names = list(headers)
    lines = [
        (line, tuple(clean_cell(record.get(name)) for name in names))
        for line, record in records
    ]
    return Table.build("jsonl", names, lines, errors)
