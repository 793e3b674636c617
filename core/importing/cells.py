"""Tidying raw cell values the same way for every format."""
from __future__ import annotations

import datetime as dt
from typing import Any


def clean_cell(value: Any) -> Any:
    """Strip text, turn datetimes into dates, and leave every other value alone."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def is_blank(value: Any) -> bool:
    """True for a cell with nothing in it (``None`` or blank text)."""
    return value is None or (isinstance(value, str) and not value.strip())


def header_text(value: Any) -> str:
    """A header cell as text: ``None`` becomes ``""`` and a stray BOM is dropped."""
    if value is None:
        return ""
    return str(value).replace("\ufeff", "").strip()


def trim_headers(cells: list[Any], max_columns: int) -> list[str]:
    """Header cells as text, cut at ``max_columns`` and without trailing blank ones."""
    headers = [header_text(cell) for cell in cells[:max_columns]]
    while headers and not headers[-1]:
        headers.pop()
    return headers
