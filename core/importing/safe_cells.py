"""Cells that are safe to hand to a spreadsheet program."""
from __future__ import annotations

from typing import Any

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and
# carriage return, may shift it into one); see OWASP "CSV Injection".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` made safe to write into a CSV or XLSX cell that users will open.

    Text starting with ``= + - @`` or a tab or carriage return gets a leading
    apostrophe, so Excel, WPS and LibreOffice show it as text instead of running it
    as a formula (``=HYPERLINK(...)``, ``=cmd|...``). openpyxl likewise stores text
    starting with ``=`` as a formula unless escaped. Anything that is not text
    (numbers, dates, ``None``) is returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
