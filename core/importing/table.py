"""A table read from a file: its headers and its rows, each knowing where it came from."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.importing.errors import RowError


class SourceRow(Mapping[str, Any]):
    """One data row as read, before any column spec is applied.

    Behaves as a read-only mapping from header text to cell value (the first column
    wins when two share a header); ``cells`` keeps every cell in header order, and
    ``line`` is the row number the user sees in Excel or their editor (the header is
    row 1, so the first data row is usually row 2), or the JSON Lines line number.
    """

    __slots__ = ("_index", "cells", "line")

    def __init__(self, line: int, cells: tuple[Any, ...], index: Mapping[str, int]) -> None:
        self.line = line
        self.cells = cells
        self._index = index

    def __getitem__(self, header: str) -> Any:
        position = self._index[header]
        return self.cells[position] if position < len(self.cells) else None

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"SourceRow(line={self.line}, {dict(self)!r})"


@dataclass
class Table:
    """Headers and rows of one uploaded file, whatever its format.

    ``errors`` holds rows that could not be read at all (a JSON Lines line that is not
    an object); they are reported with the rest and never stop the import from
    looking at the other rows.
    """

    kind: str
    headers: list[str]
    rows: list[SourceRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @classmethod
    def build(cls, kind: str, headers: list[str], lines: list[tuple[int, tuple[Any, ...]]],
              errors: list[RowError] | None = None) -> Table:
        """A table from ``(line, cells)`` pairs whose cells follow ``headers``."""
        index: dict[str, int] = {}
        for position, header in enumerate(headers):
            index.setdefault(header, position)
        rows = [SourceRow(line, cells, index) for line, cells in lines]
        return cls(kind, headers, rows, list(errors or []))
