"""Matching a table's headers to column specs and parsing every cell."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.i18n import N_, Message, message
from core.importing.cells import is_blank
from core.importing.errors import CellError, RowError
from core.importing.parsers import Parser, shown, text
from core.importing.progress import current_progress
from core.importing.table import Table

_SPACE = re.compile(r"\s+")
PROGRESS_EVERY = 5000  # rows checked between two reports of progress


@dataclass(frozen=True)
class Column:
    """One column an importer understands.

    ``key`` is the English header and the key of the parsed value, ``zh`` the Chinese
    header (中文列名); either, or one of ``aliases``, matches a header in the file,
    ignoring case and spaces. A ``required`` column must be present and filled in;
    otherwise a missing or blank cell gives ``default``. ``parse`` is only called on
    non-blank cells.
    """

    key: str
    zh: str
    required: bool = False
    parse: Parser = text
    aliases: tuple[str, ...] = ()
    default: Any = None

    def names(self) -> Iterator[str]:
        """Every header spelling that selects this column, normalised."""
        for name in (self.key, self.zh, *self.aliases):
            yield normalise_header(name)


def normalise_header(header: str) -> str:
    """``header`` as compared: NFKC (full-width letters become ASCII), no spaces, casefolded."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", header).replace("\ufeff", "")).casefold()


class MappedRow(Mapping[str, Any]):
    """A row's parsed values by column key, with its ``line`` and unrecognised ``extra`` cells."""

    __slots__ = ("data", "extra", "line")

    def __init__(self, line: int, data: dict[str, Any], extra: dict[str, Any]) -> None:
        self.line = line
        self.data = data
        self.extra = extra

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"MappedRow(line={self.line}, {self.data!r}, extra={self.extra!r})"


@dataclass
class MappedTable:
    """Rows that parsed cleanly, and every error found in the file.

    ``rows`` leaves out any row with an error. ``present`` holds the keys of the
    columns the file has, so an importer can tell "column left out" (keep what is
    stored) from "cell left blank".
    """

    columns: tuple[Column, ...]
    rows: list[MappedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    present: frozenset[str] = frozenset()

    @property
    def ok(self) -> bool:
        """True when no error was found."""
        return not self.errors

    def add_error(self, line: int | None, key: str | None, problem: Message) -> None:
        """Record a problem found later (an unknown unit code, say) against a cell."""
        label = next((column.zh for column in self.columns if column.key == key), None)
        self.errors.append(RowError(line, key, problem, label))


def map_rows(table: Table, columns: Sequence[Column], *,
             key: Sequence[str] = ()) -> MappedTable:
    """Parse every row of ``table`` by ``columns``, collecting all errors.

    Every bad cell of every row is reported, not just the first. With ``key`` (the
    natural key's column keys), a row repeating the key of an earlier row in the same
    file is reported, naming the row where the key first appeared.
    """
    result = MappedTable(tuple(columns), errors=list(table.errors))
    positions, extras = _match_headers(table.headers, result)
    result.present = frozenset(positions)
    first_seen: dict[tuple[Any, ...], int] = {}
    # Work out once where each column is; the loop below runs once per cell of files
    # with a million rows, so it does no lookups it can do here.
    plan = [(column, positions.get(column.key)) for column in columns]
    required = N_("A value is required.")
    progress, total = current_progress(), len(table.rows)
    for done, source in enumerate(table.rows):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        cells = source.cells
        width = len(cells)
        values: dict[str, Any] = {}
        failed = False
        for column, position in plan:
            raw = cells[position] if position is not None and position < width else None
            if is_blank(raw):
                if column.required:
                    # A missing required column is reported once, for the file; its rows
                    # cannot go in, and importers never see the None it would leave.
                    if position is not None:
                        result.add_error(source.line, column.key, CellError(required).message)
                    failed = True
                else:
                    values[column.key] = column.default
                continue
            try:
                values[column.key] = column.parse(raw)
            except CellError as exc:
                result.add_error(source.line, column.key, exc.message)
                failed = True
        if key and not failed:
            failed = _is_duplicate(source.line, values, key, first_seen, result)
        if not failed:
            extra = {header: cells[i] if i < width else None for header, i in extras.items()} if extras else {}
            result.rows.append(MappedRow(source.line, values, extra))
    result.errors.sort(key=lambda error: error.line or 0)
    if progress is not None:
        progress(total, total)
    return result


def _match_headers(headers: list[str],
                   result: MappedTable) -> tuple[dict[str, int], dict[str, int]]:
    """Column key → position, and unknown header → position, reporting header problems."""
    by_name: dict[str, Column] = {}
    for column in result.columns:
        for name in column.names():
            by_name.setdefault(name, column)
    positions: dict[str, int] = {}
    extras: dict[str, int] = {}
    for position, header in enumerate(headers):
        match = by_name.get(normalise_header(header))
        if match is None:
            if header:
                extras.setdefault(header, position)
        elif match.key in positions:
            result.errors.append(RowError(None, None, message(
                N_("Column %(column)s (%(label)s) appears more than once; only the first is used."),
                column=match.key, label=match.zh)))
        else:
            positions[match.key] = position
    for column in result.columns:
        if column.required and column.key not in positions:
            result.errors.append(RowError(None, None, message(
                N_("Required column %(column)s (%(label)s) is missing."),
                column=column.key, label=column.zh)))
    return positions, extras


def _is_duplicate(line: int, values: dict[str, Any], key: Sequence[str],
                  first_seen: dict[tuple[Any, ...], int], result: MappedTable) -> bool:
    natural_key = tuple(
        tuple(values[name]) if isinstance(values[name], list) else values[name] for name in key
    )
    if any(part is None for part in natural_key):
        return False
    if natural_key not in first_seen:
        first_seen[natural_key] = line
        return False
    result.add_error(line, key[0] if len(key) == 1 else None, message(
        N_("Duplicate %(columns)s %(value)s: it already appears on row %(first)s."),
        value=shown(" / ".join(str(part) for part in natural_key)),
        columns=", ".join(key), first=first_seen[natural_key]))
    return True
