"""Findings as CSV or XLSX in the import's columns; every cell goes through ``safe_cell``."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from core.access.scope import Scope
from core.importing import safe_cell
from plugins.audit.importer import COLUMNS
from plugins.audit.queries import FindingFilter, export_row, iter_findings


def headers(chinese: bool = True) -> list[str]:
    """The header row: the Chinese column names offices use, or the English keys."""
    return [column.zh if chinese else column.key for column in COLUMNS]


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if value is None:
        return ""
    return safe_cell(value)


def export_csv(scope: Scope, f: FindingFilter, today: date, *, chinese: bool = True) -> bytes:
    """Matching findings as CSV, UTF-8 with a BOM so Excel opens it right."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers(chinese))
    for finding in iter_findings(scope, f, today):
        writer.writerow([value.isoformat() if isinstance(value, date) else _cell(value)
                         for value in export_row(finding)])
    return out.getvalue().encode("utf-8-sig")


def export_xlsx(scope: Scope, f: FindingFilter, today: date, *, chinese: bool = True) -> bytes:
    """Matching findings as an XLSX workbook (streamed row by row)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("audit")
    sheet.append(headers(chinese))
    for finding in iter_findings(scope, f, today):
        sheet.append([_cell(value) for value in export_row(finding)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
