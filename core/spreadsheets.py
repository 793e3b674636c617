"""Workbooks an office opens and uses as they are: a frozen, filtered header row, columns wide
enough to read, drop-down lists where a cell takes one of a few values.

Sheets are written with openpyxl's streaming writer, so an export of a few hundred thousand rows
stays small in memory; every text cell goes through :func:`core.importing.safe_cell`.
"""
from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from core.importing import safe_cell

MIN_WIDTH = 8
MAX_WIDTH = 60


def text_width(text: str) -> int:
    """How many character cells ``text`` takes: Chinese and other wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def cell(value: Any) -> Any:
    """``value`` as written to a cell: decimals as numbers, text made safe against formulas."""
    if isinstance(value, Decimal):
        return float(value)
    return safe_cell(value)


class OfficeSheet:
    """One sheet of an :class:`OfficeWorkbook`: a header row, then rows.

    ``widths`` gives a column's width in character cells (by header); any other column is as
    wide as its header. Rows are written as they come (the header's filter covers them all).
    """

    def __init__(self, workbook: Workbook, title: str, header: Sequence[str],
                 widths: dict[str, int] | None = None) -> None:
        self.sheet = workbook.create_sheet(title)
        self.header = list(header)
        self.rows = 0
        widths = widths or {}
        for index, name in enumerate(self.header, start=1):
            width = widths.get(name, text_width(name) + 4)
            self.sheet.column_dimensions[get_column_letter(index)].width = max(MIN_WIDTH, min(MAX_WIDTH, width))
        # Views and column widths are written before the first row: set them now.
        self.sheet.freeze_panes = "A2"
        self.sheet.append([cell(name) for name in self.header])
        self._validations: list[tuple[DataValidation, int]] = []
        self._validated_rows = 0

    def append(self, row: Iterable[Any]) -> None:
        """Write one row; text is made safe."""
        self.sheet.append([cell(value) for value in row])
        self.rows += 1

    def choose_from(self, column: str, values_sheet: ValuesSheet, values: str, *, rows: int | None = None,
                    title: str = "", prompt: str = "", error: str = "") -> None:
        """Offer ``column``'s cells a drop-down of the list ``values`` kept on ``values_sheet``.

        The drop-down covers the rows written and, with ``rows``, that many rows in all (so an
        office may add rows below a template's). A value typed by hand that is not in the list
        is refused with ``error``.
        """
        index = self.header.index(column) + 1
        validation = DataValidation(type="list", formula1=values_sheet.reference(values), allow_blank=True,
                                    showErrorMessage=bool(error), showInputMessage=bool(prompt))
        validation.errorTitle, validation.error = (title or None), (error or None)
        validation.promptTitle, validation.prompt = (title or None), (prompt or None)
        self._validations.append((validation, index))
        self._validated_rows = max(self._validated_rows, rows or 0)

    def number_between(self, column: str, low: float, high: float, *, rows: int | None = None,
                       title: str = "", error: str = "") -> None:
        """Refuse, as it is typed, a number in ``column`` outside ``low`` … ``high`` (blank stays allowed)."""
        validation = DataValidation(type="decimal", operator="between", formula1=str(low), formula2=str(high),
                                    allow_blank=True, showErrorMessage=bool(error))
        validation.errorTitle, validation.error = (title or None), (error or None)
        self._validations.append((validation, self.header.index(column) + 1))
        self._validated_rows = max(self._validated_rows, rows or 0)

    def note(self, column: str, title: str, prompt: str, *, rows: int | None = None) -> None:
        """Show ``prompt`` beside a cell of ``column`` when it is selected (any value allowed)."""
        validation = DataValidation(allow_blank=True, showInputMessage=True)
        validation.promptTitle, validation.prompt = title or None, prompt
        self._validations.append((validation, self.header.index(column) + 1))
        self._validated_rows = max(self._validated_rows, rows or 0)

    def finish(self) -> None:
        """Add the header's filter and the drop-downs, now that every row is written."""
        last = get_column_letter(max(1, len(self.header)))
        self.sheet.auto_filter.ref = f"A1:{last}{self.rows + 1}"
        bottom = max(self.rows, self._validated_rows, 1) + 1
        for validation, index in self._validations:
            letter = get_column_letter(index)
            validation.add(f"{letter}2:{letter}{bottom}")
            self.sheet.data_validations.append(validation)


class ValuesSheet:
    """A sheet of named lists (one per column) that drop-downs read from; hidden from view."""

    def __init__(self, workbook: Workbook, title: str, lists: dict[str, Sequence[str]]) -> None:
        self.title = title
        self.names = list(lists)
        self.lengths = {name: len(values) for name, values in lists.items()}
        sheet = workbook.create_sheet(title)
        sheet.sheet_state = "hidden"
        longest = max(self.lengths.values(), default=0)
        sheet.append([cell(name) for name in self.names])
        for position in range(longest):
            sheet.append([cell(lists[name][position]) if position < len(lists[name]) else None
                          for name in self.names])

    def reference(self, name: str) -> str:
        """The absolute range of list ``name`` (below its heading), for a validation's formula."""
        letter = get_column_letter(self.names.index(name) + 1)
        return f"{quote_sheetname(self.title)}!${letter}$2:${letter}${max(2, self.lengths[name] + 1)}"


class OfficeWorkbook:
    """A workbook of :class:`OfficeSheet` sheets (and, for drop-downs, a :class:`ValuesSheet`)."""

    def __init__(self) -> None:
        self.workbook = Workbook(write_only=True)
        self.sheets: list[OfficeSheet] = []

    def sheet(self, title: str, header: Sequence[str], widths: dict[str, int] | None = None) -> OfficeSheet:
        """A new sheet with ``header`` as its frozen, filtered first row."""
        sheet = OfficeSheet(self.workbook, title, header, widths)
        self.sheets.append(sheet)
        return sheet

    def values(self, title: str, lists: dict[str, Sequence[str]]) -> ValuesSheet:
        """A hidden sheet holding ``lists``, one per column, for drop-downs."""
        return ValuesSheet(self.workbook, title, lists)

    def to_bytes(self) -> bytes:
        """The workbook as XLSX bytes."""
        for sheet in self.sheets:
            sheet.finish()
        out = io.BytesIO()
        self.workbook.save(out)
        return out.getvalue()
