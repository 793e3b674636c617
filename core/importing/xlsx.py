"""Reading the first sheet of an XLSX workbook, after checking it is not a zip bomb."""
from __future__ import annotations

import io
import zipfile
from typing import Any

from core.i18n import N_
from core.importing.cells import clean_cell, is_blank, trim_headers
from core.importing.errors import FileRejected, FileTooLarge
from core.importing.limits import UploadLimits, human_size
from core.importing.sniff import WORKBOOK_ENTRY
from core.importing.table import Table

EXCEL_MAX_ROWS = 1_048_576
# Small entries may compress extremely well without harm; only big ones are suspect.
RATIO_CHECK_FROM = 1024 * 1024


def check_archive(data: bytes, limits: UploadLimits) -> None:
    """Refuse a ZIP that is not a workbook or that would expand beyond ``limits``.

    Only the archive's directory is read. The sizes it declares are binding: Python's
    ``zipfile`` stops decompressing an entry at its declared size, so an archive
    cannot lie its way past this check.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRejected(N_("The file is a damaged ZIP archive, not an Excel workbook.")) from exc
    if len(entries) > limits.max_zip_entries:
        raise FileTooLarge(
            N_("The workbook holds %(count)s parts; at most %(limit)s are accepted."),
            count=len(entries), limit=limits.max_zip_entries,
        )
    expanded = sum(entry.file_size for entry in entries)
    if expanded > limits.max_expanded_bytes:
        raise FileTooLarge(
            N_("The workbook expands to %(size)s; at most %(limit)s is accepted."),
            size=human_size(expanded), limit=human_size(limits.max_expanded_bytes),
        )
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size >= RATIO_CHECK_FROM and ratio > limits.max_compression_ratio:
            raise FileTooLarge(
                N_("The workbook is compressed suspiciously well (a part expands %(ratio)s times); it was not opened."),
                ratio=int(ratio),
            )
    if WORKBOOK_ENTRY not in {entry.filename for entry in entries}:
        raise FileRejected(N_("The file is a ZIP archive but not an Excel workbook (XLSX)."))


def read_xlsx(data: bytes, limits: UploadLimits) -> Table:
    """The first visible sheet of the workbook in ``data``: header row, then data rows.

    The header is the first non-empty row; row numbers are the sheet's own. Formulas
    give their last computed value; date cells come back as :class:`datetime.date`.
    """
    check_archive(data, limits)
    # Imported here so that merely importing Duban's core does not load openpyxl, and
    # so nothing reaches openpyxl before check_archive has passed.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many undocumented types on bad input
        raise FileRejected(N_("The Excel workbook could not be read; it may be damaged.")) from exc
    try:
        return _read_sheet(_first_visible_sheet(workbook), limits)
    except FileRejected:
        raise
    except Exception as exc:  # as above: damaged sheet XML surfaces as assorted errors
        raise FileRejected(N_("The Excel workbook could not be read; it may be damaged.")) from exc
    finally:
        workbook.close()


def _first_visible_sheet(workbook: Any) -> Any:
    sheets = workbook.worksheets
    if not sheets:
        raise FileRejected(N_("The Excel workbook has no worksheet."))
    for sheet in sheets:
        if sheet.sheet_state == "visible":
            return sheet
    return sheets[0]


def _read_sheet(sheet: Any, limits: UploadLimits) -> Table:
    # Declared dimensions are often wrong (and can be hostile); read what is there.
    sheet.reset_dimensions()
    header_line, headers = _find_header(sheet, limits)
    if header_line is None:
        return Table.build("xlsx", [], [])
    width = len(headers)
    lines: list[tuple[int, tuple[Any, ...]]] = []
    rows = sheet.iter_rows(min_row=header_line + 1, max_col=width, values_only=True)
    for line, values in enumerate(rows, start=header_line + 1):
        if line > EXCEL_MAX_ROWS:
            break
        if values.count(None) == len(values):
            continue
        cells = tuple(clean_cell(value) for value in values)
        if all(is_blank(cell) for cell in cells):
            continue
        if len(lines) >= limits.max_rows:
            raise FileTooLarge(N_("The file has more than %(limit)s rows."), limit=limits.max_rows)
        lines.append((line, cells))
    return Table.build("xlsx", headers, lines)


def _find_header(sheet: Any, limits: UploadLimits) -> tuple[int | None, list[str]]:
    rows = sheet.iter_rows(max_col=limits.max_columns, values_only=True)
    for line, values in enumerate(rows, start=1):
        if line > EXCEL_MAX_ROWS:
            break
        headers = trim_headers([clean_cell(value) for value in values], limits.max_columns)
        if headers:
            return line, headers
    return None, []
