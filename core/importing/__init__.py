"""Reading uploaded tables (CSV, XLSX, JSON Lines) for every importer.

The intake is format-agnostic: :func:`read_table` turns bytes into a :class:`Table`,
:func:`map_rows` applies an importer's :class:`Column` specs, and an
:class:`ImportReport` tells the user, row by row and in their language, what went
wrong. Core code: no Flask here.
"""
from __future__ import annotations

from core.importing.columns import Column, MappedRow, MappedTable, map_rows, normalise_header
from core.importing.errors import CellError, FileRejected, FileTooLarge, RowError
from core.importing.limits import DEFAULT_LIMITS, UploadLimits
from core.importing.parsers import (
    Parser,
    boolean,
    choice,
    code_list,
    decimal,
    email_address,
    event_date,
    event_time,
    integer,
    iso_date,
    optional_text,
    region_code,
    severity,
    text,
)
from core.importing.readers import read_table
from core.importing.report import ImportReport, RowChange
from core.importing.safe_cells import safe_cell
from core.importing.sniff import Kind, sniff_kind
from core.importing.table import SourceRow, Table

__all__ = [
    "DEFAULT_LIMITS", "CellError", "Column", "FileRejected", "FileTooLarge", "ImportReport",
    "Kind", "MappedRow", "MappedTable", "Parser", "RowChange", "RowError", "SourceRow", "Table",
    "UploadLimits", "boolean", "choice", "code_list", "decimal", "email_address", "event_date", "event_time",
    "integer", "iso_date",
    "map_rows", "normalise_header", "optional_text", "read_table", "region_code",
    "safe_cell", "severity", "sniff_kind", "text",
]
